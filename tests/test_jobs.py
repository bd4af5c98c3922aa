"""The job queue: ordering, ownership, leases, reaping, cancel and retry; claims across processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import time
from collections import Counter
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import JobError, NotFoundError
from core.jobs import queue as jobs
from core.store.database import open_store


def test_claim_order_is_priority_then_age(store) -> None:
    first = jobs.enqueue(store, "analyze", {"n": 1})
    urgent = jobs.enqueue(store, "analyze", {"n": 2}, priority=5)
    second = jobs.enqueue(store, "analyze", {"n": 3})
    order = [jobs.claim(store, "w", 60)["_id"] for _ in range(3)]
    assert order == [urgent, first, second]
    assert jobs.claim(store, "w", 60) is None


def test_claimed_job_records_owner_lease_and_attempt(store) -> None:
    job_id = jobs.enqueue(store, "analyze", {})
    job = jobs.claim(store, "w1", 30)
    assert job["_id"] == job_id and job["state"] == "running" and job["worker_id"] == "w1" and job["attempts"] == 1
    assert 25 < (job["lease_until"] - jobs.utcnow()).total_seconds() <= 30


def test_transitions_need_the_lease(store) -> None:
    job_id = jobs.enqueue(store, "analyze", {})
    jobs.claim(store, "w1", 60)
    assert jobs.extend_lease(store, job_id, "intruder", 60) is None
    assert not jobs.finish(store, job_id, "intruder", "done")
    assert jobs.finish(store, job_id, "w1", "done")
    assert jobs.get_job(store, job_id)["state"] == "done"


def _expire(store, job_id: str) -> None:
    store.db["jobs"].update_one({"_id": job_id}, {"$set": {"lease_until": jobs.utcnow() - dt.timedelta(seconds=1)}})


def test_reaper_requeues_then_fails_after_max_attempts(store) -> None:
    job_id = jobs.enqueue(store, "analyze", {}, max_attempts=2)
    jobs.claim(store, "dead1", 60)
    assert jobs.reap_expired(store) == []  # lease still valid
    _expire(store, job_id)
    assert jobs.reap_expired(store) == [job_id]
    job = jobs.get_job(store, job_id)
    assert job["state"] == "queued" and "stopped responding" in job["error"]
    assert jobs.claim(store, "dead2", 60)["attempts"] == 2
    _expire(store, job_id)
    jobs.reap_expired(store)
    job = jobs.get_job(store, job_id)
    assert job["state"] == "failed" and "2 times" in job["error"]
    # the first worker, back from the dead, can no longer touch it
    assert not jobs.finish(store, job_id, "dead1", "done")


def test_requeue_after_crash_until_attempts_run_out(store) -> None:
    job_id = jobs.enqueue(store, "analyze", {}, max_attempts=2)
    jobs.claim(store, "w", 60)
    assert jobs.requeue(store, job_id, "w", "boom")
    assert jobs.get_job(store, job_id)["state"] == "queued"
    jobs.claim(store, "w", 60)
    jobs.requeue(store, job_id, "w", "boom again")
    assert jobs.get_job(store, job_id)["state"] == "failed"


def test_cancel_and_retry(store) -> None:
    queued = jobs.enqueue(store, "analyze", {})
    assert jobs.cancel(store, queued) == "cancelled"
    with pytest.raises(JobError, match="already cancelled"):
        jobs.cancel(store, queued)
    jobs.retry(store, queued)
    job = jobs.get_job(store, queued)
    assert job["state"] == "queued" and job["attempts"] == 0
    running = jobs.claim(store, "w", 60)["_id"]
    assert jobs.cancel(store, running) == "cancelling"
    assert jobs.extend_lease(store, running, "w", 60)["cancel_requested"] is True
    with pytest.raises(JobError, match="only failed or cancelled"):
        jobs.retry(store, running)
    with pytest.raises(NotFoundError):
        jobs.cancel(store, "nope")


def _claim_all(db: str, data: str, worker: str, start: mp.synchronize.Barrier, out: mp.Queue[tuple[str, list[str]]]) -> None:
    store = open_store(load_settings(db=db, data=data))
    start.wait(timeout=60)  # all three begin together, so they really contend
    got = []
    while (job := jobs.claim(store, worker, 60)) is not None:
        got.append(job["_id"])
        time.sleep(0.002)  # a little "work" between claims, as a real worker has
    out.put((worker, got))


@pytest.mark.slow
def test_three_processes_claim_300_jobs_exactly_once(store, settings, tmp_path: Path) -> None:
    job_ids = {jobs.enqueue(store, "analyze", {"i": i}) for i in range(300)}
    ctx = mp.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(3)
    procs = [ctx.Process(target=_claim_all, args=(settings.db, str(settings.data_dir), f"w{i}", start, out)) for i in range(3)]
    for p in procs:
        p.start()
    claimed = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    counts = Counter(j for batch in claimed.values() for j in batch)
    assert set(counts) == job_ids
    assert max(counts.values()) == 1, "a job was claimed twice"
    assert all(len(batch) > 0 for batch in claimed.values()), "each process should win some claims"
    owners = {j["_id"]: j["worker_id"] for j in store.db["jobs"].find({}, {"worker_id": 1})}
    assert all(owners[j] == worker for worker, batch in claimed.items() for j in batch)
