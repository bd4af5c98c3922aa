"""What a YouTube-8M model was tested on, and its metrics in both readings (numpy only).

The official figures follow google/youtube-8m's ``eval_util.py`` (see :mod:`core.yt8m.metrics`):
every ground-truth label and every test video counts, including labels of classes the model was
never trained on, which it cannot predict. The ``in_vocabulary`` reading restricts the test labels
to the trained classes; it is shown second and labelled as such. :data:`DEFINITIONS` says in one
sentence which definition each number follows; ``metrics.json`` and the page carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.yt8m import metrics as mm

GAP_TOP_K = 20
SMALL_TEST = 100
"""Below this many test videos the page and the CLI warn that the metrics are unstable."""
OFFICIAL_KEYS = ("map", "gap", "hit_at_1", "perr")
DEFINITIONS = {
    "gap": (
        "GAP@20 as google/youtube-8m eval_util.calculate_gap: each test video's 20 best-scored classes pooled and ranked by score, "
        "one average precision over the pool whose denominator is every ground-truth label of the test videos, including labels of classes the model was not trained on "
        "(it gives them no score, so they are never among a video's best-scored classes)."
    ),
    "perr": (
        "Precision at equal recall rate as eval_util.calculate_precision_at_equal_recall_rate: for each test video with n ground-truth labels (all of them), "
        "the share of its n best-scored classes that are among its labels, averaged over every test video."
    ),
    "map": (
        "Mean, over every class with a positive among the test videos, of its average precision over all test videos (as scikit-learn's); "
        "classes the model was not trained on count 0. The starter code instead ranks only each video's top 20 and averages over the whole vocabulary."
    ),
    "hit_at_1": "Share of test videos whose best-scored class is one of their labels (eval_util.calculate_hit_at_one).",
    "in_vocabulary": (
        "A second reading, not the official one: the same metrics with the test labels restricted to the classes the model was trained on, "
        "and PERR averaged only over the videos that have such a label. It is higher than the official figures when test videos have labels the model never saw."
    ),
}
"""One sentence per reported metric, written to ``metrics.json`` and shown on the page."""


def evaluate(scores: np.ndarray, labels: np.ndarray, unscored: np.ndarray, threshold: float) -> tuple[dict[str, Any], pd.DataFrame]:
    """Benchmark metrics (see :data:`DEFINITIONS`) and the per-class table (columns support, ap, precision, recall, f1).

    ``scores`` and ``labels`` are test videos × scored classes; ``unscored`` is test videos × the
    other classes that test videos have (0/1): labels the model cannot predict, which the official
    figures count and the ``in_vocabulary`` reading leaves out."""
    n_labels = labels.sum(axis=1, dtype=np.int64) + unscored.sum(axis=1, dtype=np.int64)
    metrics: dict[str, Any] = {
        "map": mm.mean_average_precision(scores, labels, unscored_classes=int((unscored.sum(axis=0) > 0).sum())),
        "gap": mm.gap(scores, labels, GAP_TOP_K, num_positives=int(n_labels.sum())),
        "hit_at_1": mm.hit_at_one(scores, labels),
        "perr": mm.perr(scores, labels, n_labels),
        "n_test_labels": int(n_labels.sum()),
        "n_test_labels_unscored": int(unscored.sum()),
        "n_test_classes_unscored": int((unscored.sum(axis=0) > 0).sum()),
        "in_vocabulary": {
            "map": mm.mean_average_precision(scores, labels),
            "gap": mm.gap(scores, labels, GAP_TOP_K),
            "perr": mm.perr(scores, labels, every_video=False),
            "n_labels": int(labels.sum()),
            "n_videos_with_label": int((labels.sum(axis=1) > 0).sum()),
        },
    }
    return metrics, mm.per_class_table(scores, labels, threshold)


def unscored_matrix(test: dict[str, np.ndarray]) -> np.ndarray:
    """Test videos × distinct unscored classes (0/1) from the stored ``unscored_video`` and ``unscored_class`` pairs."""
    videos, classes = test.get("unscored_video", np.zeros(0, int)), test.get("unscored_class", np.zeros(0, int))
    columns, position = np.unique(classes, return_inverse=True)
    matrix = np.zeros((len(test["ids"]), len(columns)), dtype=np.uint8)
    matrix[videos.astype(int), position] = 1
    return matrix


def describe_test_set(dataset: dict[str, Any], test: dict[str, Any] | None, split_share: float, n_videos: int) -> dict[str, Any]:
    """What the model was tested on, for the model document and ``metrics.json``: ``kind``
    (``held-out dataset`` or ``split``), ``dataset_id``, ``dataset_name``, ``files`` (names),
    ``n_videos``, and for a split its ``share`` (``split_share``)."""
    source = test or dataset
    doc = {
        "kind": "held-out dataset" if test else "split",
        "dataset_id": source["_id"],
        "dataset_name": source["name"],
        "files": [Path(p).name for p in source["records"]],
        "n_videos": n_videos,
    }
    if not test:
        doc["share"] = split_share
    return doc


def test_set_text(test_set: dict[str, Any] | None) -> str:
    """One line naming the test set, e.g. ``284 videos of validate0001.tfrecord (held-out dataset …)``."""
    if not test_set:
        return "The test split of the training records."
    files = ", ".join(test_set["files"][:3]) + (f" and {len(test_set['files']) - 3} more" if len(test_set["files"]) > 3 else "")
    n = f"{test_set['n_videos']:,} video{'s' if test_set['n_videos'] != 1 else ''}"
    if test_set["kind"] == "split":
        return f"{n}: the {test_set['share']:.0%} test split of {files} (dataset {test_set['dataset_id']}), never trained on."
    return f"{n} of {files}: held-out dataset {test_set['dataset_id']} ({test_set['dataset_name']})."


def small_test_warning(n_test: int | None) -> str | None:
    """A warning when fewer than :data:`SMALL_TEST` videos were tested, else None."""
    if n_test is None or n_test >= SMALL_TEST:
        return None
    return (
        f"Only {n_test} test video{'s' if n_test != 1 else ''}: with fewer than {SMALL_TEST}, these metrics can change a lot with another split "
        "or another test file. Test on a larger held-out dataset (e.g. a whole validation TFRecord) before relying on them."
    )


def readings(doc: dict[str, Any]) -> dict[str, Any]:
    """The model's metrics in the ``metrics.json`` layout: official :data:`OFFICIAL_KEYS`,
    ``in_vocabulary``, counts, ``test_set`` and ``definitions``. A model trained before the
    official definitions has only the in-vocabulary figures (official GAP, PERR and mAP are None)."""
    m = dict(doc["metrics"])
    if "in_vocabulary" not in m:  # stored before the official definitions
        m["in_vocabulary"] = {k: m.pop(k) for k in ("map", "gap", "perr")} | {"n_labels": None, "n_videos_with_label": None}
        m |= {"map": None, "gap": None, "perr": None}
    counts = ("n_train", "n_val", "n_test", "n_classes", "n_test_labels", "n_test_labels_unscored", "n_test_classes_unscored")
    return (
        {k: m.get(k) for k in OFFICIAL_KEYS}
        | {"in_vocabulary": m["in_vocabulary"]}
        | {k: m.get(k) for k in counts}
        | {"test_set": doc.get("test_set"), "small_test_warning": small_test_warning(m.get("n_test")), "definitions": DEFINITIONS}
    )
