"""CSV files and downloads the product writes, safe to open in a spreadsheet.

A cell that starts with ``= + - @`` (or a tab or carriage return) is a formula to Excel, LibreOffice
and Google Sheets, so an uploader's title ``=HYPERLINK(...)`` or a class named ``+cmd|...`` would run
there. As OWASP recommends, such a text cell is written with a leading ``'``: the spreadsheet shows
the text itself, and the value stays readable. Numbers are written as numbers: floats at full
precision (no ``float_format``, no rounding: a file reproduces the figures computed from it), and
the count columns of :data:`WHOLE_NUMBER_COLUMNS` as whole numbers (``870000``, not ``870000.0``)
even when some are missing (pandas ``Int64``: a missing count is an empty cell).

Every folder of results goes through :func:`output_dir`, so a path that is a file or cannot be
written is one clear :class:`~core.errors.OutputError`, before any work is done.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import OutputError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WHOLE_NUMBER_COLUMNS = frozenset({"views", "view_count", "like_count", "frames", "count", "videos", "support", "top_k"})
"""Columns that hold counts: pandas makes them float when a value is missing, CSV writes them as integers."""


def safe_cell(value: Any) -> Any:
    """``value``, with ``'`` in front when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names are :func:`safe_cell`, and whose
    :data:`WHOLE_NUMBER_COLUMNS` holding whole numbers are ``Int64``."""
    out = table.rename(columns=safe_cell)
    for column in out.columns:
        if column in WHOLE_NUMBER_COLUMNS and _whole_floats(out[column]):
            out[column] = out[column].astype("Int64")
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def _whole_floats(values: pd.Series) -> bool:
    """Float (or all-number object) values that are whole numbers or missing."""
    if pd.api.types.is_bool_dtype(values) or not (pd.api.types.is_float_dtype(values) or values.dtype == object):
        return False
    numbers = pd.to_numeric(values, errors="coerce")
    present = values.notna()
    return bool(numbers[present].notna().all() and (numbers[present] % 1 == 0).all())


def to_csv(table: pd.DataFrame, path: str | Path | None = None) -> str | None:
    """Write ``table`` (without its index) as safe CSV to ``path``, or return the text when no path is given."""
    return safe_table(table).to_csv(path, index=False)


def output_dir(path: str | Path) -> Path:
    """``path`` as a folder this process can write to, created with its parents if missing.

    Raises :class:`OutputError` naming ``path`` when it is a file, cannot be created, or is not writable.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputError(f"Cannot write results to {out}: it is a file, not a folder. Choose a folder (it is created if missing).")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"Cannot create the folder {out} for the results: {err.strerror or err}. Choose a folder you can write to.") from err
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write results to {out}: permission denied. Choose a folder you can write to.")
    return out
