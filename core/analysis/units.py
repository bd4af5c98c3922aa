"""Units of analysis: count frames (as the source study did) or shots, and leave out segments.

The thousands of sampled frames of one shot are near copies of each other, not independent
observations. :func:`by_shot` turns a top-1 table (:func:`core.analysis.analytics.top1_table`:
one row per run, sampled frame and model) into a table of the same shape with one row per shot:
the most frequent top-1 label of the shot's sampled frames, with its ``share`` of them, so every page
that reads a top-1 table can count shots instead. :func:`exclude` drops the frames that lie in
black or still-picture segments, or outside a video's saved intro/outro trims.

Per-frame counts of people and objects go through the same filter (:func:`transform_frames`), and
:func:`observations` makes one observation per shot: a shot has a person (a face, an object class)
when more than half of its remaining sampled frames do (the more frequent answer of its frames, a
tie counting as no; :func:`majority`), and its count is the mean count per frame over them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from core.analysis import scenes
from core.store import Store

UNITS = ("frames", "shots")
SEGMENT_CHOICES = ("black", "static", "trims")
"""What :func:`exclude` can leave out: black segments, still pictures, and what lies outside the saved trims."""
SHOT_EXTRA_COLUMNS = ["shot", "frames", "share"]
"""Columns :func:`by_shot` adds: the shot's number in its run (from 1), its sampled frames, and the
share of them whose top-1 label is the shot's label."""


def shot_numbers(frames: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The shot (counted from 1) of each frame index, given the shots' first frames in order."""
    return np.searchsorted(starts, frames, side="right")


def tag_shots(rows: pd.DataFrame, shots: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (any per-frame table with ``run_id`` and ``frame``) of the runs that have shots, with
    each frame's ``shot`` number (from 1) added; the rows of runs without shots are left out."""
    rows = rows[rows["run_id"].isin(set(shots["run_id"]))]
    if rows.empty:
        return rows.assign(shot=pd.Series(dtype="int64"))
    parts = []
    for run_id, frames in rows.groupby("run_id", sort=False):
        starts = np.sort(shots.loc[shots["run_id"] == run_id, "start_frame"].to_numpy())
        parts.append(frames.assign(shot=shot_numbers(frames["frame"].to_numpy(), starts)))
    return pd.concat(parts, ignore_index=True)


def majority(count: Any, frames: Any) -> Any:
    """Whether ``count`` of a shot's ``frames`` sampled frames are more than half of them: the rule
    by which a shot has a person, a face or an object class (a label is the shot's most frequent
    one instead, :func:`by_shot`). Works on scalars and Series."""
    return count * 2 > frames


def by_shot(top1: pd.DataFrame, shots: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, model, shot) from a top-1 table and the runs' shots
    (:func:`core.analysis.scenes.shots_table`). Runs without shots are left out.

    ``label`` is the most frequent top-1 label of the shot's sampled frames (a tie goes to the
    higher mean score, then the name), ``score`` its mean score on those frames, ``frame`` and
    ``time_s`` those of the shot's first sampled frame; plus :data:`SHOT_EXTRA_COLUMNS`."""
    columns = list(top1.columns) + [c for c in SHOT_EXTRA_COLUMNS if c not in top1.columns]
    tagged = tag_shots(top1, shots)
    if tagged.empty:
        return pd.DataFrame(columns=columns)
    tagged = tagged.sort_values(["run_id", "model", "frame"], kind="stable")
    keys = ["run_id", "model", "shot"]
    first = tagged.groupby(keys, sort=False).first()
    size = tagged.groupby(keys, sort=False).size().rename("frames")
    votes = tagged.groupby([*keys, "label"], sort=False)["score"].agg(count="size", score="mean").reset_index()
    votes = votes.sort_values([*keys, "count", "score", "label"], ascending=[True, True, True, False, False, True], kind="stable")
    winner = votes.drop_duplicates(keys).set_index(keys)
    out = first.drop(columns=["label", "score"]).join(winner[["label", "score", "count"]]).join(size)
    out["share"] = out.pop("count") / out["frames"]
    out = out.reset_index()
    return out[columns].sort_values(["run_id", "frame", "model"], kind="stable", ignore_index=True)


def exclude(top1: pd.DataFrame, segments: pd.DataFrame, kinds: Iterable[str], trims: pd.DataFrame | None = None) -> pd.DataFrame:
    """``top1`` without the frames inside the chosen segment ``kinds`` (``black``, ``static``;
    :func:`core.analysis.scenes.segments_table`) and, with ``trims`` in ``kinds``, without the frames
    outside each video's saved trims (``trims``: ``video_id, start_s, end_s, duration_s``)."""
    kinds = set(kinds)
    keep = np.ones(len(top1), bool)
    chosen = segments[segments["kind"].isin(kinds)] if len(segments) else segments
    for run_id, segs in chosen.groupby("run_id") if len(chosen) else ():
        mask = (top1["run_id"] == run_id).to_numpy()
        frames = top1["frame"].to_numpy()
        for start, end in zip(segs["start_frame"], segs["end_frame"]):
            keep &= ~(mask & (frames >= start) & (frames < end))
    if "trims" in kinds and trims is not None and len(trims):
        bounds = trims.set_index("video_id")
        start = top1["video_id"].map(bounds["start_s"]).fillna(0.0).to_numpy()
        end = top1["video_id"].map(bounds["duration_s"] - bounds["end_s"]).fillna(np.inf).to_numpy()
        times = top1["time_s"].to_numpy()
        keep &= (times >= start) & (times < end)
    return top1[keep].reset_index(drop=True)


def saved_trims(store: Store, video_ids: Iterable[str]) -> pd.DataFrame:
    """``video_id, start_s, end_s, duration_s`` of the videos with saved intro/outro trims."""
    rows = []
    for video_id in video_ids:
        doc = store.videos.find(video_id, {"trims": 1, "duration": 1}) or {}
        if doc.get("trims") and doc.get("duration"):
            rows.append((video_id, doc["trims"]["start_s"], doc["trims"]["end_s"], float(doc["duration"])))
    return pd.DataFrame(rows, columns=["video_id", "start_s", "end_s", "duration_s"])


def check_choice(unit: str, leave_out: Iterable[str]) -> list[str]:
    """``leave_out`` as a list, after checking it and ``unit`` against :data:`UNITS` and
    :data:`SEGMENT_CHOICES`; raises :class:`~core.analysis.analytics.AnalysisUnavailable` naming what is allowed."""
    from core.analysis.analytics import AnalysisUnavailable

    kinds = list(dict.fromkeys(leave_out))
    if unit not in UNITS:
        raise AnalysisUnavailable(f"Count frames or shots, not {unit!r}.")
    unknown = [k for k in kinds if k not in SEGMENT_CHOICES]
    if unknown:
        raise AnalysisUnavailable(f"Cannot leave out {', '.join(map(repr, unknown))}: choose from {', '.join(SEGMENT_CHOICES)}.")
    return kinds


def transform(
    top1: pd.DataFrame, unit: str, leave_out: Iterable[str], shots: pd.DataFrame, segments: pd.DataFrame, trims: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``top1`` without the frames in the ``leave_out`` segments (:func:`exclude`) and, for
    ``unit == "shots"``, one row per shot (:func:`by_shot`; runs without shots drop out)."""
    kept = transform_frames(top1, "frames", leave_out, shots, segments, trims)
    return by_shot(kept, shots) if unit == "shots" else kept


def transform_frames(
    rows: pd.DataFrame, unit: str, leave_out: Iterable[str], shots: pd.DataFrame, segments: pd.DataFrame, trims: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per-frame rows other than labels (``video_id, run_id, frame, time_s`` and counts, e.g.
    :func:`core.analysis.people.people_table`) as :func:`transform` treats a top-1 table: without the
    frames in the ``leave_out`` segments (:func:`exclude`) and, for ``unit == "shots"``, with each
    frame's ``shot`` (:func:`tag_shots`; runs without shots drop out). :func:`observations` then
    gives one row per frame or shot."""
    kinds = list(leave_out)
    kept = exclude(rows, segments, kinds, trims) if kinds else rows
    return tag_shots(kept, shots) if unit == "shots" else kept


def observations(rows: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """One row per observation of :func:`transform_frames` rows: per frame, or per shot when they
    carry a ``shot`` column. Columns: ``video_id, run_id``, ``frame`` or ``shot``, ``frames`` (its
    sampled frames), and per count column ``c``: ``c``, the mean count per frame, and ``has_c``,
    whether more than half of its frames have ``c > 0`` (:func:`majority`; a frame alone: whether it has one)."""
    keys = ["video_id", "run_id", "shot" if "shot" in rows.columns else "frame"]
    columns = [*keys, "frames", *counts, *(f"has_{c}" for c in counts)]
    if rows.empty:
        return pd.DataFrame(columns=columns).astype({"frames": "int64", **{c: float for c in counts}, **{f"has_{c}": bool for c in counts}})
    grouped = rows.groupby(keys, sort=True)
    out = grouped[counts].mean().astype(float)
    frames = grouped.size()
    shown = (rows[counts] > 0).groupby([rows[k] for k in keys], sort=True).sum()
    out["frames"] = frames
    for c in counts:
        out[f"has_{c}"] = majority(shown[c], frames)
    return out.reset_index()[columns]


def _stored(store: Store, rows: pd.DataFrame, kinds: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The shots, segments and (with ``trims`` left out) saved trims of the runs and videos in ``rows``."""
    run_ids = sorted(rows["run_id"].unique())
    trims = saved_trims(store, rows["video_id"].unique()) if "trims" in kinds else None
    return scenes.shots_table(store, run_ids), scenes.segments_table(store, run_ids), trims


def in_frame_units(store: Store, rows: pd.DataFrame, unit: str = "frames", leave_out: Iterable[str] = ()) -> pd.DataFrame:
    """:func:`transform_frames` of ``rows`` (per-frame rows of stored runs) with its runs' shots,
    segments and saved trims read from ``store``, as :func:`in_units` does for a top-1 table."""
    kinds = check_choice(unit, leave_out)
    return transform_frames(rows, unit, kinds, *_stored(store, rows, kinds))


def in_units(store: Store, top1: pd.DataFrame, unit: str = "frames", leave_out: Iterable[str] = ()) -> pd.DataFrame:
    """:func:`transform` of ``top1`` (a top-1 table of stored runs) with its runs' shots, segments
    and saved trims read from ``store``."""
    kinds = check_choice(unit, leave_out)
    return transform(top1, unit, kinds, *_stored(store, top1, kinds))


def shot_regression(shot_rows: pd.DataFrame, videos: pd.DataFrame, model: str) -> Any:
    """The study's ``views ~ C(label)`` with one row per shot (:func:`by_shot`) instead of per
    frame: a :class:`core.analysis.regression.RegressionResult` with ``level == "shot"``."""
    from core.analysis import regression
    from core.analysis.analytics import AnalysisUnavailable

    if shot_rows.empty:
        raise AnalysisUnavailable("None of the chosen runs has shots. Analyse the videos again with shot detection on (the default).")
    result = regression.frame_regression(shot_rows, videos, model)
    result.level = "shot"
    result.warnings = [w.replace("frame rows", "shot rows").replace("Frames of one video", "Shots of one video") for w in result.warnings]
    return result


def run_aggregates(top1: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Run id → the aggregates document (:func:`core.analysis.aggregates.build`) of a top-1-shaped
    table (e.g. :func:`by_shot`'s), so that pages reading aggregates count shots or kept frames."""
    from core.analysis import aggregates

    out = {}
    for run_id, rows in top1.groupby("run_id", sort=True):
        frames = sorted(rows["frame"].unique())
        position = {f: i for i, f in enumerate(frames)}
        times = rows.drop_duplicates("frame").set_index("frame")["time_s"]
        models: dict[str, dict[str, list]] = {}
        for model, part in rows.groupby("model", sort=True):
            labels: list[Any] = [None] * len(frames)
            scores: list[Any] = [None] * len(frames)
            for frame, label, score in zip(part["frame"], part["label"], part["score"]):
                labels[position[frame]], scores[position[frame]] = label, float(score)
            models[str(model)] = {"labels": labels, "scores": scores}
        compact = {
            "_id": run_id,
            "video_id": rows["video_id"].iloc[0],
            "frames": [int(f) for f in frames],
            "time_s": [float(times[f]) for f in frames],
            "models": models,
        }
        out[str(run_id)] = aggregates.build(compact)
    return out
