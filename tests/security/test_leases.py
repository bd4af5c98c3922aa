"""Issue 14, item 11: a job held by a dead worker's lease is explained, with the time it frees up,
by ``jobs``, by a ``--burst`` worker that finds nothing to do, and on the Jobs page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core import jobs
from core.store import utcnow
from tests.test_cli import cli
from tests.test_pages import open_page


def _dead_workers_job(store, lease_s: float = 60.0, silent_s: float = 40.0) -> tuple[str, dt.datetime]:
    """A job claimed by a worker that was killed ``silent_s`` ago; returns its id and lease end."""
    job_id = jobs.enqueue(store, "analyze", {"video_id": "v1", "run_id": "r1"})
    claimed = jobs.claim(store, "gpu-box-4242", lease_s)
    assert claimed and claimed["_id"] == job_id
    last_beat = utcnow() - dt.timedelta(seconds=silent_s)
    store.workers.save("gpu-box-4242", state="busy", job_id=job_id, last_seen=last_beat, started_at=last_beat)
    return job_id, claimed["lease_until"]


def test_a_quiet_workers_job_says_when_its_lease_expires(store, settings) -> None:
    job_id, until = _dead_workers_job(store)
    live_id = jobs.enqueue(store, "analyze", {"video_id": "v2", "run_id": "r2"})
    jobs.claim(store, "alive-1", 60.0)
    store.workers.save("alive-1", state="busy", job_id=live_id, last_seen=utcnow(), started_at=utcnow())
    notes = jobs.lease_waits(store, 60.0)
    assert list(notes) == [job_id]  # the live worker's job is just running
    assert f"to expire at {until:%H:%M:%S} UTC" in notes[job_id] and "no heartbeat for 40 s" in notes[job_id]


def test_jobs_and_a_burst_worker_explain_the_wait(store, settings, env) -> None:
    job_id, until = _dead_workers_job(store)
    listing = cli("jobs", env=env)
    assert listing.returncode == 0, listing.stderr
    assert re.search(rf"job {job_id}: Waiting for the lease of worker gpu-box-4242 to expire at {until:%H:%M:%S} UTC \(in \d+ s\)", listing.stdout)
    burst = cli("worker", "--burst", "--no-measure", env=env)
    assert burst.returncode == 0, burst.stderr
    assert "0 job(s) processed" in burst.stderr and f"job {job_id}: Waiting for the lease" in burst.stderr


@pytest.mark.pages
def test_the_jobs_page_explains_the_wait(store, settings) -> None:
    job_id, until = _dead_workers_job(store)
    at = open_page("pages/jobs.py")
    captions = [c.value for c in at.caption]
    assert any(f"to expire at {until:%H:%M:%S} UTC" in c and "a running worker" in c for c in captions), captions
