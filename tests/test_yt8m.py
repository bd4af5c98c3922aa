"""YouTube-8M: the metrics against scikit-learn, hand computation and a transcription of the
starter code's eval_util.py, exports that reproduce them, the real shard's import, training on
generated records whose labels follow their features (tested on a split or a held-out file), bad
inputs, and the page."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from core.config import PROJECT_ROOT, load_settings
from core.store.database import open_store
from core.yt8m import evaluation
from core.yt8m import metrics as mm
from core.yt8m import train as yt8m_train
from dashboard.text import plain
from tests.test_pages import button, open_page, texts
from tests.yt8m_records import LEARNABLE_CLASSES, write_learnable, write_record


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)


def last_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    return result.stderr.strip().splitlines()[-1]


# ---------------------------------------------------------------- metrics


def test_average_precision_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.random(60) < 0.3
        scores = np.round(rng.random(60), 1)  # many ties
        assert mm.average_precision(scores, labels) == pytest.approx(average_precision_score(labels, scores))
    scores, labels = rng.random((40, 5)), rng.random((40, 5)) < 0.4
    labels[:, 4] = False  # a class without positives is left out of the mean
    expected = np.mean([average_precision_score(labels[:, c], scores[:, c]) for c in range(4)])
    assert mm.mean_average_precision(scores, labels) == pytest.approx(expected)


def test_gap_hit_at_one_and_perr_by_hand() -> None:
    scores = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.6]])
    labels = np.array([[1, 1, 0], [1, 0, 1]])
    # Top-2 pooled: 0.9 (hit), 0.8 (hit), 0.7 (miss), 0.6 (hit); 4 positives in all.
    assert mm.gap(scores, labels, top_k=2) == pytest.approx((1 + 1 + 3 / 4) / 4)
    # Video 1's positive class 0 lies outside its top 2 but still counts in the denominator.
    assert mm.hit_at_one(scores, labels) == 0.5
    assert mm.perr(scores, labels) == pytest.approx((2 / 2 + 1 / 2) / 2)
    table = mm.per_class_table(scores, labels, threshold=0.5)
    assert table["support"].tolist() == [2, 1, 1]
    assert table.loc[0, "precision"] == 1.0 and table.loc[0, "recall"] == 0.5
    assert table.loc[1, "precision"] == 0.5 and table.loc[2, "f1"] == 1.0


# A direct transcription of google/youtube-8m's eval_util.py and average_precision_calculator.py
# (numpy, Python 3), to check the product's official figures independently.


def _eu_top_k_triplets(predictions: np.ndarray, labels: np.ndarray, k: int) -> list[tuple]:
    k = min(k, len(predictions))
    indices = np.argpartition(predictions, -k)[-k:]
    return [(index, predictions[index], labels[index]) for index in indices]


def _eu_top_k_by_class(predictions: np.ndarray, labels: np.ndarray, k: int) -> tuple[list, list, list]:
    k = min(k, predictions.shape[1])
    num_classes = predictions.shape[1]
    triplets = []
    for video_index in range(predictions.shape[0]):
        triplets.extend(_eu_top_k_triplets(predictions[video_index], labels[video_index], k))
    out_predictions: list[list] = [[] for _ in range(num_classes)]
    out_labels: list[list] = [[] for _ in range(num_classes)]
    for triplet in triplets:
        out_predictions[triplet[0]].append(triplet[1])
        out_labels[triplet[0]].append(triplet[2])
    return out_predictions, out_labels, [np.sum(labels[:, i]) for i in range(num_classes)]


def _apc_ap_at_n(predictions: list, actuals: list, n: int | None, total_num_positives: float) -> float:
    predictions, actuals = np.array(predictions), np.array(actuals)
    random.seed(0)
    shuffled = random.sample(range(len(predictions)), len(predictions))
    predictions, actuals = predictions[shuffled], actuals[shuffled]
    sortidx = sorted(range(len(predictions)), key=lambda k: predictions[k], reverse=True)
    numpos = total_num_positives
    if numpos == 0:
        return 0
    if n is not None:
        numpos = min(numpos, n)
    delta_recall = 1.0 / numpos
    poscount, ap = 0.0, 0.0
    r = len(sortidx) if n is None else min(len(sortidx), n)
    for i in range(r):
        if actuals[sortidx[i]] > 0:
            poscount += 1
            ap += poscount / (i + 1) * delta_recall
    return ap


def eval_util_gap(predictions: np.ndarray, actuals: np.ndarray, top_k: int = 20) -> float:
    """``calculate_gap``: AveragePrecisionCalculator().accumulate(flat top-k, sum(num_positives)).peek_ap_at_n()."""
    sparse_predictions, sparse_labels, num_positives = _eu_top_k_by_class(predictions, actuals, top_k)
    flat_p = [p for per_class in sparse_predictions for p in per_class]
    flat_l = [a for per_class in sparse_labels for a in per_class]
    return _apc_ap_at_n(flat_p, flat_l, None, sum(num_positives))


def eval_util_perr(predictions: np.ndarray, actuals: np.ndarray) -> float:
    """``calculate_precision_at_equal_recall_rate``."""
    aggregated_precision = 0.0
    num_videos = actuals.shape[0]
    for row in np.arange(num_videos):
        num_labels = int(np.sum(actuals[row]))
        top_indices = np.argpartition(predictions[row], -num_labels)[-num_labels:]
        item_precision = 0.0
        for label_index in top_indices:
            if predictions[row][label_index] > 0:
                item_precision += actuals[row][label_index]
        item_precision /= top_indices.size
        aggregated_precision += item_precision
    return aggregated_precision / num_videos


def eval_util_hit_at_one(predictions: np.ndarray, actuals: np.ndarray) -> float:
    return float(np.average(actuals[np.arange(actuals.shape[0]), np.argmax(predictions, 1)]))


def _with_unseen_classes(n_videos: int = 12, n_scored: int = 25, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores and labels over ``n_scored`` trained classes, and 0/1 labels of 3 classes the model
    never saw: video 0 has only unseen labels, video 1 none at all, and no score ties."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.01, 0.99, size=(n_videos, n_scored))
    labels = (rng.random((n_videos, n_scored)) < 0.12).astype(np.uint8)
    labels[np.arange(2, n_videos), rng.integers(0, n_scored, n_videos - 2)] = 1  # every other video has a trained label
    unscored = (rng.random((n_videos, 3)) < 0.4).astype(np.uint8)
    unscored[:, 0] = 0
    unscored[0] = [1, 1, 1]
    unscored[3, 0] = 1
    labels[:2] = 0
    unscored[1] = 0
    return scores, labels, unscored


def test_official_metrics_count_labels_outside_the_trained_classes() -> None:
    scores, labels, unscored = _with_unseen_classes()
    metrics, _ = evaluation.evaluate(scores, labels, unscored, threshold=0.5)
    # The starter code sees every class of the vocabulary: the model gives the classes it never
    # saw a score of 0, so they never reach a video's top 20 (25 trained classes score above 0).
    predictions = np.hstack([scores, np.zeros(unscored.shape)])
    actuals = np.hstack([labels, unscored]).astype(float)
    assert metrics["gap"] == pytest.approx(eval_util_gap(predictions, actuals, 20), rel=1e-12)
    assert metrics["perr"] == pytest.approx(eval_util_perr(predictions, actuals), rel=1e-12)
    assert metrics["hit_at_1"] == pytest.approx(eval_util_hit_at_one(predictions, actuals), rel=1e-12)
    with_positive = [c for c in range(actuals.shape[1]) if actuals[:, c].any()]
    aps = [average_precision_score(actuals[:, c], predictions[:, c]) if c < scores.shape[1] else 0.0 for c in with_positive]
    assert metrics["map"] == pytest.approx(np.mean(aps), rel=1e-12)
    assert metrics["n_test_labels"] == actuals.sum() and metrics["n_test_labels_unscored"] == unscored.sum() > 0
    assert metrics["n_test_classes_unscored"] == 3

    # The in-vocabulary reading is what the product reported before: labels of trained classes
    # only, and PERR over the videos that have one.
    iv = metrics["in_vocabulary"]
    assert iv["gap"] == pytest.approx(eval_util_gap(scores, labels.astype(float), 20), rel=1e-12)
    labelled = labels.sum(axis=1) > 0
    assert iv["perr"] == pytest.approx(eval_util_perr(scores[labelled], labels[labelled].astype(float)), rel=1e-12)
    assert iv["n_videos_with_label"] == labelled.sum() == len(labels) - 2
    assert metrics["gap"] < iv["gap"] and metrics["perr"] < iv["perr"] and metrics["map"] < iv["map"]


def test_perr_counts_every_video_and_all_its_labels() -> None:
    scores = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.6], [0.5, 0.4, 0.3]])
    labels = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0]])
    # Video 0 has 2 more labels the model cannot score: its top 3 hold 1 of its 3 labels. Video 2
    # has none: the starter code counts it as 0.
    assert mm.perr(scores, labels, n_labels=[3, 2, 0]) == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert mm.perr(scores, labels, every_video=False) == pytest.approx((1 + 1) / 2)
    assert mm.gap(scores, labels, top_k=1, num_positives=5) == pytest.approx((1 + 2 / 2) / 5)


def test_settings_allow_no_test_share_only_with_a_held_out_dataset() -> None:
    from core.errors import YT8MError

    with pytest.raises(YT8MError, match="or choose a held-out test dataset"):
        yt8m_train.YT8MSettings(split=(0.85, 0.15, 0.0))
    assert yt8m_train.YT8MSettings(split=(0.85, 0.15, 0.0), test_dataset="abc").test_dataset == "abc"


def test_small_test_sets_are_flagged_with_their_count() -> None:
    assert "Only 43 test videos" in evaluation.small_test_warning(43)
    assert evaluation.small_test_warning(evaluation.SMALL_TEST) is None


def test_models_stored_before_the_official_definitions_read_as_in_vocabulary() -> None:
    doc = {"metrics": {"map": 0.5, "gap": 0.4, "hit_at_1": 0.6, "perr": 0.3, "n_train": 200, "n_val": 40, "n_test": 44, "n_classes": 5}, "settings": {}}
    m = evaluation.readings(doc)
    assert (m["gap"], m["perr"], m["map"], m["hit_at_1"]) == (None, None, None, 0.6)
    assert m["in_vocabulary"]["gap"] == 0.4 and m["in_vocabulary"]["perr"] == 0.3
    assert "Only 44 test videos" in m["small_test_warning"]


def _stored_model(store, tmp_path: Path, scores: np.ndarray, labels: np.ndarray, unscored: list[tuple[int, int]], classes: list[int]) -> dict:
    """A model document with its test blob, as :func:`core.yt8m.train._train` stores them."""
    ids = np.array([f"v{i:03d}" for i in range(len(scores))])
    stored = {"ids": ids, "unscored_video": np.array([v for v, _ in unscored], np.int32), "unscored_class": np.array([c for _, c in unscored], np.int64)}
    metrics, per_class = evaluation.evaluate(scores, labels, evaluation.unscored_matrix(stored), 0.5)
    per_class.insert(0, "name", [str(c) for c in classes])
    per_class.insert(0, "class_index", classes)
    metrics.update(n_train=100, n_val=20, n_test=len(ids), n_classes=len(classes))
    path = tmp_path / "test_predictions.npz"
    np.savez_compressed(path, scores=scores, labels=labels, classes=np.array(classes), **stored)
    doc = {
        "_id": "m1",
        "dataset": "d1",
        "name": "hand-built",
        "settings": yt8m_train.YT8MSettings().to_doc(),
        "test_set": evaluation.describe_test_set({"_id": "d1", "name": "d", "records": ["/x/train0000.tfrecord"]}, None, 0.15, len(ids)),
        "metrics": yt8m_train._finite(metrics),
        "per_class": [{k: yt8m_train._finite(v) for k, v in row.items()} for row in per_class.to_dict("records")],
        "test_blob": store.blobs.put_file(path, "test_predictions.npz"),
    }
    store.yt8m_models.insert(doc)
    return doc


def test_predictions_csv_reproduces_the_reported_map_exactly(store, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    scores = rng.uniform(0.05, 0.95, size=(30, 4)).astype(np.float32)
    labels = (rng.random((30, 4)) < 0.3).astype(np.uint8)
    # Scores 1e-7 apart: rounded to 6 decimals they tie, and the tie changes class 0's AP.
    scores[:2, 0] = np.float32(0.9700001), np.float32(0.9700002)
    labels[:2, 0] = 0, 1
    classes = [3, 7, 22, 40]
    doc = _stored_model(store, tmp_path, scores, labels, [(0, 99), (5, 99), (6, 12)], classes)
    out = tmp_path / "out"
    yt8m_train.write_outputs(store, doc, out)
    reported = json.loads((out / "metrics.json").read_text())

    table = pd.read_csv(out / "predictions.csv", dtype={"score": np.float32})
    assert len(table) == 30 * 4 + 3 and table["score"].isna().sum() == 3
    scored = table.dropna(subset=["score"])
    order = pd.unique(scored["class_index"])
    csv_scores = scored.pivot(index="video_id", columns="class_index", values="score")[order].to_numpy()
    csv_labels = scored.pivot(index="video_id", columns="class_index", values="label")[order].to_numpy()
    np.testing.assert_array_equal(csv_scores, scores)
    unscored_classes = table[table["score"].isna()]["class_index"].nunique()
    assert mm.mean_average_precision(csv_scores, csv_labels, unscored_classes=unscored_classes) == reported["map"]
    assert mm.mean_average_precision(csv_scores, csv_labels) == reported["in_vocabulary"]["map"]
    n_labels = table.groupby("video_id", sort=True)["label"].sum().to_numpy()
    assert mm.gap(csv_scores, csv_labels, 20, num_positives=int(n_labels.sum())) == reported["gap"]
    assert mm.perr(csv_scores, csv_labels, n_labels) == reported["perr"]
    rounded = mm.mean_average_precision(csv_scores.round(6), csv_labels, unscored_classes=unscored_classes)
    assert rounded != reported["map"]  # what the 6-decimal export gave

    assert set(reported) >= {"map", "gap", "hit_at_1", "perr", "in_vocabulary", "definitions", "test_set", "n_test_labels"}
    assert set(reported["definitions"]) == {"map", "gap", "hit_at_1", "perr", "in_vocabulary"}
    assert reported["test_set"]["kind"] == "split" and reported["test_set"]["files"] == ["train0000.tfrecord"]
    assert reported["n_test_labels_unscored"] == 3 and reported["n_test_classes_unscored"] == 2


def test_curves_and_confusion() -> None:
    scores = np.array([0.9, 0.8, 0.4, 0.3])
    labels = np.array([1, 0, 1, 0])
    roc = mm.roc_curve(scores, labels)
    assert roc[["fpr", "tpr"]].values.tolist() == [[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]
    pr = mm.pr_curve(scores, labels)
    assert pr["precision"].tolist() == [1.0, 0.5, 2 / 3, 0.5]
    matrix = mm.top_class_confusion(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([[1, 0], [1, 1], [0, 1]]), np.array([0, 1]))
    assert matrix.tolist() == [[1, 1], [1, 1]]


# ---------------------------------------------------------------- import


@pytest.mark.slow
def test_real_shard_imports_with_label_names(env, shared_data: Path) -> None:
    folder = shared_data / "youtube8m"
    result = cli("yt8m", "import", "--records", str(folder / "validate0000.tfrecord"), "--vocabulary", str(folder / "vocabulary.csv"), env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "videos: 284"
    store = open_store(load_settings())
    dataset = store.db["yt8m_datasets"].find_one({"_id": lines[-1]})
    stats = dataset["stats"]
    assert sum(stats["labels_per_video"].values()) == 284 and stats["unknown"]["records"] == 0
    assert store.db["yt8m_videos"].count_documents({"dataset": dataset["_id"]}) == 284
    assert "Game (0)" in lines[3]  # the most frequent label, named from the vocabulary
    from core.yt8m import dataset as yt8m

    table = yt8m.counts_table(dataset)
    assert not table["name"].eq("(not in the vocabulary)").any()
    assert table["videos"].sum() == sum(int(k) * v for k, v in stats["labels_per_video"].items())
    total, videos = yt8m.filter_videos(store, dataset, "Games")
    assert total == dataset["stats"]["vertical_counts"]["Games"] == len(videos)
    games = {name for name, vertical in zip(dataset["vocabulary"]["name"], dataset["vocabulary"]["vertical"]) if vertical == "Games"}
    assert all(games & set(labels.split(", ")) for labels in videos["labels"])


# ---------------------------------------------------------------- training


@pytest.mark.slow
@pytest.mark.training
def test_model_learns_labels_that_follow_the_features(env, tmp_path: Path, shared_data: Path) -> None:
    records = write_learnable(tmp_path / "train0000.tfrecord", n=600)
    out = tmp_path / "out"
    result = cli(
        "yt8m",
        "train",
        "--records",
        str(tmp_path / "*.tfrecord"),
        "--vocabulary",
        str(shared_data / "youtube8m" / "vocabulary.csv"),
        "--epochs",
        "8",
        "--hidden",
        "64",
        "--out",
        str(out),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"map", "gap", "hit_at_1", "perr", "n_train", "n_test", "n_classes"} <= set(metrics)
    assert metrics["n_classes"] == len(LEARNABLE_CLASSES) and metrics["n_train"] + metrics["n_val"] + metrics["n_test"] == 600
    # Each class is present in about 40% of videos, so scores unrelated to the features give an AP
    # near 0.4; the labels are a linear function of the features plus noise, so a model that learns
    # must rank far better than that.
    assert metrics["map"] > 0.9 and metrics["gap"] > 0.85 and metrics["hit_at_1"] > 0.9
    per_class = pd.read_csv(out / "per_class.csv")
    assert list(per_class.columns) == ["class_index", "name", "support", "ap", "precision", "recall", "f1"]
    assert set(per_class["class_index"]) == set(LEARNABLE_CLASSES) and "Cooking" in set(per_class["name"])
    predictions = pd.read_csv(out / "predictions.csv")
    assert list(predictions.columns) == ["video_id", "class_index", "score", "label"]
    assert len(predictions) == metrics["n_test"] * metrics["n_classes"]
    assert records.exists()

    cooking = cli(
        "yt8m",
        "train",
        "--records",
        str(records),
        "--vocabulary",
        str(shared_data / "youtube8m" / "vocabulary.csv"),
        "--category",
        "Cooking",
        "--features",
        "rgb",
        "--epochs",
        "2",
        "--out",
        str(tmp_path / "cooking"),
        env=env,
    )
    assert cooking.returncode == 0, cooking.stderr
    cooking_metrics = json.loads((tmp_path / "cooking" / "metrics.json").read_text())
    assert cooking_metrics["n_train"] + cooking_metrics["n_test"] < 600  # only videos labelled Cooking (index 22)
    assert pd.read_csv(tmp_path / "cooking" / "predictions.csv").query("class_index == 22")["label"].eq(1).all()


@pytest.mark.slow
@pytest.mark.training
def test_cli_tests_on_a_held_out_file_with_labels_the_model_never_saw(env, tmp_path: Path, shared_data: Path) -> None:
    vocab = str(shared_data / "youtube8m" / "vocabulary.csv")
    write_learnable(tmp_path / "train0000.tfrecord", n=300)
    held_out = write_learnable(tmp_path / "validate0001.tfrecord", n=60, sample_seed=1, unseen_label=99, prefix="h")  # 99: Violin, never trained on
    out = tmp_path / "out"
    args = ("yt8m", "train", "--records", str(tmp_path / "train0000.tfrecord"), "--vocabulary", vocab, "--hidden", "64")
    result = cli(*args, "--epochs", "4", "--test-records", str(held_out), "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    test_set = metrics["test_set"]
    assert test_set["kind"] == "held-out dataset" and test_set["files"] == ["validate0001.tfrecord"] and test_set["n_videos"] == 60 == metrics["n_test"]
    assert metrics["n_train"] + metrics["n_val"] == 300  # the training file's test share trains too
    assert metrics["n_test_labels_unscored"] == 20 and metrics["n_test_classes_unscored"] == 1
    assert metrics["settings"]["test_dataset"] == test_set["dataset_id"]
    assert "validate0001.tfrecord" in result.stderr and "held-out dataset" in result.stderr
    assert "warning: Only 60 test videos" in result.stderr

    # The official figures, recomputed from predictions.csv by the transcription of eval_util.py.
    table = pd.read_csv(out / "predictions.csv", dtype={"score": np.float32})
    assert len(table) == 60 * len(LEARNABLE_CLASSES) + 20
    wide = table.pivot(index="video_id", columns="class_index", values="score").fillna(0.0)
    truth = table.pivot(index="video_id", columns="class_index", values="label").fillna(0)
    assert set(wide.columns) == {*LEARNABLE_CLASSES, 99}
    predictions, actuals = wide.to_numpy(np.float64), truth.to_numpy(np.float64)
    # With 5 trained classes a video's top 20 is its 5 scored classes; the unscored class 99
    # (score 0 here) must not enter it, as it would in eval_util's top min(20, 6).
    assert metrics["gap"] == pytest.approx(eval_util_gap(predictions, actuals, len(LEARNABLE_CLASSES)), rel=1e-6)
    assert metrics["perr"] == pytest.approx(eval_util_perr(predictions, actuals), rel=1e-6)
    assert metrics["hit_at_1"] == pytest.approx(eval_util_hit_at_one(predictions, actuals), rel=1e-6)
    iv = metrics["in_vocabulary"]
    assert metrics["gap"] < iv["gap"] and metrics["perr"] < iv["perr"] and metrics["map"] < iv["map"]
    assert iv["map"] > 0.9  # the model learned the trained classes: only the unseen label lowers the official figures

    again = cli(*args, "--epochs", "1", "--test-dataset", test_set["dataset_id"], "--out", str(tmp_path / "again"), env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / "metrics.json").read_text())["test_set"]["dataset_id"] == test_set["dataset_id"]
    assert "YouTube-8M dataset nosuch does not exist" in last_error(cli(*args, "--test-dataset", "nosuch", "--out", str(tmp_path / "o"), env=env))


# ---------------------------------------------------------------- bad input


@pytest.mark.slow
def test_bad_inputs_name_the_file(env, tmp_path: Path, shared_data: Path) -> None:
    vocab = shared_data / "youtube8m" / "vocabulary.csv"
    shard = shared_data / "youtube8m" / "validate0000.tfrecord"
    text = tmp_path / "notes.tfrecord"
    text.write_text("this is not a tfrecord\n" * 10)
    assert "notes.tfrecord is not a TFRecord file" in last_error(cli("yt8m", "import", "--records", str(text), "--vocabulary", str(vocab), env=env))
    truncated = tmp_path / "cut.tfrecord"
    truncated.write_bytes(shard.read_bytes()[:50_000])
    assert "cut.tfrecord is not a TFRecord file, or its record" in last_error(
        cli("yt8m", "import", "--records", str(truncated), "--vocabulary", str(vocab), env=env)
    )
    store = open_store(load_settings())
    assert store.db["yt8m_datasets"].count_documents({}) == 0 and store.db["yt8m_videos"].count_documents({}) == 0  # nothing half-imported
    no_audio = write_record(tmp_path / "noaudio.tfrecord", [1], audio_len=None)
    assert "noaudio.tfrecord, record 1: the feature mean_audio is missing" in last_error(
        cli("yt8m", "train", "--records", str(no_audio), "--vocabulary", str(vocab), "--out", str(tmp_path / "o"), env=env)
    )
    short = write_record(tmp_path / "short.tfrecord", [1], rgb_len=10)
    assert "short.tfrecord, record 1: the feature mean_rgb has the wrong length" in last_error(
        cli("yt8m", "train", "--records", str(short), "--vocabulary", str(vocab), "--out", str(tmp_path / "o"), env=env)
    )
    other = tmp_path / "labels.csv"
    other.write_text("id,label\n1,a\n")
    assert last_error(cli("yt8m", "import", "--records", str(shard), "--vocabulary", str(other), env=env)).startswith(
        "error: labels.csv has columns id, label…, not YouTube-8M's"
    )
    small = tmp_path / "small_vocab.csv"
    pd.read_csv(vocab).head(5).to_csv(small, index=False)
    imported = cli("yt8m", "import", "--records", str(shard), "--vocabulary", str(small), env=env)
    assert imported.returncode == 0 and "record(s) use label indices small_vocab.csv does not know" in imported.stderr
    assert "small_vocab.csv does not cover label indices" in last_error(
        cli("yt8m", "train", "--records", str(shard), "--vocabulary", str(small), "--out", str(tmp_path / "o"), env=env)
    )
    learnable = write_learnable(tmp_path / "l.tfrecord", n=20)
    assert "No video in" in last_error(
        cli("yt8m", "train", "--records", str(learnable), "--vocabulary", str(vocab), "--category", "Game", "--out", str(tmp_path / "o"), env=env)
    )
    assert "No TFRecord files match" in last_error(cli("yt8m", "import", "--records", str(tmp_path / "none*.tfrecord"), "--vocabulary", str(vocab), env=env))


# ---------------------------------------------------------------- page


@pytest.mark.pages
def test_page_empty_state(store) -> None:
    at = open_page("pages/yt8m.py")
    assert "No dataset yet" in texts(at)


@pytest.mark.slow
@pytest.mark.pages
@pytest.mark.training
def test_page_imports_filters_trains_and_evaluates_on_a_held_out_file(store, settings, tmp_path: Path, shared_data: Path) -> None:
    from core.worker import Worker

    vocabulary = ("vocabulary.csv", (shared_data / "youtube8m" / "vocabulary.csv").read_bytes(), "text/csv")
    held_out = write_learnable(tmp_path / "validate0001.tfrecord", n=40, sample_seed=1, unseen_label=99, prefix="h")
    records = write_learnable(tmp_path / "r.tfrecord", n=200)
    for path in (held_out, records):  # the held-out file first: the newest dataset is the one shown
        at = open_page("pages/yt8m.py")
        at.file_uploader(key="yt8m.records").set_value([(path.name, path.read_bytes(), "application/octet-stream")])
        at.file_uploader(key="yt8m.vocabulary").set_value(vocabulary)
        button(at, "Import").click()
        at.run()
        assert not at.exception
    assert Worker(store, settings, worker_id="w").run(burst=True) == 2
    held_out_id = next(d["_id"] for d in store.yt8m_datasets.list() if d["stats"]["n_videos"] == 40)

    at = open_page("pages/yt8m.py")
    assert [m.value for m in at.metric][:1] == ["200"]
    at.selectbox(key="yt8m.category").set_value("Cooking")
    at.run()
    assert "videos with Cooking" in texts(at)
    at.number_input[1].set_value(3)  # epochs
    next(c for c in at.checkbox if c.label.startswith("Train only on videos with")).uncheck()  # every video, not only Cooking
    assert "validate0001.tfrecord" in at.selectbox(key="yt8m.test_dataset").format_func(held_out_id)
    at.selectbox(key="yt8m.test_dataset").set_value(held_out_id)
    button(at, "Train").click()
    at.run()
    assert not at.exception
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1

    at = open_page("pages/yt8m.py")
    shown = {m.label: m.value for m in at.metric}
    assert {"mAP", "GAP@20", "Hit@1", "PERR", "In-vocabulary GAP@20", "In-vocabulary PERR"} <= set(shown) and 0 <= float(shown["mAP"]) <= 1
    assert float(shown["GAP@20"]) < float(shown["In-vocabulary GAP@20"])  # 14 labels of Violin, which the model never saw
    assert shown["Test videos"] == "40"
    page = texts(at)
    assert plain("40 videos of validate0001.tfrecord: held-out dataset") in page  # file and dataset names are shown as plain text
    assert "Only 40 test videos" in " ".join(w.value for w in at.warning)
    assert "14 of them of 1 class the model was not trained on" in page
    assert len(at.get("plotly_chart")) >= 5  # verticals, labels, PR, ROC, confusion
    assert {b.label for b in at.get("download_button")} >= {"metrics.json", "per_class.csv", "predictions.csv", "Model (.keras)"}
