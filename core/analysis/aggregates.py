"""Per-run aggregates: what the analytics pages need about one finished run, computed once from its
compact top-1 table and stored (``run_stats``), so a page over 200 videos combines 200 small
documents instead of rescanning 1.2 million frame rows.

The worker writes them when a run finishes; a run without them (older, or its worker died between
the two writes) gets them the first time a page asks. Each number is computed by the same function
the per-frame path uses (:mod:`core.analysis.analytics` on a one-run top-1 table), so both agree.

Document (``_id = run_id``)::

    {"video_id", "version", "frames": sampled frames with a label,
     "models": [{"model", "frames", "mean_top1",
                 "bootstrap": {"sample_size", "draws", "seed", "mean_of_means", "sd", "ci_low", "ci_high"},
                 "labels": [{"label", "count", "score_sum"}, …]}],            # most frequent first
     "agreement": [{"a", "b", "frames", "agree", "top_disagreements"}]}     # each pair of models
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd

from core.analysis import analytics
from core.store import Store

VERSION = 1
"""Raise when the document's contents change: older documents are then rebuilt on read."""
BOOTSTRAP = {"sample_size": 30, "draws": 1000, "seed": 0}
"""The Confidence page's default bootstrap, stored per run so the default view reads no frames."""


def build(compact: dict[str, Any]) -> dict[str, Any]:
    """The aggregates document of one run from its compact top-1 document (``run_top1``)."""
    top1 = analytics.compact_to_top1([compact])
    models = []
    for model, rows in top1.groupby("model", sort=True):
        scores = rows["score"].to_numpy()
        boot = analytics.bootstrap_means(scores, **BOOTSTRAP)
        counts = rows.groupby("label").agg(count=("score", "size"), score_sum=("score", "sum")).reset_index()
        counts = counts.sort_values(["count", "label"], ascending=[False, True], kind="stable")
        models.append(
            {
                "model": model,
                "frames": len(rows),
                "mean_top1": float(rows["score"].mean()),
                "bootstrap": {**BOOTSTRAP, "mean_of_means": boot.mean_of_means, "sd": boot.sd, "ci_low": boot.ci_low, "ci_high": boot.ci_high},
                "labels": [{"label": str(r.label), "count": int(r.count), "score_sum": float(r.score_sum)} for r in counts.itertuples()],
            }
        )
    agreement = []
    for a, b in combinations(sorted(top1["model"].unique()), 2):
        table = analytics.agreement(top1, a, b)
        for row in table.itertuples():
            agreement.append({"a": a, "b": b, "frames": int(row.frames), "agree": float(row.agreement), "top_disagreements": row.top_disagreements})
    return {
        "_id": compact["_id"],
        "video_id": compact["video_id"],
        "version": VERSION,
        "frames": int(top1["frame"].nunique()),
        "models": models,
        "agreement": agreement,
    }


def write(store: Store, run_id: str) -> dict[str, Any]:
    """Compute and store the aggregates of a finished run; returns the document."""
    doc = build(analytics.compact_top1(store, run_id))
    store.runs.save_stats(doc)
    return doc


def run_stats(store: Store, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Run id → aggregates document, one query for those stored; any missing or outdated is built now and stored."""
    found = {k: v for k, v in store.runs.stats(run_ids).items() if v.get("version") == VERSION}
    for run_id in run_ids:
        if run_id not in found:
            found[run_id] = write(store, run_id)
    return {r: found[r] for r in run_ids}


def models(stats: dict[str, dict[str, Any]]) -> list[str]:
    """The models any of the runs' aggregates hold, sorted."""
    return sorted({m["model"] for doc in stats.values() for m in doc["models"]})


def summary_table(stats: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per (run, model): ``video_id, run_id, model, frames, mean_top1`` and the default
    bootstrap's ``mean_of_sample_means, ci_low, ci_high``, plus ``labels`` (the label rows)."""
    rows = [
        {
            "video_id": doc["video_id"],
            "run_id": run_id,
            "model": m["model"],
            "frames": m["frames"],
            "mean_top1": m["mean_top1"],
            "mean_of_sample_means": m["bootstrap"]["mean_of_means"],
            "ci_low": m["bootstrap"]["ci_low"],
            "ci_high": m["bootstrap"]["ci_high"],
            "labels": m["labels"],
        }
        for run_id, doc in stats.items()
        for m in doc["models"]
    ]
    columns = ["video_id", "run_id", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high", "labels"]
    return pd.DataFrame(rows, columns=columns)


def with_labels(summary: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``summary`` (:func:`summary_table`) with each row's ``labels`` taken from ``counts`` (a
    label-count table, e.g. of categories), most frequent first, ties by name."""
    ordered = counts.sort_values(["count", "label"], ascending=[False, True], kind="stable")
    rows = {
        key: [{"label": str(r.label), "count": int(r.count), "score_sum": float(r.score_sum)} for r in group.itertuples()]
        for key, group in ordered.groupby(["run_id", "model"], sort=False)
    }
    return summary.assign(labels=[rows.get((r, m), []) for r, m in zip(summary["run_id"], summary["model"], strict=True)])


def label_counts(store: Store, runs: dict[str, str], built: bool = False) -> pd.DataFrame:
    """Per-run top-1 label counts of the selected runs (video id → run id), counted by the store from
    the aggregates: columns :data:`core.analysis.analytics.COUNT_COLUMNS`. ``built``: the caller has
    already read the runs' aggregates with :func:`run_stats` (which builds any missing)."""
    if not built:
        run_stats(store, list(runs.values()))
    rows = store.runs.label_counts(list(runs.values()), by_run=True)
    return analytics.sort_counts(pd.DataFrame(rows, columns=analytics.COUNT_COLUMNS))


def group_counts(store: Store, runs: dict[str, str], groups: pd.DataFrame, built: bool = False) -> pd.DataFrame:
    """Top-1 label counts summed over the runs of each popularity group (``groups``: ``video_id,
    group``), counted by the store: columns ``model, group, label, count``. Equals
    :func:`core.analysis.analytics.group_counts` of the per-run counts. ``built``: as in :func:`label_counts`."""
    if not built:
        run_stats(store, list(runs.values()))
    parts = []
    for group in ("popular", "unpopular"):
        ids = [runs[v] for v in groups.loc[groups["group"] == group, "video_id"] if v in runs]
        rows = store.runs.label_counts(ids, by_run=False)
        parts.append(pd.DataFrame(rows, columns=["model", "label", "count", "score_sum"]).assign(group=group))
    table = pd.concat(parts, ignore_index=True)[["model", "group", "label", "count"]]
    table["count"] = table["count"].astype(int)
    return table.sort_values(["model", "group", "label"], ignore_index=True)


def agreement_table(stats: dict[str, dict[str, Any]], model_a: str, model_b: str) -> pd.DataFrame:
    """:func:`core.analysis.analytics.agreement` of the runs, from their aggregates."""
    rows = [
        (doc["video_id"], a["frames"], a["agree"], a["top_disagreements"])
        for doc in stats.values()
        for a in doc["agreement"]
        if (a["a"], a["b"]) == (model_a, model_b)
    ]
    return pd.DataFrame(rows, columns=["video_id", "frames", "agreement", "top_disagreements"])
