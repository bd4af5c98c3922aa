"""Objects on screen in the pages: the column formats, one run's section (Results, Explorer) and
the popular-versus-unpopular section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from core.analysis import labels, objects, objects_by_group
from core.analysis.analytics import AnalysisUnavailable
from core.analysis.charts import BLUE, ORANGE, label_counts_spec, score_histogram_spec
from core.inference.detectors import DEFAULT_THRESHOLD
from dashboard import data, widgets

if TYPE_CHECKING:
    from dashboard.scope import Scope

HELP = (
    "Found by a RetinaNet detector trained on COCO's 80 everyday object classes (person, car, dog, cup, laptop, …) on every "
    "classified frame; a frame shows a class when a box of it scores at least 0.5. Small, blurred or unusual objects are often missed."
)
NOT_DETECTED = "This run did not detect objects. Queue a new analysis with “Detect objects” on, on the Videos page."


def object_columns() -> dict[str, Any]:
    """``st.column_config`` entries for the objects columns, with what the detector can see."""
    return {
        "with_objects": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0, help=HELP),
        "mean_objects": st.column_config.NumberColumn(format="%.2f", help=HELP),
        "top_objects": st.column_config.TextColumn(help=HELP),
        "share": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
    }


def objects_section(video_id: str, run_id: str, title: str) -> None:
    """One run's objects: shares and counts, the classes shown on most frames, and CSVs of the boxes."""
    pair = ((video_id, run_id),)
    summary = data.objects_summary(data.db_key(), pair).iloc[0]
    if pd.isna(summary["frames"]):
        return  # the run was analysed without object detection: nothing to show, no clutter
    st.subheader("Objects on screen")
    m1, m2, m3 = st.columns(3)
    shares = data.objects_shares(data.db_key(), pair)
    m1.metric(labels.column("with_objects"), labels.percent(summary["with_objects"]), help=HELP)
    m2.metric(labels.column("mean_objects"), labels.number(summary["mean_objects"], 2), help=HELP)
    m3.metric("Classes found", labels.count(len(shares)), help=HELP)
    if shares.empty:
        st.info("The detector found no object above its threshold on any frame of this run.", icon=":material/category:")
        return
    shares = shares.sort_values(["frames", "label"], ascending=[False, True])
    left, right = st.columns([3, 2], gap="large")
    with left:
        widgets.vega_chart(label_counts_spec(shares, f"Objects on most frames · {title}", x_title="Frames showing this object"), f"objects_{video_id}_{run_id}")
    with right:
        widgets.table(shares, ["label", "frames", "share"], config=object_columns())
    widgets.download_csv(data.objects_boxes(data.db_key(), pair), f"objects_{video_id}.csv", "Download boxes (CSV)")


def popularity_section(scope: Any, groups: pd.DataFrame) -> None:
    """Per popularity group, the object classes shown on most frames (shots, counting shots) and their
    lift, for the scope's runs counted as its unit selector says (:attr:`dashboard.scope.Scope.objects_summary`);
    a hint when no selected run detected objects."""
    summary = scope.objects_summary
    detected = objects.detected_videos(summary)
    if not detected:
        st.caption(":material/category: Objects (person, car, dog, …) appear here for videos analysed with “Detect objects” on.")
        return
    row = "shot" if scope.unit == "shots" else "frame"
    st.subheader("Objects on screen")
    st.caption(objects_by_group.top_caption(scope.unit, len(detected), len(summary)))
    table = objects_by_group.group_table(scope.objects_shares, summary, groups)
    frames = objects_by_group.group_frames(summary, groups)
    top = objects_by_group.top_by_group(table)
    left, right = st.columns(2)
    for column, group, color in ((left, "popular", BLUE), (right, "unpopular", ORANGE)):
        rows = top[top["group"] == group]
        with column:
            if group not in frames.index:
                st.info(f"No {group} video was analysed with object detection.", icon=":material/category:")
                continue
            if rows.empty:
                st.info(f"The detector found no object on the {frames[group]:,} {row}s of the {group} videos.", icon=":material/category:")
                continue
            widgets.vega_chart(
                label_counts_spec(rows, f"Top-20 objects · {group} videos", color=color, x_title=objects_by_group.axis_title(scope.unit)),
                f"objects_top20_{group}",
            )
    try:
        lift = objects_by_group.lift(table, frames)
    except AnalysisUnavailable as err:
        st.info(str(err), icon=":material/balance:")
        return
    with st.expander("Lift · objects over-represented among popular videos", icon=":material/trending_up:"):
        st.caption(objects_by_group.lift_caption(scope.unit))
        widgets.table(lift, config={"lift": st.column_config.NumberColumn(format="%.2f")})
        widgets.download_csv(lift, "lift_objects.csv")
    widgets.download_csv(top, "top_objects.csv", "Download top-20 objects (CSV)")


def scores_section(scope: Scope, video_id: str) -> None:
    """The Confidence page's object detector part for one video: the scores of the boxes it kept,
    on the frames left after the segments left out (per box, whatever the unit)."""
    if video_id not in objects.detected_videos(scope.objects_summary):
        return
    runs = ((video_id, scope.runs[video_id]),)
    boxes = data.without_left_out(data.objects_boxes(scope.db, runs), scope.leave_out)
    st.subheader("Object detector")
    scores = boxes["score"]
    st.markdown(
        f"**RetinaNet (COCO)** · {labels.count(len(scores))} boxes on {labels.count(boxes['frame'].nunique())} frames · mean score **{labels.confidence(scores.mean())}**"
    )
    try:
        widgets.vega_chart(
            score_histogram_spec(scores, "Score per box", counted="Boxes", axis="Detector score", what="box scores"), f"object_scores_{video_id}"
        )
    except AnalysisUnavailable as err:  # too few boxes or too little spread for a chart
        st.info(str(err), icon=":material/info:")
    st.caption(
        f"Only boxes scoring at least {DEFAULT_THRESHOLD:g} are kept, so this is the upper part of the detector's scores, counted per box "
        "(a frame with three cars gives three). The ImageNet models' top-1 confidence above is a different scale: compare videos on one, not the two."
    )
