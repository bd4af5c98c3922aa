"""One moment of a video: a player started at that time beside the frame, enlarged, with every
model's labels and the boxes and objects found on it. Opened by clicking a timeline point or a thumbnail; the time lives in the URL
(``t``), so a shared link opens the same moment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.analysis import labels, objects
from core.analysis.charts import TIMELINE_PICK
from core.errors import ReelsightError
from core.media.preview import COPY_JOB, request_copy, unchecked
from dashboard import data, state
from dashboard.text import plain, safe_link


def video_source(video_id: str) -> str | None:
    """What ``st.video`` can play for a video: its browser copy (made by a worker job for an upload
    browsers cannot play, :mod:`core.media.preview`), else its stored file, or its link (YouTube's
    player, or the file at an allowed host); None when neither is available here."""
    video = data.store().videos.find(video_id) or {}
    for key in ("preview_blob", "blob"):
        if video.get(key):
            try:
                return str(Path(data.store().blobs.local_path(video[key])))
            except ReelsightError:
                continue  # a copy whose file is gone: the original may still play
    if video.get("blob"):
        return None
    return safe_link(video.get("webpage_url") or video.get("url"), data.settings().allowed_hosts)


def nearest_frame(frames: pd.DataFrame, time_s: float) -> pd.Series | None:
    """The row of ``frames`` (columns ``frame``, ``time_s``) sampled nearest to ``time_s``."""
    if frames.empty:
        return None
    return frames.iloc[int((frames["time_s"] - time_s).abs().to_numpy().argmin())]


def open_moment(time_s: float | None) -> None:
    """Remember the chosen moment (seconds; None closes it) in the URL; the page draws it on this run."""
    state.set_params(**{state.QP_TIME: None if time_s is None else f"{time_s:.3f}"})


def chosen_time() -> float | None:
    try:
        return float(st.query_params[state.QP_TIME]) if st.query_params.get(state.QP_TIME) else None
    except ValueError:
        return None


def show_moment(video_id: str, run_id: str, frames: pd.DataFrame, models: list[str]) -> None:
    """Open the chosen moment (if any) of ``run_id`` in a dialog over the page, wherever the click
    was: player, enlarged frame, each model's top-k. Closing it (button, Esc, outside) clears ``t``."""
    wanted = chosen_time()
    row = None if wanted is None else nearest_frame(frames.drop_duplicates("frame"), wanted)
    if row is None:
        return
    frame, time_s = int(row["frame"]), float(row["time_s"])

    def body() -> None:
        player, still = st.columns([3, 2])
        with player:
            _player(video_id, time_s)
        with still:
            thumbs = data.thumbnails_with_boxes(data.db_key(), run_id, (frame,))
            if frame in thumbs:
                st.image(thumbs[frame], width="stretch", caption="The sampled frame (thumbnail, enlarged), with the people, faces and objects found on it")
            preds = data.frame_predictions(data.db_key(), run_id, (frame,)).get(frame, {})
            for model in models:
                top = preds.get(model) or []
                st.markdown(
                    f"**{labels.model_name(model)}**  \n" + "  \n".join(f"{plain(labels.label(name))} · {labels.confidence(score)}" for name, score in top)
                )
            found = data.frame_objects(data.db_key(), run_id, (frame,)).get(frame)
            if found:
                st.markdown(f"**Objects**  \n{plain(objects.describe(found))}")
        if st.button("Close", icon=":material/close:", key="moment.close"):
            open_moment(None)
            st.rerun()

    st.dialog(f"Frame {frame:,} at {labels.seconds(time_s)}", width="large", icon=":material/play_circle:", on_dismiss=lambda: open_moment(None))(body)()


def _player(video_id: str, time_s: float) -> None:
    source = video_source(video_id)
    if source is None:
        st.info("The video file is not available on this server, so it cannot be played here.", icon=":material/videocam_off:")
    else:
        st.video(source, start_time=int(time_s))
        _copy_hint(video_id)


def _copy_hint(video_id: str) -> None:
    """Under the player of an upload not known to play in browsers: that a copy is on its way, or a
    button that queues one (the worker checks the file and makes a copy only if it is needed)."""
    store = data.store()
    video = store.videos.find(video_id) or {}
    if not unchecked(video):
        return
    if store.jobs.pending(COPY_JOB, video_id):
        st.caption(":material/hourglass_top: A copy that browsers can play is being made for this video (Jobs page); reopen this moment when it is done.")
        return
    st.caption(":material/info: If the player stays empty, this file's format (AVI, MPEG-4 Part 2, HEVC, …) does not play in browsers.")
    if st.button(
        "Make a browser copy",
        icon=":material/movie:",
        key="moment.copy",
        help="A worker converts the video to H.264 for the player; the analysis is not touched.",
    ):
        request_copy(store, video_id)
        st.rerun()


def clicked_time(event: Any, key: str) -> float | None:
    """The time (s) of a newly clicked point: in a label timeline's Vega-Lite ``event``, the
    picked tick's ``time_s``; in a plotly ``event``, a bar's start (``customdata[0]``), else its
    ``x``. A selection stays until cleared, so a click already acted on (remembered under ``key``) gives None."""
    selection = event.get("selection", {}) if event else {}
    points = selection.get("points") or selection.get(TIMELINE_PICK) or []
    if not points:
        return None
    point = points[0]
    custom = point.get("customdata")
    if "time_s" in point:
        time_s = float(point["time_s"])
    elif isinstance(custom, (list, tuple)) and custom and isinstance(custom[0], (int, float)):
        time_s = float(custom[0])
    else:
        time_s = float(point.get("x", 0.0))
    if st.session_state.get(key) == time_s:
        return None
    st.session_state[key] = time_s
    return time_s


def play_at(video_id: str, time_s: float, title: str, on_close: Callable[[], None]) -> None:
    """A player for ``video_id`` started at ``time_s`` (seconds), in a dialog titled ``title``
    (plain text); ``on_close`` runs when the user closes it."""

    def body() -> None:
        _player(video_id, time_s)
        if st.button("Close", icon=":material/close:", key="moment.play_close"):
            on_close()
            st.rerun()

    st.dialog(title, width="large", icon=":material/play_circle:", on_dismiss=on_close)(body)()
