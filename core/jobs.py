"""A crash-safe work queue in the ``jobs`` collection.

States: ``queued → running → done | failed | cancelled``. A claim is one atomic
``find_one_and_update`` (highest priority, then oldest). Every later transition filters on the
state and worker id it expects, so a worker that lost its lease changes nothing. A heartbeat
extends the lease; :func:`reap_expired` puts jobs whose lease ran out back in the queue, or fails
them after ``max_attempts``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument

from core.docstore import new_id
from core.errors import JobError, NotFoundError

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = ("done", "failed", "cancelled")
DEFAULT_MAX_ATTEMPTS = 3


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def enqueue(store: Any, kind: str, params: dict[str, Any], priority: int = 0, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> str:
    """Add a queued job and return its id."""
    now = utcnow()
    job = {
        "_id": new_id(),
        "kind": kind,
        "params": params,
        "state": "queued",
        "priority": priority,
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": now,
        "updated_at": now,
        "worker_id": None,
        "lease_until": None,
        "cancel_requested": False,
        "progress": {"stage": "queued", "done": 0, "total": None, "eta_s": None},
        "error": None,
    }
    store.jobs.insert_one(job)
    return job["_id"]


def claim(store: Any, worker_id: str, lease_s: float, kinds: tuple[str, ...] | None = None, job_id: str | None = None) -> dict[str, Any] | None:
    """Atomically take the next queued job (or job ``job_id``) for ``worker_id``; None when there is none."""
    now = utcnow()
    flt: dict[str, Any] = {"state": "queued"}
    if job_id:
        flt["_id"] = job_id
    if kinds:
        flt["kind"] = {"$in": list(kinds)}
    return store.jobs.find_one_and_update(
        flt,
        {
            "$set": {
                "state": "running",
                "worker_id": worker_id,
                "lease_until": now + dt.timedelta(seconds=lease_s),
                "started_at": now,
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
        },
        sort=[("priority", -1), ("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


def _owned(job_id: str, worker_id: str) -> dict[str, Any]:
    return {"_id": job_id, "state": "running", "worker_id": worker_id}


def extend_lease(store: Any, job_id: str, worker_id: str, lease_s: float, progress: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Extend the lease (and optionally set progress). Returns the job, or None if the lease was lost."""
    now = utcnow()
    fields: dict[str, Any] = {"lease_until": now + dt.timedelta(seconds=lease_s), "updated_at": now}
    if progress is not None:
        fields["progress"] = progress
    return store.jobs.find_one_and_update(_owned(job_id, worker_id), {"$set": fields}, return_document=ReturnDocument.AFTER)


def finish(store: Any, job_id: str, worker_id: str, state: str, error: str | None = None) -> bool:
    """Move an owned running job to a final state. False if the lease was lost meanwhile."""
    if state not in FINAL_STATES:
        raise ValueError(state)
    fields: dict[str, Any] = {"state": state, "finished_at": utcnow(), "updated_at": utcnow(), "lease_until": None, "error": error}
    if state == "done":
        fields["progress.stage"] = "done"
    return store.jobs.update_one(_owned(job_id, worker_id), {"$set": fields}).matched_count == 1


def requeue(store: Any, job_id: str, worker_id: str, error: str) -> bool:
    """Give an owned job back to the queue after an unexpected error (if attempts remain)."""
    job = store.jobs.find_one({"_id": job_id})
    if job is None:
        return False
    if job.get("attempts", 0) >= job.get("max_attempts", DEFAULT_MAX_ATTEMPTS):
        return finish(store, job_id, worker_id, "failed", error)
    fields = {"state": "queued", "worker_id": None, "lease_until": None, "error": error, "updated_at": utcnow()}
    return store.jobs.update_one(_owned(job_id, worker_id), {"$set": fields}).matched_count == 1


def release(store: Any, job_id: str, worker_id: str) -> bool:
    """Hand an owned job back to the queue because its worker is shutting down.

    The attempt is not counted: nothing went wrong with the job, and stored results are reused.
    """
    fields = {"state": "queued", "worker_id": None, "lease_until": None, "updated_at": utcnow()}
    return store.jobs.update_one(_owned(job_id, worker_id), {"$set": fields, "$inc": {"attempts": -1}}).matched_count == 1


def reap_expired(store: Any) -> list[str]:
    """Requeue running jobs whose lease has expired (their worker died); fail them past max_attempts."""
    now = utcnow()
    reaped = []
    for job in store.jobs.find({"state": "running", "lease_until": {"$lt": now}}, {"_id": 1, "attempts": 1, "max_attempts": 1, "worker_id": 1}):
        out_of_tries = job.get("attempts", 0) >= job.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        fields: dict[str, Any] = {"worker_id": None, "lease_until": None, "updated_at": now}
        if out_of_tries:
            fields.update(state="failed", finished_at=now, error=f"The worker stopped responding {job.get('attempts', 0)} times on this job. Retry it, or check the worker's log.")
        else:
            fields.update(state="queued", error=f"Worker {job.get('worker_id')} stopped responding; the job went back to the queue.")
        flt = {"_id": job["_id"], "state": "running", "lease_until": {"$lt": now}}
        if store.jobs.update_one(flt, {"$set": fields}).matched_count:
            reaped.append(job["_id"])
    return reaped


def get_job(store: Any, job_id: str) -> dict[str, Any]:
    job = store.jobs.find_one({"_id": job_id})
    if job is None:
        raise NotFoundError(f"No job with id {job_id}. Run `python -m core jobs` to list jobs.")
    return job


def cancel(store: Any, job_id: str) -> str:
    """Cancel a queued job now, or ask a running one to stop. Returns the resulting state."""
    job = get_job(store, job_id)
    if job["state"] == "queued":
        res = store.jobs.update_one({"_id": job_id, "state": "queued"}, {"$set": {"state": "cancelled", "finished_at": utcnow(), "updated_at": utcnow()}})
        if res.matched_count:
            return "cancelled"
        job = get_job(store, job_id)
    if job["state"] == "running":
        store.jobs.update_one({"_id": job_id, "state": "running"}, {"$set": {"cancel_requested": True, "updated_at": utcnow()}})
        return "cancelling"
    raise JobError(f"Job {job_id} is already {job['state']}; there is nothing to cancel.")


def retry(store: Any, job_id: str) -> None:
    """Put a failed or cancelled job back in the queue; stored results are kept and reused."""
    job = get_job(store, job_id)
    fields = {"state": "queued", "attempts": 0, "error": None, "cancel_requested": False, "worker_id": None, "lease_until": None, "updated_at": utcnow()}
    res = store.jobs.update_one({"_id": job_id, "state": {"$in": ["failed", "cancelled"]}}, {"$set": fields})
    if not res.matched_count:
        raise JobError(f"Job {job_id} is {job['state']}; only failed or cancelled jobs can be retried.")


def list_jobs(store: Any, limit: int = 200, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Newest first."""
    flt = {"state": {"$in": list(states)}} if states else {}
    return list(store.jobs.find(flt, sort=[("created_at", -1)], limit=limit))


def live_workers(store: Any, lease_s: float) -> list[dict[str, Any]]:
    """Workers that sent a heartbeat within one lease period and have not stopped, newest first."""
    since = utcnow() - dt.timedelta(seconds=lease_s)
    return list(store.workers.find({"last_seen": {"$gte": since}, "state": {"$ne": "stopped"}}, sort=[("last_seen", -1)]))
