"""The level every analytics page reads labels at: ImageNet labels, the default categories, or the
analyst's own ("My categories", offered once uploaded on the Label categories page).

:func:`choose_level` draws the selector (its value in the URL, ``by``) and returns the top-1 table
at that level: each frame's label replaced by its category, so every chart and table built on the
top-1 table shows categories without knowing it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import categories
from core.errors import CategoryMappingError
from dashboard import data, state

HELP = (
    "Label: the 1000 ImageNet labels as the models give them. Category: the labels grouped into about 20 business "
    "categories (animal, vehicle, food and drink, …) along the WordNet hierarchy. My categories: your own grouping, "
    "uploaded on the Label categories page. A frame counts once, under the category of its top label."
)


@st.cache_data(ttl=30, show_spinner=False)
def mapping(db: str, level: str) -> dict[str, str] | None:
    """Label name → category at ``level`` (None for ``label``); cleared by :func:`clear` after a save."""
    return categories.level_mapping(data.store(), level)


@st.cache_data(ttl=30, show_spinner=False)
def has_custom(db: str) -> bool:
    return data.store().label_categories.info() is not None


def clear() -> None:
    """After the analyst's mapping was saved or deleted."""
    mapping.clear()
    has_custom.clear()


def choose_level() -> tuple[str, dict[str, str] | None]:
    """Draw the level selector; return ``(level, label → category at that level or None)``
    (apply it with :func:`core.analysis.categories.at_level`)."""
    db = data.db_key()
    options = [level for level in categories.LEVELS if level != "custom" or has_custom(db)]
    level = state.url_choice(st.segmented_control, "Labels as", options, state.QP_LABEL_LEVEL, format_func=categories.LEVELS.get, required=True, help=HELP)
    try:
        return level, mapping(db, level)
    except CategoryMappingError as err:  # "My categories" was deleted in another session since the options were drawn
        clear()
        st.info(str(err), icon=":material/category:")
        return "label", None


def noun(level: str, plural: bool = False) -> str:
    """What one value of the ``label`` column is at ``level``: "label" or "category" (plural: "labels", "categories")."""
    if level == "label":
        return "labels" if plural else "label"
    return "categories" if plural else "category"


def mapping_key(level: str) -> tuple[tuple[str, str], ...]:
    """The mapping at ``level`` as a hashable cache key (empty at label level)."""
    found = mapping(data.db_key(), level)
    return tuple(sorted(found.items())) if found else ()


def dummies_note(raw_top1: pd.DataFrame, level_top1: pd.DataFrame, model: str, row: str = "frame") -> str | None:
    """At a category level, the regression's dummy count against the labels', in plain words
    (``raw_top1``: any table of ``model, label`` rows, e.g. the label counts; ``level_top1``: the
    same as categories; ``row``: what one row is, ``frame`` or ``shot``); None when the model has no rows."""
    raw = raw_top1[raw_top1["model"] == model]["label"].nunique()
    grouped = level_top1[level_top1["model"] == model]["label"].nunique()
    if raw == 0:
        return None
    return (
        f"Read by category, these {row}s carry {grouped} categories instead of {raw} labels, so the {row}-level model has "
        f"{max(grouped - 1, 0)} category dummies instead of {max(raw - 1, 0)} label dummies: far fewer coefficients, each backed by "
        f"more {row}s, so each estimate is steadier and the table is short enough to read."
    )
