"""The unit selector of every analytics page: count frames (as the source study did) or shots,
and leave out black segments, still pictures and what lies outside the saved intro/outro trims.

State lives in the URL (``unit``, ``skip``), so a copied link opens the same view. The transform
itself is :mod:`core.analysis.units`; the shots and segments come from :mod:`core.analysis.scenes`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pandas as pd
import streamlit as st

from core.analysis import analytics, categories, units
from dashboard import data, state

QP_UNIT = "unit"
QP_SKIP = "skip"
"""Comma-separated :data:`core.analysis.units.SEGMENT_CHOICES` left out (absent: none)."""
UNIT_NAMES = {"frames": "Frames", "shots": "Shots"}
SKIP_NAMES = {"black": "Black", "static": "Still pictures", "trims": "Intro and outro"}
WHY_SHOTS = (
    "The frames of one shot are near copies of each other, so counting each sampled frame as a separate observation "
    "overstates how much evidence there is. Counting shots gives each shot one vote: its most frequent top-1 label, "
    "with the share of its frames that agree. People and objects likewise: a shot has a person, a face or an object when "
    "more than half of its frames do, and its count is the mean count per frame over them."
)


structure = data.structure
"""Shots and segments of the runs, cached (:func:`dashboard.data.structure`)."""


def saved_trims(video_ids: list[str]) -> pd.DataFrame:
    """:func:`core.analysis.units.saved_trims`, read each time: trims change on the Videos page."""
    return units.saved_trims(data.store(), video_ids)


def _skip_in_url() -> list[str]:
    return [k for k in (st.query_params.get(QP_SKIP) or "").split(",") if k in SKIP_NAMES]


def chosen() -> tuple[str, list[str]]:
    """The unit and the segments left out, as the selector on this page set them (from the URL)."""
    unit = st.query_params.get(QP_UNIT) or "frames"
    return (unit if unit in UNIT_NAMES else "frames"), _skip_in_url()


class _Units:
    """Mixed into the page's scope class: what pages read comes from its transformed top-1 table
    (frames left out, or one row per shot), at the chosen level, instead of the stored aggregates."""

    _transform: Callable[[pd.DataFrame], pd.DataFrame]

    @cached_property
    def top1(self) -> pd.DataFrame:
        return self._transform(categories.at_level(data.top1(self.db, tuple(sorted(self.runs.values()))), self.mapping))  # type: ignore[attr-defined]

    def run_top1(self, video_id: str) -> pd.DataFrame:
        return self._transform(super().run_top1(video_id))  # type: ignore[misc]

    @cached_property
    def label_counts(self) -> pd.DataFrame:
        return analytics.label_counts(self._transform(data.top1(self.db, tuple(sorted(self.runs.values())))))  # type: ignore[attr-defined]

    @cached_property
    def counts(self) -> pd.DataFrame:
        return analytics.label_counts(self.top1)

    def group_counts(self, groups: pd.DataFrame) -> pd.DataFrame:
        return analytics.group_counts(self.counts, groups)

    def agreement(self, model_a: str, model_b: str) -> pd.DataFrame:
        return analytics.agreement(self.top1, model_a, model_b)


_CLASSES: dict[type, type] = {}


def apply(scope: Any, unit_choice: bool = True) -> Any:
    """Draw the selector under the scope's filters; return ``scope`` itself for frames with nothing
    left out, else a scope of the same class whose tables come from the transformed frames.

    ``unit_choice=False`` draws only the segments to leave out (the Regression page offers its own shot-level model)."""
    shots, segments = structure(scope.db, tuple(sorted(scope.runs.values())))
    left, right = st.columns(2) if unit_choice else (None, st.container())
    unit = "frames"
    if left is not None:
        with left:
            unit = state.url_choice(st.segmented_control, "Count", list(UNIT_NAMES), QP_UNIT, format_func=UNIT_NAMES.get, required=True, help=WHY_SHOTS)
    wanted = _skip_in_url()
    with right:
        skip = st.pills("Leave out", list(SKIP_NAMES), format_func=SKIP_NAMES.get, selection_mode="multi", default=wanted, key=QP_SKIP) or []
    state.set_params(**{QP_SKIP: ",".join(skip) or None})
    missing = [r for r in scope.runs.values() if r not in set(shots["run_id"])]
    if missing and (unit == "shots" or {"black", "static"} & set(skip)):
        st.caption(
            f"{len(missing)} of {len(scope.runs)} runs have no shots or segments (analysed before shot detection, or with it off)"
            + (": they are left out when counting shots." if unit == "shots" else ".")
        )
    if unit == "frames" and not skip:
        return scope
    trims = saved_trims(list(scope.runs)) if "trims" in skip else None

    def transform(top1: pd.DataFrame) -> pd.DataFrame:
        return units.transform(top1, unit, skip, shots, segments, trims)

    base = type(scope)
    cls = _CLASSES.setdefault(base, type(f"Unit{base.__name__}", (_Units, base), {}))
    fields = {f.name: getattr(scope, f.name) for f in dataclasses.fields(scope)}
    fields.update(unit=unit, leave_out=tuple(skip), trims=data.trims_key(trims))
    top1 = transform(categories.at_level(data.top1(scope.db, tuple(sorted(scope.runs.values()))), scope.mapping))
    if top1.empty:  # nothing left to count: every page would be empty, so say why once instead
        st.info(
            "None of the selected runs has shots (they were analysed before shot detection, or with it off). "
            "Count frames instead, or analyse the videos again with “Find shots” on."
            if unit == "shots" and len(missing) == len(scope.runs)
            else "No frame of the selected runs is left after leaving out the chosen segments. Leave fewer segments out.",
            icon=":material/info:",
        )
        st.stop()
    fields["stats"] = units.run_aggregates(top1)
    out = cls(**fields)
    object.__setattr__(out, "_transform", transform)
    out.__dict__["top1"] = top1
    if unit == "shots":
        st.caption(
            f"{len(top1):,} shot rows: each shot counts once, with its most frequent label. People and objects: a shot has them "
            "when more than half of its frames do, and its counts are the mean per frame."
        )
    return out


WHY_SHOT_MODEL = (
    "One row per shot, labelled with the most frequent top-1 label of its frames. The frames of one shot are near copies, "
    "so the frame-level model counts the same picture many times over and its p-values look far more certain than the data allow. "
    "Counting each shot once is why this model is the safer one. Shots of one video still share its view count, "
    "so read the video-level model too before drawing conclusions."
)


def shot_rows(scope: Any, by_label: bool = False) -> pd.DataFrame:
    """One top-1 row per shot of the scope's runs (:func:`core.analysis.units.by_shot`), its
    segments left out; at the scope's level, or (``by_label``) of the ImageNet labels themselves."""
    run_ids = tuple(sorted(scope.runs.values()))
    shots, segments = structure(scope.db, run_ids)
    if not by_label:
        return units.by_shot(scope.top1, shots)
    return units.transform(data.top1(scope.db, run_ids), "shots", scope.leave_out, shots, segments, data.trims_frame(scope.trims))


def regression_rows(scope: Any, level: str) -> pd.DataFrame | None:
    """The top-1 rows the Regression page fits: per shot for ``level == "shot"``; the scope's
    (segment-filtered) frames when segments are left out; None: the stored frames, as before."""
    if level == "shot":
        return shot_rows(scope)
    return scope.top1 if st.query_params.get(QP_SKIP) else None
