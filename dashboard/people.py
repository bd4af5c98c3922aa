"""People on screen in the pages: the column formats of the counts, and the timeline section."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.analysis import labels
from core.analysis.analytics import AnalysisUnavailable
from core.analysis.charts import people_timeline
from dashboard import data, widgets

HELP = (
    "Counted on every sampled frame by OpenCV's face and people detectors. They find upright people at least about 45% of "
    "the frame's height (in a widescreen video) and faces turned to the camera at least an eighth of it; smaller, seated or "
    "cropped people and faces in profile are missed."
)


def people_columns() -> dict[str, Any]:
    """``st.column_config`` entries for the people columns: shares as bars, with what the detectors can see."""
    bar = {"format": "percent", "min_value": 0.0, "max_value": 1.0, "help": HELP}
    return {
        "person_share": st.column_config.ProgressColumn(**bar),
        "face_share": st.column_config.ProgressColumn(**bar),
        "mean_persons": st.column_config.NumberColumn(format="%.2f", help=HELP),
    }


def people_section(video_id: str, run_id: str, title: str) -> None:
    """The "People on screen" timeline of one run, its shares, and a CSV of the counts per frame."""
    counts = data.people_counts(data.db_key(), ((video_id, run_id),))
    st.subheader("People on screen")
    try:
        figure = people_timeline(counts, f"People and faces along the video · {title}")
    except AnalysisUnavailable as err:
        st.info(str(err), icon=":material/person_off:")
        return
    summary = data.people_summary(data.db_key(), ((video_id, run_id),)).iloc[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(labels.column("person_share"), labels.percent(summary["person_share"]), help=HELP)
    m2.metric(labels.column("face_share"), labels.percent(summary["face_share"]), help=HELP)
    m3.metric(labels.column("mean_persons"), labels.number(summary["mean_persons"], 2), help=HELP)
    widgets.vega_chart(figure, f"people_{video_id}_{run_id}")
    widgets.download_csv(counts, f"people_{video_id}.csv", "Download counts per frame (CSV)")
