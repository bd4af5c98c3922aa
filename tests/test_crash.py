"""A worker killed with SIGKILL mid-job: the job returns to the queue after its lease and another
worker finishes it with every frame stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, load_settings
from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import ingest
from core.worker import Worker
from tests.media import write_clip

LEASE_S = 3


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_sigkilled_worker_loses_nothing(store, settings, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    clip = write_clip(tmp_path / "long.mp4", n_frames=120, fps=10)
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=None, models=("resnet50",)))

    child_env = {**os.environ, **env, "REELSIGHT_LEASE_S": str(LEASE_S), "REELSIGHT_BATCH_SIZE": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "core", "worker"], cwd=PROJECT_ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: store.db["frames"].count_documents({"run_id": run_id}) >= 6, 180, "the first worker to store frames")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    stored_before = store.db["frames"].count_documents({"run_id": run_id})
    job = jobs.get_job(store, job_id)
    assert job["state"] == "running" and job["attempts"] == 1
    assert 6 <= stored_before < 120, "the kill should land mid-job"

    # No heartbeat any more: once the lease has run out, a new worker reaps and resumes the job.
    _wait(lambda: jobs.get_job(store, job_id)["lease_until"] < jobs.utcnow(), 2 * LEASE_S + 5, "the lease to expire")
    monkeypatch.setenv("REELSIGHT_LEASE_S", str(LEASE_S))
    assert Worker(store, load_settings(), worker_id="rescuer").run(burst=True) == 2  # the analysis, then its browser copy (MPEG-4 Part 2 clip)

    job = jobs.get_job(store, job_id)
    assert job["state"] == "done" and job["attempts"] == 2 and job["worker_id"] == "rescuer"
    frames = [d["frame"] for d in store.db["frames"].find({"run_id": run_id}, {"frame": 1}, sort=[("frame", 1)])]
    assert frames == list(range(120)), "every frame exactly once"
    assert store.db["thumbs"].count_documents({"run_id": run_id}) == 120
    assert store.db["runs"].find_one({"_id": run_id})["n_frames"] == 120
    resumed = [r.getMessage() for r in caplog.records if "already stored" in r.getMessage()]
    assert resumed and f"{stored_before} already stored" in resumed[0], "the rescuer must skip stored frames, not redo them"


@pytest.mark.slow
def test_sigterm_hands_the_job_back_without_using_an_attempt(store, settings, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = write_clip(tmp_path / "long.mp4", n_frames=120, fps=10)
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=None, models=("resnet50",)))
    child_env = {**os.environ, **env, "REELSIGHT_BATCH_SIZE": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "core", "worker"], cwd=PROJECT_ROOT, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: store.db["frames"].count_documents({"run_id": run_id}) >= 4, 180, "the worker to store frames")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    job = jobs.get_job(store, job_id)
    assert job["state"] == "queued" and job["attempts"] == 0 and job["worker_id"] is None
    assert 4 <= store.db["frames"].count_documents({"run_id": run_id}) < 120
    assert store.db["workers"].find_one({})["state"] == "stopped"
    Worker(store, settings, worker_id="next").run(burst=True)
    assert jobs.get_job(store, job_id)["state"] == "done"
    assert [d["frame"] for d in store.db["frames"].find({"run_id": run_id}, {"frame": 1}, sort=[("frame", 1)])] == list(range(120))
