"""The unit selector of every analytics page: count frames (as the source study did) or shots,
and leave out black segments, still pictures and what lies outside the saved intro/outro trims.

State lives in the URL (``unit``, ``skip``), so a copied link opens the same view. The transform
itself is :mod:`core.analysis.units`; the shots and segments come from :mod:`core.analysis.scenes`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import scenes, units
from dashboard import data, state

QP_UNIT = "unit"
QP_SKIP = "skip"
"""Comma-separated :data:`core.analysis.units.SEGMENT_CHOICES` left out (absent: none)."""
UNIT_NAMES = {"frames": "Frames", "shots": "Shots"}
SKIP_NAMES = {"black": "Black", "static": "Still pictures", "trims": "Intro and outro"}
WHY_SHOTS = (
    "The frames of one shot are near copies of each other, so counting each sampled frame as a separate observation "
    "overstates how much evidence there is. Counting shots gives each shot one vote: its most frequent top-1 label, "
    "with the share of its frames that agree."
)


@st.cache_data(ttl=3600, show_spinner=False)
def structure(db: str, run_ids: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shots and segments of the runs (:func:`core.analysis.scenes.shots_table`, ``segments_table``)."""
    store = data.store()
    return scenes.shots_table(store, list(run_ids)), scenes.segments_table(store, list(run_ids))


def saved_trims(video_ids: list[str]) -> pd.DataFrame:
    """``video_id, start_s, end_s, duration_s`` of the videos with saved intro/outro trims (read each time: they change on the Videos page)."""
    rows = []
    for video_id in video_ids:
        doc = data.store().videos.find(video_id, {"trims": 1, "duration": 1}) or {}
        if doc.get("trims") and doc.get("duration"):
            rows.append((video_id, doc["trims"]["start_s"], doc["trims"]["end_s"], float(doc["duration"])))
    return pd.DataFrame(rows, columns=["video_id", "start_s", "end_s", "duration_s"])


def choose(db: str, runs: dict[str, str], top1: pd.DataFrame, unit_choice: bool = True) -> pd.DataFrame:
    """Draw the selector; return ``top1`` with the chosen segments left out, per shot when asked.

    ``unit_choice=False`` draws only the segments to leave out (the Regression page offers its own shot-level model)."""
    shots, segments = structure(db, tuple(sorted(runs.values())))
    with_shots = set(shots["run_id"])
    left, right = st.columns(2) if unit_choice else (None, st.container())
    unit = "frames"
    if unit_choice and left is not None:
        with left:
            unit = state.url_choice(st.segmented_control, "Count", list(UNIT_NAMES), QP_UNIT, format_func=UNIT_NAMES.get, required=True, help=WHY_SHOTS)
    wanted = [k for k in (st.query_params.get(QP_SKIP) or "").split(",") if k in SKIP_NAMES]
    with right:
        skip = st.pills("Leave out", list(SKIP_NAMES), format_func=SKIP_NAMES.get, selection_mode="multi", default=wanted, key=QP_SKIP) or []
    state.set_params(**{QP_SKIP: ",".join(skip) or None})
    if skip:
        top1 = units.exclude(top1, segments, skip, saved_trims(list(runs)) if "trims" in skip else None)
    missing = [r for r in runs.values() if r not in with_shots]
    if unit == "shots":
        frames = len(top1)
        top1 = units.by_shot(top1, shots)
        st.caption(f"{len(top1):,} shot rows from {frames:,} frame rows: each shot counts once, with its most frequent label.")
    if missing and (unit == "shots" or {"black", "static"} & set(skip)):
        st.caption(
            f"{len(missing)} of {len(runs)} runs have no shots or segments (analysed before shot detection, or with it off)"
            + (": they are left out when counting shots." if unit == "shots" else ".")
        )
    return top1


WHY_SHOT_MODEL = (
    "One row per shot, labelled with the most frequent top-1 label of its frames. The frames of one shot are near copies, "
    "so the frame-level model counts the same picture many times over and its p-values look far more certain than the data allow. "
    "Counting each shot once is why this model is the safer one. Shots of one video still share its view count, "
    "so read the video-level model too before drawing conclusions."
)


def regression_rows(db: str, runs: dict[str, str], top1: pd.DataFrame, level: str) -> pd.DataFrame | None:
    """The top-1 rows the Regression page fits: per shot for ``level == "shot"``; the page's
    (segment-filtered) frames when segments are left out; None: the stored frames, as before."""
    if level == "shot":
        return units.by_shot(top1, structure(db, tuple(sorted(runs.values())))[0])
    return top1 if st.query_params.get(QP_SKIP) else None
