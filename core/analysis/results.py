"""Reading results back: runs of a video, frame tables, label counts, thumbnails, CSV export.

The dashboard and ``python -m core export`` call these same functions.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd

from core.analysis.objects import export_table as export_objects
from core.analysis.people import export_table as export_people
from core.analysis.scenes import export_scenes
from core.errors import NotFoundError
from core.exports import output_dir, to_csv
from core.store import Store

PREDICTION_COLUMNS = ["video_id", "run_id", "model", "frame", "time_s", "rank", "label", "score"]
RUN_COLUMNS = [
    "run_id",
    "video_id",
    "created_at",
    "state",
    "fps",
    "trim_start_s",
    "trim_end_s",
    "models",
    "top_k",
    "frames",
    "weights",
    "random_weights",
    "device",
]


def _run_state(store: Store, run: dict[str, Any]) -> str:
    if run.get("finished_at"):
        return "done"
    job = store.jobs.find(run["job_id"], {"state": 1}) if run.get("job_id") else None
    return job["state"] if job else "unknown"


def list_runs(store: Store, video_id: str | None = None) -> pd.DataFrame:
    """Runs newest first, with their settings and state, one row each (columns: :data:`RUN_COLUMNS`)."""
    rows = []
    for run in store.runs.list(video_id):
        s = run.get("settings", {})
        rows.append(
            {
                "run_id": run["_id"],
                "video_id": run["video_id"],
                "created_at": run.get("created_at"),
                "state": _run_state(store, run),
                "fps": s.get("fps") if s.get("fps") is not None else "every frame",
                "trim_start_s": s.get("trim_start_s"),
                "trim_end_s": s.get("trim_end_s"),
                "models": ",".join(s.get("models", [])),
                "top_k": s.get("top_k"),
                "frames": run.get("n_frames"),
                "weights": run.get("weights"),
                "random_weights": bool(run.get("random_weights")),
                "device": run.get("device"),
            }
        )
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def get_run(store: Store, run_id: str) -> dict[str, Any]:
    """The run document, or :class:`NotFoundError`."""
    return store.runs.get(run_id)


def latest_run(store: Store, video_id: str) -> dict[str, Any] | None:
    """The newest finished run of a video, else its newest run of any state, else None."""
    return store.runs.latest(video_id)


def frame_table(store: Store, run_id: str, model: str) -> pd.DataFrame:
    """One row per sampled frame, in time order: ``frame, time_s, label_1, score_1, …, label_k, score_k,
    reused_from, spot_check``. ``reused_from`` is the index of the frame whose labels a reused frame
    copied (<NA> when the models ran on it); ``spot_check`` marks near duplicates classified anyway."""
    rows = []
    for doc in store.frames.of_run(run_id, {"frame": 1, "time_s": 1, f"preds.{model}": 1, "reused_from": 1, "audit.of": 1}):
        pred = doc.get("preds", {}).get(model)
        if not pred:
            continue
        row: dict[str, Any] = {"frame": doc["frame"], "time_s": doc["time_s"]}
        for r, (label, score) in enumerate(zip(pred["labels"], pred["scores"]), start=1):
            row[f"label_{r}"] = label
            row[f"score_{r}"] = score
        row["reused_from"] = doc.get("reused_from")
        row["spot_check"] = "audit" in doc
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        table["reused_from"] = table["reused_from"].astype("Int64")
    return table


def label_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Top-1 label counts of a :func:`frame_table`: ``label, frames, share, mean_score``, most frequent first."""
    if table.empty:
        return pd.DataFrame(columns=["label", "frames", "share", "mean_score"])
    grouped = table.groupby("label_1")["score_1"].agg(frames="size", mean_score="mean").reset_index()
    grouped = grouped.rename(columns={"label_1": "label"})
    grouped["share"] = grouped["frames"] / len(table)
    return grouped.sort_values(["frames", "label"], ascending=[False, True], ignore_index=True)[["label", "frames", "share", "mean_score"]]


def thumbnails(store: Store, run_id: str, frames: list[int]) -> dict[int, str]:
    """Frame index → ``data:image/jpeg;base64,…`` URL, for the frames asked."""
    out = {}
    for doc in store.frames.thumbs(run_id, frames):
        out[doc["frame"]] = "data:image/jpeg;base64," + base64.b64encode(doc["jpeg"]).decode("ascii")
    return out


def frame_predictions(store: Store, run_id: str, frames: list[int]) -> dict[int, dict[str, list[tuple[str, float]]]]:
    """Frame index → model → top-k ``(label, score)`` pairs, for the frames asked only (one query)."""
    out: dict[int, dict[str, list[tuple[str, float]]]] = {}
    for doc in store.frames.some(run_id, frames, {"frame": 1, "preds": 1}):
        out[doc["frame"]] = {m: list(zip(p["labels"], p["scores"])) for m, p in doc.get("preds", {}).items()}
    return out


def predictions_long(store: Store, run_id: str) -> pd.DataFrame:
    """Every prediction of a run in long form, columns :data:`PREDICTION_COLUMNS` (rank 1 = top-1)."""
    rows = []
    for doc in store.frames.of_run(run_id):
        for model, pred in sorted(doc["preds"].items()):
            for rank, (label, score) in enumerate(zip(pred["labels"], pred["scores"]), start=1):
                rows.append((doc["video_id"], run_id, model, doc["frame"], doc["time_s"], rank, label, score))
    return pd.DataFrame(rows, columns=PREDICTION_COLUMNS)


def export_predictions(store: Store, out_dir: str | Path, video_ids: list[str] | None = None, run_id: str | None = None) -> Path:
    """Write ``out_dir/predictions.csv`` (and ``runs.csv`` with each run's settings and weights, and
    ``people.csv`` with faces and people per frame when a run counted them, ``objects.csv`` with one
    row per object box when a run detected objects;
    and for runs with shots ``shots_<video_id>.csv`` in PySceneDetect's scene list columns and ``segments.csv``).

    ``run_id`` picks one run; otherwise each video's latest run. ``video_ids=None`` means all videos.
    """
    if run_id:
        runs = [get_run(store, run_id)]
    else:
        ids = video_ids if video_ids is not None else store.videos.ids()
        runs = []
        for vid in ids:
            store.videos.get(vid)
            run = latest_run(store, vid)
            if run is None:
                raise NotFoundError(f"Video {vid} has no analysis yet. Run `python -m core analyze {vid}` first.")
            runs.append(run)
    out = output_dir(out_dir)
    frames = [predictions_long(store, r["_id"]) for r in runs]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PREDICTION_COLUMNS)
    wanted = {r["_id"] for r in runs}
    all_runs = list_runs(store)
    run_rows = all_runs[all_runs["run_id"].isin(wanted)]
    tmp = out / ".predictions.csv.part"
    to_csv(table, tmp)
    tmp.replace(out / "predictions.csv")
    to_csv(run_rows, out / "runs.csv")
    people = export_people(store, {r["video_id"]: r["_id"] for r in runs})
    if not people.empty:
        to_csv(people, out / "people.csv")
    boxes = export_objects(store, {r["video_id"]: r["_id"] for r in runs})
    if not boxes.empty:
        to_csv(boxes, out / "objects.csv")
    export_scenes(store, out, list(wanted))
    return out / "predictions.csv"
