"""YouTube-8M: the metrics against scikit-learn and hand computation, the real shard's import,
training on generated records whose labels follow their features, bad inputs, and the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from core.config import PROJECT_ROOT, load_settings
from core.store.database import open_store
from core.yt8m import metrics as mm
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
def test_page_imports_filters_trains_and_evaluates(store, settings, tmp_path: Path, shared_data: Path) -> None:
    from core.worker import Worker

    records = write_learnable(tmp_path / "r.tfrecord", n=200)
    at = open_page("pages/yt8m.py")
    at.file_uploader(key="yt8m.records").set_value([("r.tfrecord", records.read_bytes(), "application/octet-stream")])
    at.file_uploader(key="yt8m.vocabulary").set_value(("vocabulary.csv", (shared_data / "youtube8m" / "vocabulary.csv").read_bytes(), "text/csv"))
    button(at, "Import").click()
    at.run()
    assert not at.exception
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1

    at = open_page("pages/yt8m.py")
    assert [m.value for m in at.metric][:1] == ["200"]
    at.selectbox(key="yt8m.category").set_value("Cooking")
    at.run()
    assert "videos with Cooking" in texts(at)
    at.number_input[1].set_value(3)  # epochs
    button(at, "Train").click()
    at.run()
    assert not at.exception
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1

    at = open_page("pages/yt8m.py")
    shown = {m.label: m.value for m in at.metric}
    assert {"mAP", "GAP@20", "Hit@1", "PERR"} <= set(shown) and 0 <= float(shown["mAP"]) <= 1
    assert len(at.get("plotly_chart")) >= 5  # verticals, labels, PR, ROC, confusion
    assert {b.label for b in at.get("download_button")} >= {"metrics.json", "per_class.csv", "predictions.csv", "Model (.keras)"}
