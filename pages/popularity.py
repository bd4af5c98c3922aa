"""Popular vs unpopular: the study's top-20 labels per group and model, and which labels stand out."""

from __future__ import annotations

import streamlit as st

from core.analysis import analytics, labels, people
from core.analysis.charts import BLUE, ORANGE, label_counts_spec
from dashboard import levels, state, widgets
from dashboard.objects import popularity_section
from dashboard.people import people_columns
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell

ensure_shell()

st.title("Popular vs unpopular")
st.caption("Which labels dominate the frames of popular videos, and which those of unpopular ones? A video is popular when its views reach the threshold.")

scope = analysis_scope(choose_model=False)
if scope is None:
    st.stop()

views = scope.videos["views"].dropna()
if views.empty:
    st.info("None of the selected videos has a view count yet. Enter views on the Videos page.", icon=":material/visibility:")
    st.stop()
widgets.no_views_notice(scope.videos, list(scope.runs), left_out_by="this page leaves", where="on the Videos page")
median = float(views.median())
if state.POPULARITY_THRESHOLD not in st.session_state:  # filled from the link once; afterwards the widget owns it
    from_url = widgets.float_param(state.QP_THRESHOLD)
    st.session_state[state.POPULARITY_THRESHOLD] = int(round(from_url if from_url is not None and from_url >= 0 else median))


def _use_median() -> None:
    st.session_state[state.POPULARITY_THRESHOLD] = int(round(median))


left, right = st.columns([3, 1], vertical_alignment="bottom")
threshold = left.number_input(
    "Popular from (views)",
    min_value=0,
    step=widgets.nice_step(median),
    key=state.POPULARITY_THRESHOLD,
    help=f"A video is popular when its views reach this number. Default: the median of the selected videos, {median:,.0f}.",
)
right.button("Use the median", on_click=_use_median, disabled=threshold == int(round(median)), icon=":material/restart_alt:")
st.caption(f"Popular: **{threshold:,}** views or more. Median of the selected videos: {median:,.0f}.")
state.set_params(**{state.QP_THRESHOLD: None if threshold == int(round(median)) else str(threshold)})
_, groups = analytics.split_popularity(scope.videos, threshold)

people_summary = scope.people_summary  # counted as the unit selector says, like the labels
widgets.table(
    people.with_people(groups, people_summary).sort_values("views", ascending=False),
    ["title", "views", "group", *people.OVERVIEW_COLUMNS],
    config=people_columns(),
    unit=scope.unit,
)
counts = groups["group"].value_counts()
if counts.get("popular", 0) == 0 or counts.get("unpopular", 0) == 0:
    st.info("All selected videos fall in one group at this threshold. Change the threshold or select more videos to compare.", icon=":material/balance:")
    st.stop()

people_by_group = people.by_group(people_summary, groups)
if people_by_group["videos"].sum():
    st.subheader("People on screen")
    st.caption(people.by_group_caption(scope.unit))
    widgets.table(people_by_group, config=people_columns(), unit=scope.unit)
else:  # a table of two empty groups says nothing
    st.caption(":material/person: People on screen appear here for videos analysed with “Count faces and people” on.")
popularity_section(scope, groups)

grouped = scope.group_counts(groups)
features = analytics.top_features(grouped, n=20)
noun = levels.noun(scope.level, plural=True)
for model in scope.models:
    st.subheader(labels.model_name(model))
    left, right = st.columns(2)
    for column, group, color in ((left, "popular", BLUE), (right, "unpopular", ORANGE)):
        rows = features[(features["model"] == model) & (features["group"] == group)]
        with column:
            widgets.vega_chart(  # Vega-Lite: a plotly chart costs a new browser ~1.5 s more (BENCHMARKS.md)
                label_counts_spec(
                    rows, f"Top-20 {noun} · {group} videos", count_col="count", color=color, x_title=f"Frames with this top-1 {levels.noun(scope.level)}"
                ),
                f"top20_{model}_{group}",
            )
    with st.expander(f"Lift · {noun} over-represented among popular videos ({labels.model_name(model)})", icon=":material/trending_up:"):
        try:
            lift = analytics.lift(grouped, model)
        except analytics.AnalysisUnavailable as err:  # e.g. every frame of one group left out as a segment
            st.info(str(err), icon=":material/info:")
            continue
        st.caption(
            f"Lift = share of popular videos' frames ÷ share of unpopular videos' frames (counts smoothed by {analytics.LIFT_SMOOTHING}). Above 1: more typical of popular videos."
        )
        widgets.table(lift, config={"lift": st.column_config.NumberColumn(format="%.2f")})
        widgets.download_csv(lift, f"lift_{model}.csv")

widgets.download_csv(features, "top_features.csv", "Download top-20 tables (CSV)")
