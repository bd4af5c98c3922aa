"""People and objects on screen counted as the pages' unit selector says (:mod:`core.analysis.units`):
frames in left-out segments dropped, and shots instead of frames.

The stored per-run summaries (:func:`core.analysis.people.summary_table`,
:func:`core.analysis.objects.summary_table`) count every sampled frame; they stay the fast path for
frames with nothing left out. Any other choice reads the per-frame rows, sends them through
:func:`core.analysis.units.transform_frames` (the same segment filter and shot numbers as the
labels) and counts them here. Counting shots, each shot is one observation: it has a person, a face
or an object class when more than half of its remaining sampled frames do (:func:`core.analysis.units.majority`;
a shot's label is its most frequent one, :func:`core.analysis.units.by_shot`), and its counts are the mean per frame over them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.analysis import labels, objects, people, units
from core.store import Store


def people_summary(rows: pd.DataFrame, runs: dict[str, str], counted: Iterable[str] = ()) -> pd.DataFrame:
    """One row per video of ``runs`` (video id → run id): :data:`core.analysis.people.SUMMARY_COLUMNS`, from
    :func:`core.analysis.people.people_table` rows after :func:`core.analysis.units.transform_frames`.

    Frames left out as segments are not in ``rows``, so they count nowhere. With a ``shot`` column
    (counting shots), each shot is one observation: it has a person (a face) when more than half of
    its remaining sampled frames do (:func:`core.analysis.units.majority`), the
    shares are of shots, ``mean_persons``/``mean_faces`` the mean over shots of each shot's mean
    count per frame, and ``frames`` the number of shots. Runs in ``counted`` (those that counted
    people) with no row left get ``frames`` 0 and missing values; other runs, missing values only."""
    obs = units.observations(rows, ["faces", "persons"])
    per_video = obs.groupby("video_id").agg(
        frames=("frames", "size"),
        person_share=("has_persons", "mean"),
        face_share=("has_faces", "mean"),
        mean_persons=("persons", "mean"),
        mean_faces=("faces", "mean"),
    )
    table = pd.DataFrame({"video_id": list(runs), "run_id": list(runs.values())}).join(per_video, on="video_id")
    table.loc[table["run_id"].isin(set(counted)), "frames"] = table["frames"].fillna(0)
    return table.reindex(columns=people.SUMMARY_COLUMNS).astype({c: float for c in people.SUMMARY_COLUMNS[2:]})


def people_in_units(store: Store, runs: dict[str, str], unit: str = "frames", leave_out: Iterable[str] = ()) -> pd.DataFrame:
    """:data:`core.analysis.people.SUMMARY_COLUMNS` per video as the unit selector counts: the stored summaries
    (:func:`core.analysis.people.summary_table`) for frames with nothing left out, else :func:`people_summary` of
    the frames (:func:`core.analysis.units.in_frame_units`)."""
    kinds = units.check_choice(unit, leave_out)
    if unit == "frames" and not kinds:
        return people.summary_table(store, runs)
    rows = people.people_table(store, runs)
    return people_summary(units.in_frame_units(store, rows, unit, kinds), runs, counted=rows["run_id"].unique())


def objects_tables(rows: pd.DataFrame, runs: dict[str, str], counted: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`core.analysis.objects.summary_table` and :func:`core.analysis.objects.share_table` of ``runs`` (video id → run id) from
    :func:`core.analysis.objects.frame_table` rows read ``classes=True``, after :func:`core.analysis.units.transform_frames`.

    Frames left out as segments are not in ``rows``, so they count nowhere. With a ``shot`` column
    (counting shots), each shot is one observation: it shows a class (has objects) when more than
    half of its remaining sampled frames do (:func:`core.analysis.units.majority`),
    ``mean_objects`` is the mean over shots of each shot's mean boxes per frame, and every ``frames``
    column counts shots. Runs in ``counted`` (those that detected objects) with no row left get
    ``frames`` 0 and missing values; other runs, missing values only."""
    obs = units.observations(rows, ["objects"])
    key = "shot" if "shot" in rows.columns else "frame"
    per_video = obs.groupby("video_id").agg(frames=("frames", "size"), with_objects=("has_objects", "mean"), mean_objects=("objects", "mean"))
    keys = ["video_id", "run_id", key]
    shown = rows[[*keys, "classes"]].explode("classes").dropna(subset=["classes"]).rename(columns={"classes": "label"})
    per_unit = shown.groupby([*keys, "label"]).size().rename("count").reset_index().merge(obs[[*keys, "frames"]], on=keys)
    shown_in = per_unit[units.majority(per_unit["count"], per_unit["frames"])]
    if shown_in.empty:  # no class on more than half of any shot's frames, or nothing detected on the frames left
        shares = pd.DataFrame(columns=objects.SHARE_COLUMNS).astype({"video_id": object, "label": object, "frames": "int64", "share": float})
    else:
        shares = shown_in.groupby(["video_id", "label"]).size().rename("frames").reset_index()
        shares["share"] = shares["frames"] / shares["video_id"].map(per_video["frames"])
        order = {vid: i for i, vid in enumerate(runs)}
        shares = shares.assign(_order=shares["video_id"].map(order), _minus=-shares["frames"])
        shares = shares.sort_values(["_order", "_minus", "label"], ignore_index=True)[objects.SHARE_COLUMNS].astype({"frames": "int64", "share": float})
    top = shares.groupby("video_id", sort=False)["label"].agg(lambda names: ", ".join(labels.label(n) for n in names.iloc[: objects.TOP_OBJECTS]))
    summary = pd.DataFrame({"video_id": list(runs), "run_id": list(runs.values())}).join(per_video, on="video_id")
    summary.loc[summary["run_id"].isin(set(counted)), "frames"] = summary["frames"].fillna(0)
    summary["top_objects"] = summary["video_id"].map(top)
    summary = summary.reindex(columns=objects.SUMMARY_COLUMNS).astype({"frames": float, "with_objects": float, "mean_objects": float})
    return summary, shares


def objects_in_units(store: Store, runs: dict[str, str], unit: str = "frames", leave_out: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`core.analysis.objects.summary_table` and :func:`core.analysis.objects.share_table` as the unit selector counts: the stored
    summaries for frames with nothing left out, else :func:`objects_tables` of the frames
    (:func:`core.analysis.units.in_frame_units`)."""
    kinds = units.check_choice(unit, leave_out)
    if unit == "frames" and not kinds:
        return objects.stored_tables(store, runs)
    rows = objects.frame_table(store, runs, classes=True)
    return objects_tables(units.in_frame_units(store, rows, unit, kinds), runs, counted=rows["run_id"].unique())
