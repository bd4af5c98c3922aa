"""The Videos page's "Shot and segment settings": the thresholds of shot, black and still-picture
detection for the next analysis (:class:`core.media.scenes.SceneSettings`)."""

from __future__ import annotations

import streamlit as st

from core.media.scenes import SceneSettings

SETTINGS_KEY = "videos.scene_settings."
"""Prefix of the Videos page's scene-setting inputs (``videos.scene_settings.black_luma``, …)."""


def settings_inputs(disabled: bool = False) -> dict[str, float]:
    """The Videos page's "Shot and segment settings": what counts as a cut, a black and a still
    picture, as :class:`core.media.scenes.SceneSettings` keyword arguments (defaults: its own)."""
    d = SceneSettings()
    with st.expander("Shot and segment settings", icon=":material/tune:"):
        c1, c2 = st.columns(2)
        values = {
            "shot_threshold": c1.number_input(
                "Cut threshold", min_value=1.0, max_value=255.0, value=d.shot_threshold, step=1.0, disabled=disabled, key=SETTINGS_KEY + "shot_threshold",
                help=f"How much the picture must change (hue, saturation and brightness, 0–255) for a new shot to start; lower finds more cuts. {d.shot_threshold:g} is PySceneDetect's default.",
            ),
            "min_shot_frames": c2.number_input(
                "Shortest shot (frames)", min_value=0, max_value=10_000, value=d.min_shot_frames, step=1, disabled=disabled, key=SETTINGS_KEY + "min_shot_frames",
                help="A cut closer than this to the previous one is ignored (flashes, fast edits).",
            ),
            "black_luma": c1.number_input(
                "Black below (brightness 0–255)", min_value=1.0, max_value=255.0, value=d.black_luma, step=1.0, disabled=disabled, key=SETTINGS_KEY + "black_luma",
                help=f"A frame whose mean brightness is under this counts as black; fades count. {d.black_luma:g} is PySceneDetect's.",
            ),
            "black_min_s": c2.number_input(
                "Shortest black segment (s)", min_value=0.0, max_value=3600.0, value=d.black_min_s, step=0.5, disabled=disabled, key=SETTINGS_KEY + "black_min_s",
            ),
            "static_diff": c1.number_input(
                "Still below (change 0–255)", min_value=0.1, max_value=255.0, value=d.static_diff, step=0.1, disabled=disabled, key=SETTINGS_KEY + "static_diff",
                help="A frame that differs from the one before by less than this (mean grey levels) is still; moving footage measures 1 or more.",
            ),
            "static_min_s": c2.number_input(
                "Shortest still segment (s)", min_value=0.0, max_value=3600.0, value=d.static_min_s, step=0.5, disabled=disabled, key=SETTINGS_KEY + "static_min_s",
            ),
        }  # fmt: skip
    return {k: (int(v) if k == "min_shot_frames" else float(v)) for k, v in values.items()}
