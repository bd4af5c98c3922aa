"""Multi-label metrics as the YouTube-8M benchmark defines them (numpy only).

Shapes: ``scores`` and ``labels`` are videos × classes (scores in 0–1, labels 0/1), over the
classes the model scores. A test video may also have labels of classes the model was never
trained on: they have no column, but the official figures still count them, through
``num_positives`` (GAP), ``n_labels`` (PERR) and ``unscored_classes`` (mAP).

- :func:`average_precision` equals ``sklearn.metrics.average_precision_score`` (a step function
  over distinct score thresholds: Σ (Rₙ − Rₙ₋₁) Pₙ).
- mAP: the mean AP over classes that have at least one positive (unscored ones count 0).
- GAP@k, as google/youtube-8m's ``eval_util.calculate_gap``: pool every video's top-k (score,
  label) pairs, sort them by score, and compute one AP (``AveragePrecisionCalculator.ap_at_n``
  with ``n=None``) whose denominator is the number of all positive labels, including those
  outside any top-k and those of unscored classes. Unscored classes never enter a top-k (the
  starter code, whose model scores every class, would rank them by their scores instead; the
  two agree whenever k is at most the number of scored classes).
- Hit@1, as ``calculate_hit_at_one``: the share of videos whose best-scored class is a positive.
- PERR, as ``calculate_precision_at_equal_recall_rate``: per video, with n its number of
  ground-truth labels, the share of its n best-scored classes (score above 0) that are positives,
  divided by n, averaged over every video (a video without labels counts 0).

Ties: the starter code shuffles the pool with a fixed seed before sorting it; here tied scores
keep video-then-class order. The two differ only where scores tie exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """AP of one class (NaN when it has no positive)."""
    labels = np.asarray(labels, dtype=bool)
    positives = labels.sum()
    if positives == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=float), kind="mergesort")
    s, y = np.asarray(scores, dtype=float)[order], labels[order]
    tp = np.cumsum(y)
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # thresholds at distinct scores
    tp_at, n_at = tp[last_of_tie], last_of_tie + 1
    precision = tp_at / n_at
    recall = tp_at / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def per_class_ap(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.array([average_precision(scores[:, c], labels[:, c]) for c in range(scores.shape[1])])


def mean_average_precision(scores: np.ndarray, labels: np.ndarray, unscored_classes: int = 0) -> float:
    """Mean AP over the classes with a positive; ``unscored_classes`` more classes that have
    positives but no scores (the model never saw them) count as AP 0. NaN when no class has one."""
    aps = per_class_ap(scores, labels)
    aps = np.r_[aps[np.isfinite(aps)], np.zeros(unscored_classes)]
    return float(aps.mean()) if len(aps) else float("nan")


def gap(scores: np.ndarray, labels: np.ndarray, top_k: int = 20, num_positives: int | None = None) -> float:
    """Global average precision over each video's top-``top_k`` predictions.

    ``num_positives`` is the AP's denominator: every ground-truth label of the videos, including
    those of classes without a column (default: ``labels.sum()``, the in-vocabulary reading)."""
    k = min(top_k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    pooled_scores = np.take_along_axis(scores, top, axis=1).ravel()
    pooled_labels = np.take_along_axis(labels, top, axis=1).ravel().astype(bool)
    positives = labels.sum() if num_positives is None else num_positives
    if positives == 0:
        return float("nan")
    order = np.argsort(-pooled_scores, kind="mergesort")
    hits = pooled_labels[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(np.sum(precision_at * hits) / positives)


def hit_at_one(scores: np.ndarray, labels: np.ndarray) -> float:
    best = scores.argmax(axis=1)
    return float(labels[np.arange(len(scores)), best].mean()) if len(scores) else float("nan")


def perr(scores: np.ndarray, labels: np.ndarray, n_labels: np.ndarray | None = None, every_video: bool = True) -> float:
    """Precision at equal recall rate.

    ``n_labels`` (one per video) is each video's number of ground-truth labels, including those of
    classes without a column (default: the row sums of ``labels``). With ``every_video`` (the
    official definition) a video without labels counts 0; otherwise such videos are left out."""
    n_labels = labels.sum(axis=1) if n_labels is None else np.asarray(n_labels)
    values = []
    for s, y, n in zip(scores, labels, n_labels):
        n = int(n)
        if n:
            top = np.argsort(-s, kind="mergesort")[:n]
            values.append(float(y[top][s[top] > 0].sum()) / n)
        elif every_video:
            values.append(0.0)
    return float(np.mean(values)) if values else float("nan")


def per_class_table(scores: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> pd.DataFrame:
    """Columns support, ap, precision, recall, f1 per class (index = column position)."""
    predicted = scores >= threshold
    truth = labels.astype(bool)
    tp = (predicted & truth).sum(axis=0).astype(float)
    n_pred, support = predicted.sum(axis=0), truth.sum(axis=0)
    precision = np.divide(tp, n_pred, out=np.zeros_like(tp), where=n_pred > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return pd.DataFrame({"support": support.astype(int), "ap": per_class_ap(scores, labels), "precision": precision, "recall": recall, "f1": f1})


def pr_curve(scores: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Precision and recall at each distinct threshold of one class (columns threshold, precision, recall)."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order].astype(bool)
    tp = np.cumsum(y)
    cut = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    positives = max(int(y.sum()), 1)
    return pd.DataFrame({"threshold": s[cut], "precision": tp[cut] / (cut + 1), "recall": tp[cut] / positives})


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """False and true positive rates at each distinct threshold, from (0, 0) (columns threshold, fpr, tpr)."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order].astype(bool)
    tp, fp = np.cumsum(y), np.cumsum(~y)
    cut = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    pos, neg = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    return pd.DataFrame({"threshold": np.r_[np.inf, s[cut]], "fpr": np.r_[0.0, fp[cut] / neg], "tpr": np.r_[0.0, tp[cut] / pos]})


def top_class_confusion(scores: np.ndarray, labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Among the column positions ``classes`` (e.g. the N most frequent): for each video and each of
    its true classes in that set, count the best-scored class of the set. Rows true, columns predicted."""
    sub_scores, sub_labels = scores[:, classes], labels[:, classes].astype(bool)
    predicted = sub_scores.argmax(axis=1)
    matrix = np.zeros((len(classes), len(classes)), dtype=int)
    for video, true_set in enumerate(sub_labels):
        for t in np.flatnonzero(true_set):
            matrix[t, predicted[video]] += 1
    return matrix
