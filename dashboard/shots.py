"""Shots and segments of one run on a page: the bands of the label timeline, and the Results
page's section with the timeline, the segment list and the scene-list download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import labels, scenes
from core.analysis.charts import SEGMENT_WORDS, label_timeline
from dashboard import data, widgets
from dashboard.units import saved_trims, structure


def bands(db: str, run_id: str, video_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's shots, and its black and still segments plus the video's saved intro and outro
    trims as ``kind, start_s, end_s`` (what :func:`core.analysis.charts.label_timeline` shades)."""
    shots, segments = structure(db, (run_id,))
    rows = segments[["kind", "start_s", "end_s"]].copy() if len(segments) else pd.DataFrame(columns=["kind", "start_s", "end_s"])
    for t in saved_trims([video_id]).itertuples():
        extra = [("intro", 0.0, t.start_s)] if t.start_s > 0 else []
        extra += [("outro", t.duration_s - t.end_s, t.duration_s)] if t.end_s > 0 else []
        rows = pd.concat([rows, pd.DataFrame(extra, columns=rows.columns)], ignore_index=True) if extra else rows
    return shots, rows


def section(db: str, video_id: str, run_id: str, model: str, table: pd.DataFrame) -> None:
    """Results page: the run's timeline with shot and segment bands, its segments, and its shots as a CSV."""
    st.subheader("Shots and segments")
    shots, segs = bands(db, run_id, video_id)
    if shots.empty:
        st.caption("No shots for this run: it was analysed before shot detection existed, or with it off. Analyse the video again to see them.")
        return
    top1 = pd.DataFrame({"model": model, "time_s": table["time_s"], "label": table["label_1"], "score": table["score_1"]})
    widgets.vega_chart(
        label_timeline(top1, f"Top-1 label with shots · {labels.model_name(model)}", shots=shots, segments=segs), f"shots_{video_id}_{run_id}_{model}"
    )
    lengths = shots["end_s"] - shots["start_s"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Shots", labels.count(len(shots)))
    c2.metric("Median shot length", f"{lengths.median():.1f} s")
    for col, kind in ((c3, "black"), (c4, "static")):
        mine = segs[segs["kind"] == kind]
        col.metric(f"{SEGMENT_WORDS[kind].capitalize()} (s)", f"{(mine['end_s'] - mine['start_s']).sum():.1f}")
    if len(segs):
        shown = segs.assign(kind=segs["kind"].map(SEGMENT_WORDS), duration_s=segs["end_s"] - segs["start_s"]).sort_values("start_s")
        widgets.table(shown, ["kind", "start_s", "end_s", "duration_s"], config={"kind": st.column_config.TextColumn("Segment")})
    csv = scenes.scene_list_csv(data.store(), run_id)
    if csv:
        st.download_button(
            "Download shots (PySceneDetect scene list, CSV)",
            csv.encode(),
            file_name=f"shots_{video_id}_{run_id}.csv",
            mime="text/csv",
            icon=":material/download:",
            help="The columns of PySceneDetect's own scene list, so the file opens in tools that read it.",
        )
