"""The study's analyses: confidence, popular vs unpopular labels, lift, model agreement.

Everything starts from a *top-1 table*: one row per (run, sampled frame, model) with columns
``video_id, run_id, model, frame, time_s, label, score`` (``score`` is the top-1 probability).
Pages, the CLI and the report call these functions, so a number is computed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.analysis import labels
from core.analysis.results import latest_run
from core.media import effective_views
from core.store import Store

TOP1_COLUMNS = ["video_id", "run_id", "model", "frame", "time_s", "label", "score"]
COUNT_COLUMNS = ["video_id", "run_id", "model", "label", "count", "score_sum"]
"""A *label-count table*: per run and model, how many frames had each top-1 label and their summed top-1 score."""
DEFAULT_OOD_THRESHOLD = 0.2
"""Mean top-1 confidence below which a run is flagged "likely out of domain"."""
LIFT_SMOOTHING = 0.5
"""Added to every count before shares are compared, so a label absent from one group has a finite lift."""
CONFIDENCE_RESOLUTION = 1e-3
"""Confidences are shown to three decimals: values that spread less than this are drawn as one."""


class AnalysisUnavailable(ValueError):
    """The data cannot support this analysis; the message says why in plain words."""


# ---------------------------------------------------------------- selection and loading


def selected_runs(store: Store, video_ids: list[str] | None = None, run_ids: dict[str, str] | None = None) -> dict[str, str]:
    """Video id → run id: the given run, else the video's latest finished run. Videos without one are left out."""
    run_ids = run_ids or {}
    ids = video_ids if video_ids is not None else store.videos.ids()
    chosen = {}
    for vid in ids:
        if vid in run_ids:
            chosen[vid] = run_ids[vid]
            continue
        run = latest_run(store, vid)
        if run is not None and run.get("finished_at"):
            chosen[vid] = run["_id"]
    return chosen


def compact_top1(store: Store, run_id: str) -> dict[str, Any]:
    """The run's compact top-1 document (written when it finished), else one read from its frames."""
    doc = store.runs.top1(run_id)
    if doc is None:
        run = store.runs.find(run_id, {"settings": 1}) or {}
        doc = store.frames.compact_top1(run_id, tuple(run.get("settings", {}).get("models", ())))
    return doc


def compact_to_top1(docs: list[dict[str, Any]]) -> pd.DataFrame:
    """A top-1 table (:data:`TOP1_COLUMNS`, ordered by run, frame, model) from compact top-1
    documents; frames a model did not label are left out. Built with array operations, one
    (frames × models) block per run."""
    parts = []
    for doc in sorted(docs, key=lambda d: d["_id"]):
        models = sorted(doc["models"])
        if not doc["frames"] or not models:
            continue
        order = np.argsort(np.asarray(doc["frames"], dtype=np.int64), kind="stable")
        n, m = len(order), len(models)
        labels_ = np.array([doc["models"][name]["labels"] for name in models], dtype=object)[:, order].T.ravel()  # frame-major, then model
        scores = np.array([[np.nan if v is None else v for v in doc["models"][name]["scores"]] for name in models], dtype=float)[:, order].T.ravel()
        keep = labels_ != None  # noqa: E711 (element-wise)
        parts.append(
            pd.DataFrame(
                {
                    "video_id": doc["video_id"],
                    "run_id": doc["_id"],
                    "model": np.tile(np.array(models, dtype=object), n)[keep],
                    "frame": np.repeat(np.asarray(doc["frames"], dtype=np.int64)[order], m)[keep],
                    "time_s": np.repeat(np.asarray(doc["time_s"], dtype=float)[order], m)[keep],
                    "label": labels_[keep],
                    "score": scores[keep],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=TOP1_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    return table.astype({c: "str" for c in ("video_id", "run_id", "model", "label")})


def top1_table(store: Store, run_ids: list[str]) -> pd.DataFrame:
    """Top-1 rows of the given runs, columns :data:`TOP1_COLUMNS`, ordered by run, frame, model.

    Reads each run's compact ``run_top1`` document (written when the run finished); a run
    without one is read from its frames."""
    return compact_to_top1([compact_top1(store, run_id) for run_id in run_ids])


def video_table(store: Store, runs: dict[str, str]) -> pd.DataFrame:
    """One row per selected video: ``video_id, title, channel, views, run_id, random_weights, settings``."""
    rows = []
    for vid, run_id in runs.items():
        video = store.videos.find(vid) or {}
        run = store.runs.find(run_id) or {}
        rows.append(
            {
                "video_id": vid,
                "title": video.get("title"),
                "channel": video.get("channel"),
                "views": effective_views(video),
                "run_id": run_id,
                "random_weights": bool(run.get("random_weights")),
                "settings": run.get("settings", {}),
            }
        )
    return pd.DataFrame(rows, columns=["video_id", "title", "channel", "views", "run_id", "random_weights", "settings"])


# ---------------------------------------------------------------- confidence


def spread_problem(values: np.ndarray | pd.Series, what: str = "frame confidences", resolution: float = CONFIDENCE_RESOLUTION) -> str | None:
    """Why ``values`` (confidences, 0–1) cannot be drawn as a distribution, in plain words, or None
    when they can: fewer than two finite values, or a spread below ``resolution`` (a histogram of
    near-equal values is one needle, and its density axis runs to absurd heights). ``what`` names
    the values in the sentence, in the plural ("frame confidences")."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return f"There are no {what} to draw."
    if data.size == 1:
        return f"There is only one {what.removesuffix('s')} ({data[0]:.3f}), so there is no spread to draw."
    if np.ptp(data) < resolution:
        return f"All {data.size:,} {what} are {data.mean():.3f} to three decimals, so there is no spread to draw."
    return None


@dataclass(frozen=True)
class Bootstrap:
    """Means of ``draws`` samples of ``sample_size`` top-1 scores, drawn with replacement."""

    sample_means: np.ndarray
    """Shape (draws,)."""
    sample_size: int
    mean_of_means: float
    sd: float
    ci_low: float
    ci_high: float
    """2.5th and 97.5th percentiles of the sample means: a 95% interval."""


def bootstrap_means(scores: np.ndarray, sample_size: int = 30, draws: int = 1000, seed: int = 0) -> Bootstrap:
    """Bootstrap the mean top-1 score. Same ``seed`` → same numbers."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        raise AnalysisUnavailable("There are no frames to sample from.")
    if sample_size < 1 or draws < 1:
        raise AnalysisUnavailable("Sample size and number of draws must be at least 1.")
    rng = np.random.default_rng(seed)
    means = rng.choice(scores, size=(draws, sample_size), replace=True).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Bootstrap(means, sample_size, float(means.mean()), float(means.std(ddof=1)) if draws > 1 else 0.0, float(low), float(high))


def confidence_table(top1: pd.DataFrame, sample_size: int = 30, draws: int = 1000, seed: int = 0, threshold: float = DEFAULT_OOD_THRESHOLD) -> pd.DataFrame:
    """Per (video, model): ``frames, mean_top1, mean_of_sample_means, ci_low, ci_high, out_of_domain``."""
    rows = []
    for (vid, model), group in top1.groupby(["video_id", "model"], sort=True):
        boot = bootstrap_means(group["score"].to_numpy(), sample_size, draws, seed)
        mean = float(group["score"].mean())
        rows.append((vid, model, len(group), mean, boot.mean_of_means, boot.ci_low, boot.ci_high, mean < threshold))
    return pd.DataFrame(rows, columns=["video_id", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high", "out_of_domain"])


def confidence_from_summary(summary: pd.DataFrame, threshold: float = DEFAULT_OOD_THRESHOLD) -> pd.DataFrame:
    """:func:`confidence_table` at its default bootstrap (30 × 1000, seed 0) from the per-run
    aggregates (:func:`core.analysis.aggregates.summary_table`), reading no frames."""
    table = summary.sort_values(["video_id", "model"], ignore_index=True)
    table = table[["video_id", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high"]].copy()
    table["out_of_domain"] = table["mean_top1"] < threshold
    return table


# ---------------------------------------------------------------- popular vs unpopular


def split_popularity(videos: pd.DataFrame, threshold: float | None = None) -> tuple[float, pd.DataFrame]:
    """Group videos: ``popular`` when views ≥ threshold (default: the median of the videos' views).

    Returns ``(threshold, videos with a "group" column)``; videos without views get ``no views``.
    """
    known = videos["views"].dropna().astype(float)
    if known.empty:
        raise AnalysisUnavailable("None of the selected videos has a view count. Enter views on the Videos page.")
    if threshold is None:
        threshold = float(known.median())
    out = videos.copy()
    out["group"] = np.where(out["views"].isna(), "no views", np.where(out["views"].astype(float) >= threshold, "popular", "unpopular"))
    return float(threshold), out


def label_counts(top1: pd.DataFrame) -> pd.DataFrame:
    """The label-count table (:data:`COUNT_COLUMNS`) of a top-1 table: what the stored per-run
    aggregates hold (:mod:`core.analysis.aggregates`), computed from frames."""
    counts = top1.groupby(["video_id", "run_id", "model", "label"]).agg(count=("score", "size"), score_sum=("score", "sum")).reset_index()
    return sort_counts(counts[COUNT_COLUMNS])


def regroup(counts: pd.DataFrame) -> pd.DataFrame:
    """A label-count table whose labels were renamed (e.g. to categories) summed again: one row per run, model and label."""
    summed = counts.groupby(["video_id", "run_id", "model", "label"])[["count", "score_sum"]].sum().reset_index()
    return sort_counts(summed[COUNT_COLUMNS])


def sort_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts in one canonical order (run, model, label) with integer counts, whatever made them."""
    counts = counts.astype({"count": "int64", "score_sum": "float64"})
    return counts.sort_values(["run_id", "model", "label"], ignore_index=True)


def group_counts(counts: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Top-1 label counts summed over the videos of each popularity group: ``model, group, label,
    count``. ``counts``: a label-count table; ``groups``: :func:`split_popularity` output."""
    merged = counts.merge(groups[["video_id", "group"]], on="video_id")
    merged = merged[merged["group"].isin(["popular", "unpopular"])]
    table = merged.groupby(["model", "group", "label"])["count"].sum().reset_index()
    return table.sort_values(["model", "group", "label"], ignore_index=True)


def top_features(grouped: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """Per model and group, the ``n`` most frequent top-1 labels: ``model, group, rank, label, count``.

    ``grouped``: :func:`group_counts` output. Ties in count are broken alphabetically, so the table is deterministic.
    """
    counts = grouped.sort_values(["model", "group", "count", "label"], ascending=[True, True, False, True])
    counts = counts.assign(rank=counts.groupby(["model", "group"]).cumcount() + 1)
    return counts[counts["rank"] <= n][["model", "group", "rank", "label", "count"]].reset_index(drop=True)


def lift(grouped: pd.DataFrame, model: str, min_count: int = 1) -> pd.DataFrame:
    """Labels over- or under-represented among popular videos' frames, for one model.

    ``grouped``: :func:`group_counts` output. Columns: ``label, popular, unpopular`` (top-1 frame
    counts), ``popular_share, unpopular_share`` (count / group total) and ``lift`` = smoothed popular
    share ÷ smoothed unpopular share, each count + :data:`LIFT_SMOOTHING`. Sorted by lift, highest
    first; labels seen fewer than ``min_count`` times in total are left out.
    """
    rows = grouped[grouped["model"] == model]
    table = rows.pivot_table(index="label", columns="group", values="count", aggfunc="sum", fill_value=0).reindex(
        columns=["popular", "unpopular"], fill_value=0
    )
    totals = table.sum().reindex(["popular", "unpopular"], fill_value=0)
    table = table[(table["popular"] + table["unpopular"]) >= min_count]
    if totals.min() == 0:
        raise AnalysisUnavailable("Lift needs frames from both popular and unpopular videos. Adjust the threshold or select more videos.")
    labels = len(table)
    out = pd.DataFrame(
        {"label": table.index.astype(str), "popular": table["popular"].to_numpy(dtype="int64"), "unpopular": table["unpopular"].to_numpy(dtype="int64")}
    )
    out["popular_share"] = out["popular"] / totals["popular"]
    out["unpopular_share"] = out["unpopular"] / totals["unpopular"]
    smooth_pop = (out["popular"] + LIFT_SMOOTHING) / (totals["popular"] + LIFT_SMOOTHING * labels)
    smooth_unpop = (out["unpopular"] + LIFT_SMOOTHING) / (totals["unpopular"] + LIFT_SMOOTHING * labels)
    out["lift"] = smooth_pop / smooth_unpop
    return out.sort_values(["lift", "label"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------- labels per video, agreement


def label_frequencies(counts: pd.DataFrame, video_id: str, model: str, weighted: bool = False) -> dict[str, float]:
    """Top-1 label → frame count (or, ``weighted``, summed top-1 score) for one video and model, from a label-count table."""
    rows = counts[(counts["video_id"] == video_id) & (counts["model"] == model)]
    return {str(k): float(v) for k, v in zip(rows["label"], rows["score_sum" if weighted else "count"], strict=True)}


def agreement(top1: pd.DataFrame, model_a: str, model_b: str, top: int = 5) -> pd.DataFrame:
    """Per video: frames both models labelled, the share whose top-1 agree, and the ``top``
    most common disagreements as ``"label a ≠ label b (count)"`` (labels as words)."""
    a = top1[top1["model"] == model_a][["video_id", "frame", "label"]]
    b = top1[top1["model"] == model_b][["video_id", "frame", "label"]]
    both = a.merge(b, on=["video_id", "frame"], suffixes=("_a", "_b"))
    rows = []
    for vid, group in both.groupby("video_id", sort=False):
        same = group["label_a"] == group["label_b"]
        diffs = group[~same].groupby(["label_a", "label_b"]).size().sort_values(ascending=False).head(top)
        rows.append((vid, len(group), float(same.mean()), "; ".join(f"{labels.label(la)} ≠ {labels.label(lb)} ({n})" for (la, lb), n in diffs.items())))
    return pd.DataFrame(rows, columns=["video_id", "frames", "agreement", "top_disagreements"])


def overview_table(summary: pd.DataFrame, frames: dict[str, int], videos: pd.DataFrame, unit: str = "frames") -> pd.DataFrame:
    """One row per video, the key columns first: title, views, group, per model the mean top-1
    confidence (``mean_top1_<model>``) and top-3 labels as words (``top3_<model>``), then frames
    (named ``shots`` for ``unit == "shots"``, when ``frames`` counts shot rows), sampling, channel,
    random_weights, run_id and video_id.

    ``summary``: :func:`core.analysis.aggregates.summary_table` (one row per run and model, its
    ``labels`` most frequent first); ``frames``: run id → frames with a label; ``videos``:
    :func:`video_table` output with a ``group`` column (see :func:`split_popularity`).
    """
    models = sorted(summary["model"].unique())
    by_run = {(r.run_id, r.model): r for r in summary.itertuples()}
    rows = []
    for video in videos.itertuples():
        settings = video.settings or {}
        row: dict[str, Any] = {"title": video.title, "views": video.views, "group": getattr(video, "group", None)}
        for model in models:
            found = by_run.get((video.run_id, model))
            row[f"mean_top1_{model}"] = float(found.mean_top1) if found is not None else None
        for model in models:
            found = by_run.get((video.run_id, model))
            row[f"top3_{model}"] = ", ".join(f"{labels.label(r['label'])} ({r['count']})" for r in found.labels[:3]) if found is not None else None
        row.update(
            {
                ("shots" if unit == "shots" else "frames"): int(frames.get(video.run_id, 0)),
                "sampling": ("every frame" if settings.get("fps") is None else f"{settings['fps']:g} fps")
                + f", trims {settings.get('trim_start_s', 0):g}/{settings.get('trim_end_s', 0):g} s, top-{settings.get('top_k', '?')}",
                "channel": video.channel,
                "random_weights": video.random_weights,
                "run_id": video.run_id,
                "video_id": video.video_id,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)
