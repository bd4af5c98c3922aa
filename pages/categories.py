"""Label categories: the default grouping of the 1000 ImageNet labels, and the analyst's own (a CSV)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import categories, labels
from core.errors import CategoryMappingError
from dashboard import data, levels, state, widgets
from dashboard.shell import ensure_shell
from dashboard.text import plain

ensure_shell()

st.title("Label categories")
st.caption(
    "The 1000 ImageNet labels are too fine for most business questions (120 dog breeds, no “food” label). "
    "Every analytics page can read them as categories instead: pick Category or My categories under “Labels as”."
)
state.show_flash(state.CATEGORIES_FLASH)
store = data.store()
default = categories.default_mapping()

st.subheader("Default categories")
st.caption(
    f"{len(categories.DEFAULT_CATEGORIES)} categories defined on WordNet, the hierarchy ImageNet's labels come from. A label belongs to the first "
    "category, in this order, whose WordNet nodes include the label or one above it; a label no category claims counts as “other”. "
    "A frame counts once, under the category of its top label."
)
summary = categories.category_summary(default)
nodes = {c.name: ", ".join(dict.fromkeys(c.nodes.values())) for c in categories.DEFAULT_CATEGORIES}  # two "food" nodes read as one
summary["wordnet_nodes"] = summary["category"].map(nodes).fillna("")
widgets.table(
    summary, config={"examples": st.column_config.TextColumn(width="large"), "wordnet_nodes": st.column_config.TextColumn("WordNet nodes", width="large")}
)
shared = ", ".join(f"“{labels.label(name)}” ({' or '.join(cats)})" for name, cats in categories.ambiguous().items())
if shared:
    st.caption(f"Runs store label names, and {shared} names classes of two categories, so it counts as “other”.")
with st.expander("Every label and its category", icon=":material/list:"):
    widgets.table(categories.mapping_table(default), height=400)
st.download_button(
    "Download the default categories (CSV)",
    categories.mapping_csv(default).encode("utf-8"),
    file_name="label_categories.csv",
    mime="text/csv",
    icon=":material/download:",
    help="One row per label: label, category. Edit the category column and upload the file below as your own categories.",
)

st.subheader("My categories")
info = store.label_categories.info()
if info is None:
    st.caption("None yet. Download the default categories, change the category column in a spreadsheet, and upload the file here.")
else:
    mine = store.label_categories.mapping() or {}
    st.markdown(
        f"From **{plain(info['file_name'])}**, saved {widgets.ago(info['saved_at'])}: {labels.count(info['labels'])} labels in "
        f"{labels.count(info['categories'])} categories. The {labels.count(len(default) - len(mine))} labels the file does not list count as “other”."
    )
    widgets.table(categories.category_summary(mine), config={"examples": st.column_config.TextColumn(width="large")})
    left, right = st.columns(2)
    left.download_button(
        "Download my categories (CSV)",
        categories.mapping_csv(mine).encode("utf-8"),
        file_name="my_label_categories.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    if right.button("Delete my categories", icon=":material/delete:"):
        store.label_categories.delete()
        levels.clear()
        state.flash(state.CATEGORIES_FLASH, "success", "Your categories were deleted. The analytics pages offer Label and Category again.")
        st.rerun()

upload_round = st.session_state.setdefault(state.CATEGORIES_UPLOAD_ROUND, 0)
upload = st.file_uploader(
    "Upload a category CSV",
    type=["csv"],
    key=f"categories.upload.{upload_round}",
    help=f"Columns label and category (others are ignored); labels as in the default file or as words (“tobacco shop”). At most {categories.MAX_CSV_BYTES // 1_000_000} MB.",
)
if upload is not None:
    try:
        uploaded = categories.parse_mapping_csv(upload.getvalue(), f"“{upload.name}”")
    except CategoryMappingError as err:
        st.error(plain(err.headline) + (" Fix these rows and upload the file again." if err.problems else ""), icon=":material/error:")
        if err.problems:
            widgets.table(pd.DataFrame({"problem": err.problems}), config={"problem": st.column_config.TextColumn("Problem", width="large")})
        st.stop()
    unlisted = len(default) - len(uploaded)
    st.markdown(
        f"**{plain(upload.name)}**: {labels.count(len(uploaded))} labels in {labels.count(len(set(uploaded.values())))} categories"
        + (f"; the {labels.count(unlisted)} labels it does not list will count as “other”." if unlisted else ".")
    )
    widgets.table(categories.category_summary(uploaded), config={"examples": st.column_config.TextColumn(width="large")})
    saved = st.button("Save as my categories", type="primary", icon=":material/save:") and widgets.succeeded(
        lambda: categories.save_custom(store, upload.getvalue(), upload.name)
    )
    if saved:
        levels.clear()
        st.session_state[state.CATEGORIES_UPLOAD_ROUND] = upload_round + 1
        state.flash(state.CATEGORIES_FLASH, "success", "Saved. Pick “My categories” under “Labels as” on any analytics page.")
        st.rerun()
