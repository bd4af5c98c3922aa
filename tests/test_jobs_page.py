"""The Jobs page names every kind of job, links to where its results are, and says when it ran."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import ingest
from core.screentime import apply
from core.screentime.apply import ApplySettings, video_source
from core.store import new_id, new_job, utcnow
from core.worker import JobContext, Worker
from dashboard.job_kinds import JOB_KINDS, timing
from dashboard.widgets import duration
from tests.synthetic import add_run, add_video
from tests.test_pages import open_page

pytestmark = pytest.mark.pages


def _finish(store, job_id: str, took_s: float, ago_s: float, done: int = 0, stage: str = "summarize") -> None:
    """Mark a job done: it started ``took_s`` before it finished, ``ago_s`` ago."""
    end = utcnow() - dt.timedelta(seconds=ago_s)
    fields = {"state": "done", "attempts": 1, "started_at": end - dt.timedelta(seconds=took_s), "finished_at": end}
    fields["progress"] = {"stage": stage, "done": done, "total": done or None, "eta_s": None}
    store.db["jobs"].update_one({"_id": job_id}, {"$set": fields})


def _classifier(store, name: str, job_id: str) -> str:
    doc = {"name": name, "classes": [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}], "settings": {"backbone": "resnet50"}, "job_id": job_id}
    doc["created_at"] = utcnow()
    store.classifiers.insert_versioned(doc)
    return doc["_id"]


@pytest.fixture
def every_kind(store) -> dict[str, str]:
    """One finished job of each kind, with what it made."""
    video_id = add_video(store, "synthetic:clip", "Party clip", views=1000, seconds=3.0)
    run_id = add_run(store, video_id, 6, fps=2, source_fps=10, rng=np.random.default_rng(1))
    analyze_job = store.db["jobs"].find_one({"params.run_id": run_id})["_id"]
    _finish(store, analyze_job, took_s=42, ago_s=180, done=6)

    train_job = store.jobs.insert(new_job("train_classifier", {"name": "Faces", "labelset_id": "x"}))
    classifier_id = _classifier(store, "Faces", train_job)
    _finish(store, train_job, took_s=75, ago_s=600, done=0, stage="evaluate")

    st_run = new_id()
    st_doc = {
        "_id": st_run, "classifier_id": classifier_id, "classifier": {"name": "Faces", "version": 1, "random_weights": False},
        "classes": ["cat", "dog"], "source": video_source(store, video_id), "settings": ApplySettings(fps=1.0).to_doc(), "labels": [], "created_at": utcnow(),
    }  # fmt: skip
    st_job = store.screentime_runs.create_with_job(st_doc, new_job("screentime", {"run_id": st_run}))
    store.screentime_runs.set(st_run, finished_at=utcnow())
    _finish(store, st_job, took_s=30, ago_s=120, done=3, stage="save")

    dataset_id = new_id()
    dataset = {"_id": dataset_id, "name": "validation00.tfrecord", "records": [], "vocabulary": {"index": [0], "name": ["Game"], "vertical": ["Games"]}}
    import_job = store.yt8m_datasets.create_with_job({**dataset, "created_at": utcnow()}, new_job("yt8m_import", {"dataset_id": dataset_id}))
    store.yt8m_datasets.set(dataset_id, stats={"n_videos": 2031}, imported_at=utcnow())
    _finish(store, import_job, took_s=9, ago_s=3600, done=2000, stage="import")

    yt8m_train = store.jobs.insert(new_job("yt8m_train", {"dataset_id": dataset_id, "name": "Games", "settings": {}}))
    model_id = store.yt8m_models.insert({"_id": new_id(), "dataset": dataset_id, "name": "Games", "job_id": yt8m_train, "created_at": utcnow()})
    _finish(store, yt8m_train, took_s=3700, ago_s=60, done=0, stage="evaluate")
    return {
        "video_id": video_id, "run_id": run_id, "analyze": analyze_job, "classifier_id": classifier_id, "st_run": st_run,
        "dataset_id": dataset_id, "model_id": model_id,
    }  # fmt: skip


def _cards(at) -> dict[str, str]:
    """Each job's headline, by job id."""
    return {line.split("`")[1]: line for line in (m.value for m in at.markdown) if line.count("`") >= 2}


def test_every_job_kind_has_a_title_a_results_link_and_its_timing(every_kind) -> None:
    at = open_page("pages/jobs.py")
    heads = " | ".join(m.value for m in at.markdown)
    for title in (
        "**Analyze Party clip**",
        "**Train classifier Faces**",
        "**Screen time of Party clip with Faces v1**",
        "**Import YouTube\\-8M validation00\\.tfrecord**",
        "**Train YouTube\\-8M model “Games” on validation00\\.tfrecord**",
    ):
        assert title in heads, heads
    assert "None" not in heads and "queued" not in heads.replace("· done ·", ""), heads  # finished jobs say when they finished
    assert "finished 3 min ago, took 42 s" in heads and "finished 1.0 h ago, took 9 s" in heads and "took 1 h 2 min" in heads

    links = {(link.proto.page, link.proto.query_string) for link in at.get("page_link") if link.proto.label == "Results"}  # page: its URL path
    k = every_kind
    assert links == {
        ("results", f"video={k['video_id']}&run={k['run_id']}"),
        ("screentime", f"st_run={k['st_run']}"),
        ("classifiers", f"classifier={k['classifier_id']}"),
        ("yt8m", f"dataset={k['dataset_id']}"),
        ("yt8m", f"dataset={k['dataset_id']}&yt8m_model={k['model_id']}"),
    }, links
    bars = [p.proto.text for p in at.get("progress")]
    assert "done · 6 frames" in bars and "done · 3 sampled frames" in bars and "done · 2,031 videos" in bars and bars.count("done") == 2, bars


def test_every_kind_the_worker_runs_is_in_the_table() -> None:
    from core.worker import HANDLERS

    assert set(HANDLERS) == set(JOB_KINDS)


def test_a_running_job_says_how_long_it_has_left(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip, title="Clip")
    _, job_id = request_analysis(store, video_id, RunSettings(fps=1))
    jobs.claim(store, "w", settings.lease_s)
    store.db["jobs"].update_one({"_id": job_id}, {"$set": {"progress": {"stage": "classify", "done": 10, "total": 100, "eta_s": 150.0, "rate": 0.6}}})
    at = open_page("pages/jobs.py")
    head = next(m.value for m in at.markdown if job_id in m.value)
    assert "**Analyze Clip**" in head and re.search(r"started \d+ s ago · about 2 min left$", head), head


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0.4, "0 s", id="zero"),
        pytest.param(42, "42 s", id="seconds"),
        pytest.param(59.6, "1 min", id="rounds-up"),
        pytest.param(185, "3 min", id="minutes"),
        pytest.param(3600, "1 h", id="hour"),
        pytest.param(3900, "1 h 5 min", id="hour-minutes"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_cancelled_queued_job_says_when_without_a_duration() -> None:
    job = {"state": "cancelled", "created_at": utcnow(), "finished_at": utcnow() - dt.timedelta(minutes=5)}
    assert timing(job) == "cancelled 5 min ago"


def test_screen_time_job_reports_the_samples_it_classified(store, settings, clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3 s clip at 10 fps sampled at 1 fps: 3 samples, though the annotated video has 30 frames."""
    video_id, _ = ingest.add_file(store, settings, clip, title="Clip")
    train_job = store.jobs.insert(new_job("train_classifier", {"name": "Faces", "labelset_id": "x"}))
    classifier_id = _classifier(store, "Faces", train_job)
    store.db["classifiers"].update_one({"_id": classifier_id}, {"$set": {"settings": {"backbone": "resnet50", "image_size": 32}}})
    monkeypatch.setattr(apply, "load_classifier", lambda store, doc: None)
    monkeypatch.setattr(apply, "predict_probs", lambda model, backbone, pixels: np.tile([[0.9, 0.1]], (len(pixels), 1)).astype("float32"))
    monkeypatch.setattr(apply, "current_plan", lambda batch_size=None: SimpleNamespace(batch_size=2))
    run_id, job_id = apply.request_apply(store, classifier_id, video_source(store, video_id), ApplySettings(fps=1.0, smooth=1, annotate=True))
    worker = Worker(store, settings, worker_id="w")
    ctx = JobContext(worker, jobs.claim(store, "w", settings.lease_s, job_id=job_id))
    apply.run_screentime_job(ctx)
    jobs.finish(store, job_id, "w", "done")
    assert len(apply.get_run(store, run_id)["result"]["frames"]) == 3
    assert jobs.get_job(store, job_id)["progress"]["done"] == 3
    at = open_page("pages/jobs.py")
    assert "done · 3 sampled frames" in [p.proto.text for p in at.get("progress")]
