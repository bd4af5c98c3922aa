"""Objects on screen (COCO classes): per-frame counts, per-video shares of each class and the boxes,
read from what the analysis pass stored (:mod:`core.inference.detectors`). Popular versus
unpopular groups and their lift: :mod:`core.analysis.objects_by_group`.

A frame *shows* a class when at least one box of that class scored above the detector's threshold
on it. A class's share of a video is the share of its detected frames that show it (0–1), so a
frame with three cars counts once for "car", unlike the box counts. A run analysed without object
detection has no rows in the frame tables and missing values in the summaries, never zeros.

Counting shots or leaving segments out (:mod:`core.analysis.units`), :mod:`core.analysis.on_screen`
computes the same tables from the frames.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.analysis import labels
from core.store import Store

FRAME_COLUMNS = ["video_id", "run_id", "frame", "time_s", "objects", "object_classes"]
"""Per detected frame: ``objects`` (boxes on it) and ``object_classes`` (its class names in words, ``; `` between, most confident first)."""
SUMMARY_COLUMNS = ["video_id", "run_id", "frames", "with_objects", "mean_objects", "top_objects"]
"""Per video: ``frames`` detected on, ``with_objects`` (share with at least one box, 0–1), ``mean_objects`` (boxes per frame) and its ``top_objects`` (the 3 classes on most frames, in words; missing when none was found)."""
SHARE_COLUMNS = ["video_id", "label", "frames", "share"]
"""Per video and class: ``frames`` showing it and their ``share`` of the video's detected frames."""
EXPORT_COLUMNS = ["video_id", "run_id", "frame", "time_s", "label", "score", "x", "y", "w", "h"]
"""``objects.csv``: one row per box, in full-frame pixels."""
TOP_OBJECTS = 3


def _summaries(store: Store, runs: dict[str, str]) -> dict[str, dict[str, Any] | None]:
    """Video id → its run's stored objects summary (:func:`core.inference.runs.summarize_objects`), None when not detected."""
    return {vid: (store.runs.find(run_id, {"objects": 1}) or {}).get("objects") for vid, run_id in runs.items()}


def frame_table(store: Store, runs: dict[str, str], classes: bool = False) -> pd.DataFrame:
    """Per detected frame of the runs (video id → run id): :data:`FRAME_COLUMNS`, by run and frame.
    With ``classes``, also ``classes``: the COCO class names shown on it (a tuple, each once), which
    :func:`core.analysis.on_screen.objects_tables` reads."""
    columns = [*FRAME_COLUMNS, "classes"] if classes else FRAME_COLUMNS
    words: dict[tuple[str, ...], str] = {}  # each combination of classes written once
    parts = []
    for vid, run_id in runs.items():  # one small read per run, as people.people_table
        compact = store.runs.kept_on_screen(run_id, "objects", lambda r=run_id: store.frames.compact_objects(r))
        if not compact["frames"]:
            continue
        names = [tuple(n) for n in compact["classes"]]
        shown = [words.get(n) or words.setdefault(n, "; ".join(labels.label(c) for c in n)) for n in names]
        part = pd.DataFrame({"frame": compact["frames"], "time_s": compact["time_s"], "objects": compact["boxes"], "object_classes": shown})
        part = part.assign(video_id=vid, run_id=run_id)
        if classes:
            part["classes"] = names
        parts.append(part[columns])
    if not parts:
        return pd.DataFrame(columns=columns).astype({"frame": "int64", "time_s": float, "objects": "int64"})
    return pd.concat(parts, ignore_index=True).astype({"frame": "int64", "time_s": float, "objects": "int64"})


def _summary_rows(summaries: dict[str, dict[str, Any] | None], runs: dict[str, str]) -> pd.DataFrame:
    rows = []
    for vid, summary in summaries.items():
        summary = summary or {}
        top = ", ".join(labels.label(c["label"]) for c in summary.get("classes", [])[:TOP_OBJECTS]) or None
        rows.append({"video_id": vid, "run_id": runs[vid], **{c: summary.get(c) for c in ("frames", "with_objects", "mean_objects")}, "top_objects": top})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return table.astype({"frames": float, "with_objects": float, "mean_objects": float})


def _share_rows(summaries: dict[str, dict[str, Any] | None]) -> pd.DataFrame:
    rows = [
        (vid, c["label"], c["frames"], c["frames"] / summary["frames"])
        for vid, summary in summaries.items()
        if summary and summary.get("frames")
        for c in summary["classes"]
    ]
    return pd.DataFrame(rows, columns=SHARE_COLUMNS).astype({"frames": "int64", "share": float})


def summary_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """One row per video: :data:`SUMMARY_COLUMNS`, from each run's stored summary (one small read per run)."""
    return _summary_rows(_summaries(store, runs), runs)


def share_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """Per video and class shown on at least one of its frames: :data:`SHARE_COLUMNS` (videos without detection: no rows)."""
    return _share_rows(_summaries(store, runs))


def stored_tables(store: Store, runs: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`summary_table` and :func:`share_table` from one read of each run's stored summary."""
    summaries = _summaries(store, runs)
    return _summary_rows(summaries, runs), _share_rows(summaries)


def detected_videos(summary: pd.DataFrame) -> list[str]:
    """The videos of a :func:`summary_table` whose runs detected objects on at least one frame."""
    return summary.loc[summary["frames"].fillna(0) > 0, "video_id"].tolist()


def describe(boxes: list[dict[str, Any]]) -> str:
    """One frame's boxes in words, each class once with its count and best score, most confident
    first: ``"car ×2 0.910 · person 0.800"``."""
    best: dict[str, float] = {}
    count: dict[str, int] = {}
    for o in boxes:
        best[o["label"]] = max(best.get(o["label"], 0.0), float(o["score"]))
        count[o["label"]] = count.get(o["label"], 0) + 1
    ranked = sorted(best, key=lambda name: (-best[name], name))
    return " · ".join(f"{labels.label(name)}{f' ×{count[name]}' if count[name] > 1 else ''} {labels.confidence(best[name])}" for name in ranked)


def frame_objects(store: Store, run_id: str, frames: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Frame index → its boxes (``label``, ``score``, ``box`` x y w h in full-frame pixels), for the frames asked that were detected on."""
    return {d["frame"]: d["objects"] for d in store.frames.some(run_id, frames, {"frame": 1, "objects": 1}) if "objects" in d}


def export_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """One row per box of the runs that detected objects: :data:`EXPORT_COLUMNS`."""
    rows = [
        (vid, run_id, d["frame"], d["time_s"], o["label"], o["score"], *o["box"])
        for vid, run_id in runs.items()
        for d in store.frames.objects(run_id)
        for o in d["objects"]
    ]
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


OVERVIEW_COLUMNS = ["with_objects", "top_objects"]


def with_objects(overview: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``overview`` (one row per video, with ``video_id``) with :data:`OVERVIEW_COLUMNS` (missing values
    for runs without detection) after the people columns, else after the last ``top3_<model>`` column,
    else at the end, so they stay in view on a wide screen."""
    merged = overview.merge(summary[["video_id", *OVERVIEW_COLUMNS]], on="video_id", how="left")
    columns = list(overview.columns)
    anchors = [i for i, c in enumerate(columns) if c in ("face_share", "mean_persons", "person_share") or c.startswith("top3_")]
    at = max(anchors) + 1 if anchors else len(columns)
    return merged[columns[:at] + OVERVIEW_COLUMNS + columns[at:]]
