"""Overview: one row per video with views, group, frames, settings, confidence and top labels."""

from __future__ import annotations

import streamlit as st

from core.analysis import analytics, objects, people
from dashboard import data, levels, state, units, widgets
from dashboard.objects import object_columns
from dashboard.people import people_columns
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell

ensure_shell()
VIDEOS_PER_PAGE = 25

st.title("Overview")
st.caption("Every selected video at a glance: its views, popularity group, what was analysed and what the models saw.")

scope = analysis_scope(choose_model=False)
if scope is None:
    st.stop()

try:
    threshold, groups = analytics.split_popularity(scope.videos, widgets.float_param(state.QP_THRESHOLD))
except analytics.AnalysisUnavailable:
    threshold, groups = None, scope.videos.assign(group="no views")
table = people.with_people(
    analytics.overview_table(scope.summary, {run_id: doc["frames"] for run_id, doc in scope.stats.items()}, groups, scope.unit),
    scope.people_summary,  # counted as the unit selector says, like the labels
)
table = objects.with_objects(table, scope.objects_summary)  # columns hidden when no run detected objects
pages = -(-len(table) // VIDEOS_PER_PAGE)
page = (
    int(st.number_input(f"Page (of {pages}, {VIDEOS_PER_PAGE} videos each)", min_value=1, max_value=pages, value=1, key=state.OVERVIEW_PAGE))
    if pages > 1
    else 1
)
shown = table.iloc[(page - 1) * VIDEOS_PER_PAGE : page * VIDEOS_PER_PAGE]
if pages > 1:
    st.caption(f"Videos {(page - 1) * VIDEOS_PER_PAGE + 1}–{(page - 1) * VIDEOS_PER_PAGE + len(shown)} of {len(table)}. The CSV holds them all.")
widgets.table(
    shown,
    config={
        "title": st.column_config.TextColumn(width="medium"),
        **{f"top3_{m}": st.column_config.TextColumn(width="large") for m in scope.models},
        "random_weights": st.column_config.TextColumn(help="Untrained models: their labels are meaningless."),
        **people_columns(),
        **object_columns(),
    },
    unit=scope.unit,
)
if threshold is not None:
    st.caption(f"Popular means at least {threshold:,.0f} views (the median of the selection unless set on the Popular vs unpopular page).")
widgets.download_csv(table, "overview.csv")

st.subheader("Report for stakeholders")
st.caption(
    "One HTML file with every chart (still interactive), the tables, the settings and run ids used, and the random-weights flag. It counts what this page counts (frames or shots, the same segments left out) and opens offline."
)
if st.button("Build report", icon=":material/description:"):
    from core.analysis.report import build_report  # statsmodels and the chart code load when a report is asked for, not with the page

    unit, leave_out = units.chosen()
    with st.spinner("Computing every analysis…"):
        built = widgets.guarded(
            lambda: build_report(
                data.store(),
                list(scope.runs),
                threshold=threshold,
                run_ids=scope.runs,
                label_categories=levels.mapping(data.db_key(), scope.level),
                unit=unit,
                leave_out=leave_out,
            )
        )
    st.session_state[state.OVERVIEW_REPORT] = built.html if built else None
if st.session_state.get(state.OVERVIEW_REPORT):
    st.download_button(
        "Download report.html",
        st.session_state[state.OVERVIEW_REPORT].encode("utf-8"),
        file_name="reelsight_report.html",
        mime="text/html",
        icon=":material/download:",
        type="primary",
    )
