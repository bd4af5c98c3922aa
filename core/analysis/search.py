"""Library-wide label search: every frame where a model gave a label at least a given confidence.

Labels are matched by words, so ``car`` finds ``sports_car``, ``car_wheel`` and ``passenger_car``
but not ``carton``. The fast path reads each run's compact top-1 table; ``any_rank=True`` reads
every stored label of every frame (top-k), which is slower on a large library. For a confidence of
0.5 or more both give the same frames: softmax scores sum to 1, so only the top label can reach 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from core.analysis.analytics import top1_table
from core.store import Store

SEARCH_COLUMNS = ["video_id", "run_id", "model", "frame", "time_s", "rank", "label", "score"]
"""One row per (frame, model, label) found; ``rank`` 1 is the model's top label."""


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s_\-,'./]+", text.lower()) if w]


def matching_labels(query: str, labels: Iterable[str]) -> list[str]:
    """The labels whose words include every word of ``query`` (case-insensitive); an exact
    match first, then by name. ``"car"`` → ``["car_wheel", "passenger_car", "sports_car", ...]``."""
    wanted = _words(query)
    if not wanted:
        return []
    found = sorted({label for label in labels if set(wanted) <= set(_words(label))})
    exact = [label for label in found if _words(label) == wanted]
    return exact + [label for label in found if label not in exact]


def search_frames(
    store: Store, runs: dict[str, str], labels: Iterable[str], min_score: float, models: Iterable[str] | None = None, any_rank: bool = False
) -> pd.DataFrame:
    """Frames of ``runs`` (video id → run id) where a model in ``models`` (None: all) gave one of
    ``labels`` a score of at least ``min_score`` (0–1). Columns :data:`SEARCH_COLUMNS`, by video
    order of ``runs``, then frame and model. ``any_rank`` also searches below the top label."""
    wanted, keep_models = set(labels), None if models is None else set(models)
    if not wanted or not runs:
        return pd.DataFrame(columns=SEARCH_COLUMNS)
    parts = (
        [_top1_hits(store, list(runs.values()), wanted, min_score)]
        if not any_rank
        else [_topk_hits(store, run_id, wanted, min_score) for run_id in runs.values()]
    )
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SEARCH_COLUMNS)
    if keep_models is not None:
        table = table[table["model"].isin(keep_models)]
    order = {run_id: i for i, run_id in enumerate(runs.values())}
    table = table.assign(_order=table["run_id"].map(order)).sort_values(["_order", "frame", "model", "rank"], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)[SEARCH_COLUMNS]


def _top1_hits(store: Store, run_ids: list[str], labels: set[str], min_score: float) -> pd.DataFrame:
    top1 = top1_table(store, run_ids)
    hits = top1[top1["label"].isin(labels) & (top1["score"] >= min_score)]
    return hits.assign(rank=1)[SEARCH_COLUMNS]


def _topk_hits(store: Store, run_id: str, labels: set[str], min_score: float) -> pd.DataFrame:
    rows = []
    for doc in store.frames.of_run(run_id, {"frame": 1, "time_s": 1, "video_id": 1, "preds": 1}):
        for model, pred in doc["preds"].items():
            for rank, (label, score) in enumerate(zip(pred["labels"], pred["scores"]), start=1):
                if label in labels and score >= min_score:
                    rows.append((doc["video_id"], run_id, model, doc["frame"], doc["time_s"], rank, label, score))
    return pd.DataFrame(rows, columns=SEARCH_COLUMNS)


def summary_by_video(hits: pd.DataFrame) -> pd.DataFrame:
    """Per video: frames found (any model), first and last time (s), and the labels found."""
    if hits.empty:
        return pd.DataFrame(columns=["video_id", "frames", "first_s", "last_s", "labels"])
    grouped = hits.groupby("video_id", sort=False)
    return pd.DataFrame(
        {
            "frames": grouped["frame"].nunique(),
            "first_s": grouped["time_s"].min(),
            "last_s": grouped["time_s"].max(),
            "labels": grouped["label"].agg(lambda s: ", ".join(sorted(set(s)))),
        }
    ).reset_index()
