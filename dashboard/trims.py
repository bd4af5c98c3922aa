"""The Videos page's "Intro and outro" box: the suggested trims of one video with thumbnails at
the cut points, to accept or edit; the Analyze box then uses each video's saved trims."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.errors import NotFoundError, ReelsightError
from core.media.trims import TrimSuggestion, accept_trims, suggest_for_video
from core.store import Store
from dashboard.text import plain
from dashboard.widgets import show_error

TARGET = "videos.trim_target"
"""Session key: the video whose trims the box shows."""
START, END = "videos.trim_start", "videos.trim_end"
"""Prefixes: the edited trims, ``videos.trim_start.<video_id>``."""
USE_SAVED = "videos.use_saved_trims"


def saved(store: Store, video_id: str) -> dict[str, Any] | None:
    """The trims accepted or edited for a video (``start_s``, ``end_s``, ``source``), if any."""
    return store.videos.get(video_id).get("trims")


def _thumbs(store: Store, suggestion: TrimSuggestion) -> list[tuple[str, bytes]]:
    """Captions and JPEGs of the sampled frames on both sides of each cut point of the run."""
    compact = store.runs.top1(suggestion.run_id) if suggestion.run_id else None
    if not compact or not compact.get("frames"):
        return []
    times, frames = compact["time_s"], compact["frames"]
    end = suggestion.duration_s - suggestion.end_s
    picks: list[tuple[str, int]] = []
    if suggestion.start_s > 0:
        before = [i for i, t in enumerate(times) if t < suggestion.start_s]
        after = [i for i, t in enumerate(times) if t >= suggestion.start_s]
        picks += [("last frame cut at the start", before[-1])] if before else []
        picks += [("first frame kept", after[0])] if after else []
    if suggestion.end_s > 0:
        kept = [i for i, t in enumerate(times) if t < end]
        cut = [i for i, t in enumerate(times) if t >= end]
        picks += [("last frame kept", kept[-1])] if kept else []
        picks += [("first frame cut at the end", cut[0])] if cut else []
    jpegs = {d["frame"]: d["jpeg"] for d in store.frames.thumbs(suggestion.run_id, [frames[i] for _, i in picks])}
    return [(f"{caption} ({times[i]:.1f} s)", jpegs[frames[i]]) for caption, i in picks if frames[i] in jpegs]


def panel(store: Store, titles: dict[str, str]) -> None:
    """The box: pick a video, read why trims are suggested, see the frames at the cuts, keep or edit them."""
    st.markdown("##### :material/content_cut: Intro and outro")
    st.caption(
        "Trims are suggested from the last analysis: black and still pictures (title cards, end boards) at the start and the end, "
        "and opening or closing sequences shared with other videos of the same channel."
    )
    video_id = st.selectbox("Video", list(titles), format_func=lambda v: f"{titles[v]} · {v}", key=TARGET)
    if video_id is None:
        return
    try:
        suggestion = suggest_for_video(store, video_id)
    except NotFoundError as err:
        st.info(plain(str(err)), icon=":material/info:")
        return
    except ReelsightError as err:
        show_error(err)
        return
    for reason in suggestion.reasons:
        st.markdown(f"- {plain(reason)}")
    thumbs = _thumbs(store, suggestion)
    if thumbs:
        for col, (caption, jpeg) in zip(st.columns(len(thumbs)), thumbs):
            col.image(jpeg, caption=caption, width="stretch")
    current = saved(store, video_id)
    if current:
        st.caption(f"Saved for the next analysis: {current['start_s']:g} s at the start, {current['end_s']:g} s at the end ({current['source']}).")
    c1, c2 = st.columns(2)
    start = c1.number_input("Trim start (s)", min_value=0.0, value=float(suggestion.start_s), step=0.5, key=f"{START}.{video_id}")
    end = c2.number_input("Trim end (s)", min_value=0.0, value=float(suggestion.end_s), step=0.5, key=f"{END}.{video_id}")
    edited = (start, end) != (suggestion.start_s, suggestion.end_s)
    if st.button("Save edited trims" if edited else "Use suggested trims", icon=":material/check:", key="videos.trim_save"):
        try:
            accept_trims(store, video_id, float(start), float(end), suggested=not edited)
        except ReelsightError as err:
            show_error(err)
            return
        st.success(f"Saved: the next analysis of {plain(titles[video_id])} skips {start:g} s at the start and {end:g} s at the end.")


def trims_for(store: Store, video_id: str, start_s: float, end_s: float, use_saved: bool) -> tuple[float, float]:
    """The trims one video's analysis uses: its saved ones when asked and present, else those typed."""
    found = saved(store, video_id) if use_saved else None
    return (float(found["start_s"]), float(found["end_s"])) if found else (start_s, end_s)
