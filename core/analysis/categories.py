"""Label categories: ImageNet's 1000 labels rolled up the WordNet hierarchy into business categories.

The 1000 labels are too fine for business questions (120 dog breeds, no "food" label). A category
is a set of WordNet nodes; a class belongs to the first category (in :data:`DEFAULT_CATEGORIES`
order) one of whose nodes is the class itself or one of its ancestors, else to :data:`OTHER`, so
every class gets exactly one. The hierarchy ships as ``core/data/imagenet_hierarchy.json`` (the
ancestors of the 1000 classes only; ``tools/imagenet_hierarchy.py`` builds it from WordNet).

Runs store label *names*, not class ids, so categories are looked up by name. Two names are shared
by two classes each: ``maillot`` (two swimsuits, both clothing) and ``crane`` (a bird and a
machine). A name whose classes fall in different categories maps to :data:`OTHER` (see :func:`ambiguous`).

- :func:`default_mapping` — label name → default category; :func:`mapping_table` and
  :func:`mapping_csv` show or download any mapping.
- :func:`parse_mapping_csv` — a user's CSV (columns ``label, category``) checked row by row; every
  problem is reported with its row number in one :class:`~core.errors.CategoryMappingError`.
- :func:`save_custom` and :func:`level_mapping` — store the user's mapping (all or nothing), and the
  mapping of a level: ``label`` (none), ``category`` (the default) or ``custom`` (the stored one).
- :func:`at_level` — a top-1 table with its ``label`` column replaced by the category: every
  analysis then runs on categories unchanged.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from core.analysis import labels
from core.analysis.category_nodes import DEFAULT_CATEGORIES, Category  # offered here: categories.DEFAULT_CATEGORIES
from core.errors import CategoryMappingError
from core.exports import FORMULA_STARTS, to_csv
from core.inference import imagenet_classes
from core.store import Store

HIERARCHY_PATH = Path(__file__).resolve().parents[1] / "data" / "imagenet_hierarchy.json"
OTHER = "other"
"""The category of every label that no category claims."""
LEVELS: dict[str, str] = {"label": "Label", "category": "Category", "custom": "My categories"}
"""Level of an analysis → its name on screen: ImageNet labels, default categories, or the user's own mapping."""
COLUMNS = ("label", "category")
MAX_CSV_BYTES = 1_000_000
"""Largest category CSV accepted (the full default mapping is about 23 KB)."""
MAX_ROWS = 5_000
MAX_CATEGORY_CHARS = 60
MAX_CATEGORIES = 200
MAX_PROBLEMS_SHOWN = 20
"""Row problems listed in the message; the rest are counted."""


@dataclass(frozen=True)
class Hierarchy:
    """The WordNet nodes above the 1000 classes."""

    parents: dict[str, tuple[str, ...]]
    """WordNet id → its parents' ids (``entity`` has none; 38 classes have two or three)."""
    names: dict[str, str]
    """WordNet id → its names, comma-separated (``"dog, domestic dog, Canis familiaris"``)."""

    def ancestors(self, node: str) -> frozenset[str]:
        """``node`` and every node above it, along every path."""
        seen = {node}
        stack = [node]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)


@lru_cache(maxsize=1)
def hierarchy() -> Hierarchy:
    """The shipped hierarchy, read once."""
    raw = json.loads(HIERARCHY_PATH.read_text(encoding="utf-8"))
    return Hierarchy({k: tuple(v) for k, v in raw["parents"].items()}, dict(raw["names"]))


def class_categories(categories: tuple[Category, ...] = DEFAULT_CATEGORIES) -> dict[str, str]:
    """Each of the 1000 classes' WordNet id → its category (the first that claims it), or :data:`OTHER`."""
    tree = hierarchy()
    out = {}
    for wnid, _ in imagenet_classes():
        above = tree.ancestors(wnid)
        out[wnid] = next((c.name for c in categories if not above.isdisjoint(c.nodes)), OTHER)
    return out


@lru_cache(maxsize=1)
def _default_mapping() -> tuple[tuple[str, str], ...]:
    by_class = class_categories()
    by_name: dict[str, set[str]] = {}
    for wnid, name in imagenet_classes():
        by_name.setdefault(name, set()).add(by_class[wnid])
    return tuple((name, cats.pop() if len(cats) == 1 else OTHER) for name, cats in by_name.items())


def default_mapping() -> dict[str, str]:
    """Label name (as runs store it, ``tobacco_shop``) → default category, for the 998 distinct names."""
    return dict(_default_mapping())


def ambiguous() -> dict[str, list[str]]:
    """Names shared by classes of different categories → those categories (they map to :data:`OTHER`)."""
    by_class = class_categories()
    by_name: dict[str, list[str]] = {}
    for wnid, name in imagenet_classes():
        by_name.setdefault(name, []).append(by_class[wnid])
    return {name: cats for name, cats in by_name.items() if len(set(cats)) > 1}


def category_names(mapping: Mapping[str, str]) -> list[str]:
    """The categories of ``mapping`` in display order: the defaults' order first, then others
    alphabetically, :data:`OTHER` last."""
    order = {c.name: i for i, c in enumerate(DEFAULT_CATEGORIES)}
    found = set(mapping.values())
    return sorted(found - {OTHER}, key=lambda c: (order.get(c, len(order)), c.casefold())) + ([OTHER] if OTHER in found else [])


def mapping_table(mapping: Mapping[str, str]) -> pd.DataFrame:
    """``label, category`` rows, grouped by category (display order), labels alphabetical within each."""
    order = {c: i for i, c in enumerate(category_names(mapping))}
    rows = sorted(mapping.items(), key=lambda kv: (order[kv[1]], labels.label(kv[0]).casefold()))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def mapping_csv(mapping: Mapping[str, str]) -> str:
    """:func:`mapping_table` as CSV text (label names as runs store them), ready to edit and upload again."""
    text = to_csv(mapping_table(mapping))
    assert text is not None
    return text


def category_summary(mapping: Mapping[str, str]) -> pd.DataFrame:
    """One row per category: ``category, label_count`` (how many labels it holds) and ``examples``
    (up to five labels as words)."""
    table = mapping_table(mapping)
    rows = []
    for name, group in table.groupby("category", sort=False):
        words = [labels.label(n) for n in group["label"]]
        rows.append((name, len(group), ", ".join(words[:5]) + (", …" if len(words) > 5 else "")))
    return pd.DataFrame(rows, columns=["category", "label_count", "examples"])


# ---------------------------------------------------------------- a user's CSV


class _Labels:
    """Every accepted spelling of a label → its name: as stored (``tobacco_shop``), as words
    (``tobacco shop``), or in other capitals when that leaves one label (``Cardigan``, the dog,
    and ``cardigan``, the sweater, must be written exactly)."""

    def __init__(self, names: list[str]) -> None:
        self.exact = {spelling: name for name in names for spelling in (name, labels.label(name))}
        self.folded: dict[str, set[str]] = {}
        for spelling, name in self.exact.items():
            self.folded.setdefault(spelling.casefold(), set()).add(name)

    def find(self, text: str) -> str | set[str] | None:
        """The label ``text`` names; the labels it could mean when its capitals leave several; None when none."""
        words = " ".join(text.replace("_", " ").split())
        found = self.exact.get(text) or self.exact.get(words)
        if found:
            return found
        candidates = self.folded.get(words.casefold(), set())
        return next(iter(candidates)) if len(candidates) == 1 else (candidates or None)


def _unquote(cell: str) -> str:
    """A cell as typed: trimmed, without the ``'`` our CSV files put before a formula-like text."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] and cell[1:2] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _decode(data: bytes | str, name: str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_CSV_BYTES:
        raise CategoryMappingError(
            f"{name} is {len(data) / 1e6:.1f} MB; a category file may be at most {MAX_CSV_BYTES / 1e6:g} MB. Upload only the label and category columns."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CategoryMappingError(f"{name} is not UTF-8 text (byte {err.start}). Save it from your spreadsheet as “CSV UTF-8” and upload it again.") from err


DELIMITERS = (",", ";", "\t")
"""Column separators read: commas, semicolons (a spreadsheet's "CSV" where the decimal mark is a comma) and tabs."""


def _delimiter(text: str) -> str:
    """The separator whose split of the first line with a value (rows of only separators are skipped,
    as the reader skips them) names both :data:`COLUMNS`; a comma otherwise."""
    first = next((line for line in text.splitlines() if line.strip("".join(DELIMITERS) + ' "\r')), "")
    for d in DELIMITERS:
        if set(COLUMNS) <= {_unquote(c).strip('"').casefold() for c in first.split(d)}:
            return d
    return ","


def parse_mapping_csv(data: bytes | str, name: str = "The file") -> dict[str, str]:
    """Read a ``label, category`` CSV (commas, semicolons or tabs between columns) into label name → category.

    Labels may be written as runs store them (``tobacco_shop``) or as words (``tobacco shop``), in
    any case; other columns are ignored; a label listed twice with the same category is fine.
    Labels the file does not list get :data:`OTHER` when the mapping is used.

    Raises :class:`~core.errors.CategoryMappingError` naming every problem, each with its row number
    as a spreadsheet shows it (the header is row 1): an unknown label, an empty or too long category
    or one holding ``<``, ``>`` or an invisible character (charts would read them as markup),
    a label listed again with another category; or a file too large, not UTF-8, without a ``label``
    or ``category`` column, with no rows or too many rows or categories. Nothing is returned then."""
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise CategoryMappingError(f"{name} is empty. It needs a first row naming the columns label and category, then one row per label.")
        columns = [_unquote(c).casefold() for c in header]
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            found = ", ".join(f"“{c.strip()}”" for c in header if c.strip()) or "none"
            raise CategoryMappingError(
                f"{name} has no {' and no '.join(f'“{c}”' for c in missing)} column (its first row names: {found}). "
                "The first row must name the columns label and category."
            )
        at_label, at_category = columns.index("label"), columns.index("category")
        known = _Labels(list(default_mapping()))
        mapping: dict[str, str] = {}
        first_row: dict[str, int] = {}
        problems: list[str] = []
        rows = 0
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise CategoryMappingError(f"{name} has more than {MAX_ROWS:,} rows; ImageNet has 1,000 labels. Keep one row per label.")
            row = reader.line_num
            raw_label = _unquote(cells[at_label]) if at_label < len(cells) else ""
            category = " ".join(_unquote(cells[at_category]).split()) if at_category < len(cells) else ""
            if not raw_label:
                problems.append(f"Row {row}: the label is empty.")
                continue
            label = known.find(raw_label)
            if isinstance(label, set):
                options = " or ".join(f"“{labels.label(n)}”" for n in sorted(label))
                problems.append(f"Row {row}: “{raw_label}” could be {options}; write it with the same capitals.")
                continue
            if label is None:
                close = difflib.get_close_matches(raw_label.casefold(), known.folded, n=1, cutoff=0.8)
                hint = (
                    f" Did you mean “{labels.label(min(known.folded[close[0]]))}”?" if close else " Use a label as the Label categories page's CSV writes it."
                )
                problems.append(f"Row {row}: “{raw_label}” is not an ImageNet label.{hint}")
                continue
            if not category:
                problems.append(f"Row {row}: the category of “{labels.label(label)}” is empty.")
                continue
            if "<" in category or ">" in category or not category.isprintable():
                problems.append(f"Row {row}: the category of “{labels.label(label)}” holds < or > or an invisible character; use plain words.")
                continue
            if len(category) > MAX_CATEGORY_CHARS:
                problems.append(f"Row {row}: the category of “{labels.label(label)}” is {len(category)} characters long; keep it under {MAX_CATEGORY_CHARS}.")
                continue
            if label in mapping and mapping[label] != category:
                problems.append(
                    f"Row {row}: “{labels.label(label)}” is already on row {first_row[label]} with category “{mapping[label]}”; here it is “{category}”. Keep one."
                )
                continue
            mapping.setdefault(label, category)
            first_row.setdefault(label, row)
    except csv.Error as err:
        raise CategoryMappingError(f"{name} is not a readable CSV file (row {reader.line_num}: {err}). Save it from your spreadsheet as CSV.") from err
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        listing = " ".join(shown) + (f" … and {more} more." if more else "")
        headline = f"{name} has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved."
        raise CategoryMappingError(f"{headline} {listing}", problems, headline)
    if not mapping:
        raise CategoryMappingError(f"{name} has no rows under its header. Add one row per label: its label and its category.")
    n_categories = len(set(mapping.values()))
    if n_categories > MAX_CATEGORIES:
        raise CategoryMappingError(f"{name} has {n_categories} categories; at most {MAX_CATEGORIES} are allowed, or the charts become unreadable. Merge some.")
    return mapping


# ---------------------------------------------------------------- analyses at a level


def at_level(top1: pd.DataFrame, mapping: Mapping[str, str] | None) -> pd.DataFrame:
    """``top1`` (any table with a ``label`` column of label names) with each label replaced by its
    category; labels ``mapping`` does not name become :data:`OTHER`. ``None`` returns ``top1`` as it is.
    Same rows, same columns, same order: every top-1 analysis then works on categories."""
    if mapping is None:
        return top1
    codes, names = pd.factorize(top1["label"])  # map each distinct label once, not each of 100,000 rows
    grouped = np.array([mapping.get(name, OTHER) for name in names] + [OTHER], dtype=object)
    return top1.assign(label=grouped[codes])  # code -1 (a missing label) picks the last entry, OTHER


def read_csv_file(path: Path) -> bytes:
    """A category CSV's bytes from disk, refused before reading when missing or over :data:`MAX_CSV_BYTES`."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise CategoryMappingError(f"{path} is not a file. Name a CSV file with the columns label and category.")
        if size > MAX_CSV_BYTES:
            raise CategoryMappingError(
                f"{path} is {size / 1e6:.1f} MB; a category file may be at most {MAX_CSV_BYTES / 1e6:g} MB. Keep only the label and category columns."
            )
        return path.read_bytes()
    except OSError as err:
        raise CategoryMappingError(f"Cannot read {path}: {err.strerror or err}. Name a CSV file with the columns label and category.") from err


def save_custom(store: Store, data: bytes | str, file_name: str) -> dict[str, str]:
    """Check a user's CSV (:func:`parse_mapping_csv`) and store it as "My categories", replacing the
    stored one. On any problem nothing is stored and the previous mapping stays."""
    mapping = parse_mapping_csv(data, f"“{file_name}”")
    store.label_categories.save(mapping, file_name)
    return mapping


def level_mapping(store: Store, level: str) -> dict[str, str] | None:
    """The mapping an analysis at ``level`` uses: None for ``label``, :func:`default_mapping` for
    ``category``, the stored "My categories" for ``custom`` (an error saying how to upload one when none is stored)."""
    if level == "label":
        return None
    if level == "category":
        return default_mapping()
    if level == "custom":
        mapping = store.label_categories.mapping()
        if mapping is None:
            raise CategoryMappingError(
                "You have not uploaded your own categories yet. Upload a CSV with the columns label and category on the Label categories page (or with `python -m core categories set FILE`)."
            )
        return mapping
    raise CategoryMappingError(f"Unknown level “{level}”. Choose one of: {', '.join(LEVELS)}.")
