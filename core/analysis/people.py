"""People on screen: per-frame counts of faces and people, per-video shares and means, and the
boxes to draw, from what the analysis pass stored (:mod:`core.media.people`).

A run analysed without people counting (its setting off, or made before the feature) has no
counts: its frames are absent from :func:`people_table` and its summary columns are missing
values, never zeros.
"""

from __future__ import annotations

import pandas as pd

from core.media.people import PeopleFound
from core.store import Store

PEOPLE_COLUMNS = ["video_id", "run_id", "frame", "time_s", "faces", "persons"]
SUMMARY_COLUMNS = ["video_id", "run_id", "frames", "person_share", "face_share", "mean_persons", "mean_faces"]
"""``person_share``/``face_share``: share of frames with at least one (0–1); ``mean_*``: count per frame.
Counted per shot (:func:`core.analysis.on_screen.people_summary`), ``frames`` holds the shots and the shares and means are per shot."""
OVERVIEW_COLUMNS = ["person_share", "mean_persons", "face_share"]


def people_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """Per sampled frame of the runs (video id → run id) that counted people: :data:`PEOPLE_COLUMNS`,
    ordered by run and frame. One small read per run: the counts kept when it finished
    (:func:`core.inference.runs.compact_on_screen`); a run finished before them reads its frames once, and they are kept then."""
    parts = []
    for vid, run_id in runs.items():
        compact = store.runs.kept_on_screen(run_id, "people", lambda r=run_id: store.frames.compact_people(r))
        if compact["frames"]:
            part = pd.DataFrame({"frame": compact["frames"], "time_s": compact["time_s"], "faces": compact["faces"], "persons": compact["persons"]})
            parts.append(part.assign(video_id=vid, run_id=run_id)[PEOPLE_COLUMNS])
    if not parts:
        return pd.DataFrame(columns=PEOPLE_COLUMNS).astype({"frame": "int64", "time_s": float, "faces": "int64", "persons": "int64"})
    return pd.concat(parts, ignore_index=True).astype({"frame": "int64", "time_s": float, "faces": "int64", "persons": "int64"})


def summary_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """One row per video: :data:`SUMMARY_COLUMNS`, from the summary the worker stored with the run
    when it finished (one small read per run); missing values for a run that did not count people."""
    rows = []
    for vid, run_id in runs.items():
        summary = (store.runs.find(run_id, {"people": 1}) or {}).get("people")
        rows.append({"video_id": vid, "run_id": run_id, **{c: (summary or {}).get(c) for c in SUMMARY_COLUMNS[2:]}})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({c: float for c in SUMMARY_COLUMNS[2:]})


def with_people(overview: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``overview`` (one row per video, with ``video_id``) with :data:`OVERVIEW_COLUMNS` added after
    its key columns: after the last ``top3_<model>`` column, else after ``group``, so the labels and
    mean confidence stay in view on a narrow screen."""
    merged = overview.merge(summary[["video_id", *OVERVIEW_COLUMNS]], on="video_id", how="left")
    columns = list(overview.columns)
    top = [i for i, c in enumerate(columns) if c.startswith("top3_")]
    at = top[-1] + 1 if top else columns.index("group") + 1 if "group" in columns else len(columns)
    return merged[columns[:at] + OVERVIEW_COLUMNS + columns[at:]]


def boxes(store: Store, run_id: str, frames: list[int]) -> dict[int, PeopleFound]:
    """Frame index → the faces and people found on it, for the frames asked that were counted."""
    found = {}
    for doc in store.frames.some(run_id, frames, {"frame": 1, "people": 1}):
        people = PeopleFound.from_doc(doc.get("people"))
        if people is not None:
            found[doc["frame"]] = people
    return found


def by_group(summary: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Per popularity group (``popular``, ``unpopular``): ``group, videos`` (with people counted) and
    the mean over those videos of ``person_share, mean_persons, face_share``. ``groups``:
    :func:`core.analysis.analytics.split_popularity` output (``video_id, group``)."""
    merged = groups[["video_id", "group"]].merge(summary, on="video_id").dropna(subset=["person_share"])
    merged = merged[merged["group"].isin(["popular", "unpopular"])]
    table = merged.groupby("group")[OVERVIEW_COLUMNS].mean().reindex(["popular", "unpopular"])
    table.insert(0, "videos", merged.groupby("group").size().reindex(["popular", "unpopular"], fill_value=0))
    return table.reset_index()


def by_group_caption(unit: str = "frames") -> str:
    """What :func:`by_group`'s columns mean, for the page and the report, counting ``frames`` or ``shots``."""
    if unit == "shots":
        return (
            "Per group, the mean over its videos of the share of shots with people, people per frame (each shot's mean) and the share of shots "
            "with a face; a shot has people (a face) when more than half of its frames do."
        )
    return "Per group, the mean over its videos of the share of frames with people, people per frame and the share of frames with a face."


EXPORT_COLUMNS = [*PEOPLE_COLUMNS, "face_boxes", "person_boxes"]
"""``people.csv`` of an export: the counts per frame and the boxes as ``x y w h`` (full-frame pixels), ``;`` between boxes."""


def export_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """Per sampled frame of the runs that counted people: :data:`EXPORT_COLUMNS`."""
    rows = []
    for vid, run_id in runs.items():
        for d in store.frames.people(run_id):
            faces, persons = d["people"]["faces"], d["people"]["persons"]
            boxes = ["; ".join(" ".join(str(v) for v in box) for box in found) for found in (faces, persons)]
            rows.append((vid, run_id, d["frame"], d["time_s"], len(faces), len(persons), *boxes))
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)
