"""Shots and segments of stored runs, as tables and files: what the pages, the CLI export and the
unit selector read (the detection itself is :mod:`core.media.scenes`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.exports import to_csv
from core.media import scenes
from core.store import Store

SHOT_COLUMNS = ["video_id", "run_id", "shot", "start_frame", "end_frame", "start_s", "end_s"]
"""One row per shot; ``shot`` counts from 1, ``end_frame`` is exclusive."""
SEGMENT_COLUMNS = ["video_id", "run_id", "kind", "start_frame", "end_frame", "start_s", "end_s", "length_s"]


def result(store: Store, run_id: str) -> scenes.SceneResult | None:
    """The run's scene structure (without signatures), or None when it was not detected."""
    doc = store.scenes.of_run(run_id)
    return scenes.SceneResult.from_doc(doc) if doc else None


def shots_table(store: Store, run_ids: list[str]) -> pd.DataFrame:
    """Shots of the runs that have them (columns :data:`SHOT_COLUMNS`), in run then time order."""
    rows = []
    for run_id, doc in store.scenes.of_runs(run_ids).items():
        fps = float(doc["fps"])
        for n, (start, end) in enumerate(doc["shots"], start=1):
            rows.append((doc["video_id"], run_id, n, start, end, start / fps, end / fps))
    return pd.DataFrame(rows, columns=SHOT_COLUMNS)


def segments_table(store: Store, run_ids: list[str]) -> pd.DataFrame:
    """Black and static segments of the runs (columns :data:`SEGMENT_COLUMNS`)."""
    rows = []
    for run_id, doc in store.scenes.of_runs(run_ids).items():
        fps = float(doc["fps"])
        for s in doc["segments"]:
            rows.append((doc["video_id"], run_id, s["kind"], s["start"], s["end"], s["start"] / fps, s["end"] / fps, (s["end"] - s["start"]) / fps))
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def scene_list_csv(store: Store, run_id: str) -> str | None:
    """The run's shots as PySceneDetect's scene list CSV (:func:`core.media.scenes.scene_list_csv`), or None."""
    found = result(store, run_id)
    return scenes.scene_list_csv(found) if found else None


def export_scenes(store: Store, out: Path, run_ids: list[str]) -> list[Path]:
    """Write ``out/shots_<video_id>.csv`` (PySceneDetect's scene list columns) for each run that
    has shots, and ``out/segments.csv`` for all of them; returns the files written."""
    written = []
    for doc in store.scenes.of_runs(run_ids).values():
        path = out / f"shots_{doc['video_id']}.csv"
        path.write_text(scenes.scene_list_csv(scenes.SceneResult.from_doc(doc)), encoding="utf-8")
        written.append(path)
    if written:
        to_csv(segments_table(store, run_ids), out / "segments.csv")
        written.append(out / "segments.csv")
    return written
