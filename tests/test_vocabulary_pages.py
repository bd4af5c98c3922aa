"""One vocabulary on the library, jobs, screen-time and dataset pages: every table header, metric,
option and caption a user reads names things as :mod:`core.analysis.labels` does (no raw column
names, model ids or unformatted numbers), on a database that holds something of every kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from core.inference import BACKBONES, MODELS
from core.screentime import APPLY_JOB, classmetrics
from core.screentime import apply as screentime
from core.store import new_id, new_job, utcnow
from core.worker import Worker
from core.yt8m import dataset as yt8m
from core.yt8m import evaluation
from core.yt8m import train as yt8m_train
from tests.synthetic import add_run, add_video
from tests.test_pages import open_page, texts
from tests.yt8m_records import write_learnable

pytestmark = pytest.mark.pages

PAGES = ["pages/videos.py", "pages/jobs.py", "pages/screentime.py", "pages/classifiers.py", "pages/yt8m.py"]
RAW_IDS = sorted({*MODELS, *BACKBONES})
"""Model ids as the registry keys them (``inception_v3``): never shown."""
LONG_DECIMAL = re.compile(r"\d\.\d{4,}")
"""A number with four or more decimals, as ``23.4901``: never shown."""


def _classifier(store) -> str:
    """A trained screen-time classifier document, with the metrics training stores."""
    names = ["neither", "Jerry", "Tom"]
    y_true, y_pred = np.array([0, 1, 2, 1, 2, 0, 1]), np.array([0, 1, 2, 2, 2, 0, 1])
    metrics = classmetrics.evaluate(y_true, y_pred, names)
    doc = {
        "name": "tom-and-jerry", "classes": [{"id": i, "name": n} for i, n in enumerate(names)], "settings": {"backbone": "inception_v3"},
        "weights": "imagenet", "created_at": utcnow(), "metrics": {
            "val_accuracy": metrics["accuracy"], "confusion": metrics["confusion"], "per_class": metrics["per_class"], "best_epoch": 2,
            "history": [{"epoch": e, "stage": "head", "loss": 1 / e, "val_loss": 1.2 / e, "accuracy": 0.5, "val_accuracy": 0.6} for e in (1, 2, 3)],
            "n_train": 1234, "n_val": 7, "class_weights": {n: 1.0 for n in names},
        },
    }  # fmt: skip
    store.classifiers.insert_versioned(doc)
    return doc["_id"]


def _screen_time(store, classifier_id: str, video_id: str) -> str:
    """A finished screen-time run on ``video_id``: 12 samples at 1 fps, Jerry from the fifth."""
    doc = store.classifiers.get(classifier_id)
    run_id = new_id()
    run = {
        "_id": run_id, "classifier_id": classifier_id, "classifier": {"name": doc["name"], "version": doc["version"]},
        "classes": [c["name"] for c in doc["classes"]], "source": screentime.video_source(store, video_id),
        "settings": screentime.ApplySettings(fps=1.0, smooth=3, annotate=False).to_doc(), "labels": [], "created_at": utcnow(),
    }  # fmt: skip
    job_id = store.screentime_runs.create_with_job(run, new_job(APPLY_JOB, {"run_id": run_id}))
    store.jobs.update_in_state(job_id, ("queued",), {"state": "done", "finished_at": utcnow()})
    probs = [[0.8, 0.1, 0.1]] * 4 + [[0.1, 0.8, 0.1]] * 5 + [[0.2, 0.1, 0.7]] * 3
    result = {"frames": list(range(12)), "time_s": [i * 1.000123 for i in range(12)], "probs": probs, "interval_s": 1.000123}
    store.screentime_runs.set(run_id, result=result, duration_s=12.0012, totals={"neither": 4.0001, "Jerry": 5.0002, "Tom": 3.0003}, finished_at=utcnow())
    return run_id


def _yt8m(store, settings, tmp_path: Path, shared_data: Path) -> str:
    """A dataset imported from 40 generated records, with a model and its stored test predictions."""
    records = write_learnable(tmp_path / "train0000.tfrecord", n=40)
    dataset_id, _ = yt8m.request_import(store, [records], shared_data / "youtube8m" / "vocabulary.csv")
    assert Worker(store, settings, worker_id="importer").run(burst=True) == 1
    test = {"ids": np.array([f"v{i:05d}" for i in range(12)]), "unscored_video": np.array([], np.int32), "unscored_class": np.array([], np.int64)}
    rng = np.random.default_rng(2)
    classes = [int(k) for k in store.yt8m_datasets.get(dataset_id)["stats"]["label_counts"]][:4]
    scores, labels = rng.uniform(0.05, 0.95, (12, len(classes))).astype(np.float32), (rng.random((12, len(classes))) < 0.4).astype(np.uint8)
    metrics, per_class = evaluation.evaluate(scores, labels, evaluation.unscored_matrix(test), 0.5)
    per_class.insert(0, "name", [f"class {c}" for c in classes])
    per_class.insert(0, "class_index", classes)
    metrics.update(n_train=1200, n_val=20, n_test=12, n_classes=len(classes))
    path = tmp_path / "test_predictions.npz"
    np.savez_compressed(path, scores=scores, labels=labels, classes=np.array(classes), **test)
    store.yt8m_models.insert(
        {
            "_id": new_id(), "dataset": dataset_id, "name": "rgb model", "created_at": utcnow(), "settings": yt8m_train.YT8MSettings().to_doc(),
            "test_set": evaluation.describe_test_set(store.yt8m_datasets.get(dataset_id), None, 0.15, 12), "metrics": yt8m_train._finite(metrics),
            "per_class": [{k: yt8m_train._finite(v) for k, v in row.items()} for row in per_class.to_dict("records")],
            "test_blob": store.blobs.put_file(path, "test_predictions.npz"),
        }
    )  # fmt: skip
    return dataset_id


@pytest.fixture
def library(store, settings, tmp_path: Path, shared_data: Path) -> dict[str, str]:
    """Something of every kind: a video (23.4901 s, 1,234,567 views) with a run, a live worker, a
    classifier, a screen-time run and a YouTube-8M dataset with a model."""
    dataset_id = _yt8m(store, settings, tmp_path, shared_data)  # first: the worker runs every queued job
    video_id = add_video(store, "synthetic:clip", "Party clip", views=1_234_567, seconds=23.4901)
    add_run(store, video_id, 6, fps=2, source_fps=10, rng=np.random.default_rng(1))
    Worker(store, settings, worker_id="gpu-box-1")._register()
    classifier_id = _classifier(store)
    return {
        "video_id": video_id,
        "classifier_id": classifier_id,
        "st_run": _screen_time(store, classifier_id, video_id),
        "dataset_id": dataset_id,
    }


def headers(frame) -> list[str]:
    """A shown table's column headers as people read them: the column config's label, else the column's name."""
    config = json.loads(frame.proto.columns or "{}")
    return [(config.get(str(c)) or {}).get("label") or str(c) for c in frame.value.columns]


def unformatted_numbers(frame) -> list[str]:
    """Headers of number columns shown without a display format (``23.4901``, ``1234567``)."""
    config = json.loads(frame.proto.columns or "{}")
    numeric = [str(c) for c, dtype in frame.value.dtypes.items() if dtype.kind in "iuf"]
    return [c for c in numeric if not ((config.get(c) or {}).get("type_config") or {}).get("format")]


@pytest.mark.parametrize("page", PAGES)
def test_pages_use_one_vocabulary(library, page: str) -> None:
    at = open_page(page)
    if page == "pages/yt8m.py":
        at.selectbox(key="yt8m.category").set_value(at.selectbox(key="yt8m.category").options[0])
        at.run()
        assert not at.exception
        assert next(m for m in at.multiselect if m.label == "Features").options == ["Mean RGB", "Mean audio"]
    tables = list(at.dataframe)
    assert tables, f"{page}: no table shown"
    for frame in tables:
        shown = headers(frame)
        raw = [h for h in shown if "_" in h or not h[:1].isupper()]
        assert not raw, f"{page}: raw column names {raw} among {shown}"
        assert not unformatted_numbers(frame), f"{page}: numbers without a format in {unformatted_numbers(frame)}"
        for column in ("Model", "Backbone", "Label"):
            if column in shown:
                values = frame.value.iloc[:, shown.index(column)].dropna().astype(str)
                assert not values.str.contains("_").any(), f"{page}: raw {column.lower()}s {list(values)}"
    words = texts(at) + " ".join([*(f"{m.label} {m.value}" for m in at.metric), *(str(o) for s in [*at.selectbox, *at.multiselect] for o in s.options)])
    assert not [m for m in RAW_IDS if m in words], f"{page}: raw model ids shown"
    assert not LONG_DECIMAL.findall(words), f"{page}: unformatted numbers {LONG_DECIMAL.findall(words)}"
