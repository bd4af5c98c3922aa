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

from core.errors import JobError
from core.store import DEFAULT_MAX_ATTEMPTS, Store, new_job, utcnow

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = ("done", "failed", "cancelled")


def enqueue(store: Store, kind: str, params: dict[str, Any], priority: int = 0, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> str:
    """Add a queued job and return its id."""
    return store.jobs.insert(new_job(kind, params, priority, max_attempts))


def claim(store: Store, worker_id: str, lease_s: float, kinds: tuple[str, ...] | None = None, job_id: str | None = None) -> dict[str, Any] | None:
    """Atomically take the next queued job (or job ``job_id``) for ``worker_id``; None when there is none."""
    return store.jobs.claim(worker_id, lease_s, kinds, job_id)


def extend_lease(store: Store, job_id: str, worker_id: str, lease_s: float, progress: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Extend the lease (and optionally set progress). Returns the job, or None if the lease was lost."""
    now = utcnow()
    fields: dict[str, Any] = {"lease_until": now + dt.timedelta(seconds=lease_s), "updated_at": now}
    if progress is not None:
        fields["progress"] = progress
    return store.jobs.extend_owned(job_id, worker_id, fields)


def finish(store: Store, job_id: str, worker_id: str, state: str, error: str | None = None) -> bool:
    """Move an owned running job to a final state. False if the lease was lost meanwhile."""
    if state not in FINAL_STATES:
        raise ValueError(state)
    fields: dict[str, Any] = {"state": state, "finished_at": utcnow(), "updated_at": utcnow(), "lease_until": None, "error": error}
    if state == "done":
        fields["progress.stage"] = "done"
    return store.jobs.update_owned(job_id, worker_id, fields)


def requeue(store: Store, job_id: str, worker_id: str, error: str) -> bool:
    """Give an owned job back to the queue after an unexpected error (if attempts remain)."""
    job = store.jobs.find(job_id)
    if job is None:
        return False
    if job.get("attempts", 0) >= job.get("max_attempts", DEFAULT_MAX_ATTEMPTS):
        return finish(store, job_id, worker_id, "failed", error)
    return store.jobs.update_owned(job_id, worker_id, {"state": "queued", "worker_id": None, "lease_until": None, "error": error, "updated_at": utcnow()})


def release(store: Store, job_id: str, worker_id: str) -> bool:
    """Hand an owned job back to the queue because its worker is shutting down.

    The attempt is not counted: nothing went wrong with the job, and stored results are reused.
    """
    fields = {"state": "queued", "worker_id": None, "lease_until": None, "updated_at": utcnow()}
    return store.jobs.update_owned(job_id, worker_id, fields, inc={"attempts": -1})


def reap_expired(store: Store) -> list[str]:
    """Requeue running jobs whose lease has expired (their worker died); fail them past max_attempts."""
    now = utcnow()
    reaped = []
    for job in store.jobs.expired(now):
        out_of_tries = job.get("attempts", 0) >= job.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        fields: dict[str, Any] = {"worker_id": None, "lease_until": None, "updated_at": now}
        if out_of_tries:
            fields.update(
                state="failed",
                finished_at=now,
                error=f"The worker stopped responding {job.get('attempts', 0)} times on this job. Retry it, or check the worker's log.",
            )
        else:
            fields.update(state="queued", error=f"Worker {job.get('worker_id')} stopped responding; the job went back to the queue.")
        if store.jobs.update_if_expired(job["_id"], now, fields):
            reaped.append(job["_id"])
    return reaped


def get_job(store: Store, job_id: str) -> dict[str, Any]:
    return store.jobs.get(job_id)


def cancel(store: Store, job_id: str) -> str:
    """Cancel a queued job now, or ask a running one to stop. Returns the resulting state."""
    job = store.jobs.get(job_id)
    if job["state"] == "queued":
        if store.jobs.update_in_state(job_id, ("queued",), {"state": "cancelled", "finished_at": utcnow(), "updated_at": utcnow()}):
            return "cancelled"
        job = store.jobs.get(job_id)
    if job["state"] == "running":
        store.jobs.update_in_state(job_id, ("running",), {"cancel_requested": True, "updated_at": utcnow()})
        return "cancelling"
    raise JobError(f"Job {job_id} is already {job['state']}; there is nothing to cancel.")


def retry(store: Store, job_id: str) -> None:
    """Put a failed or cancelled job back in the queue; stored results are kept and reused."""
    job = store.jobs.get(job_id)
    fields = {"state": "queued", "attempts": 0, "error": None, "cancel_requested": False, "worker_id": None, "lease_until": None, "updated_at": utcnow()}
    if not store.jobs.update_in_state(job_id, ("failed", "cancelled"), fields):
        raise JobError(f"Job {job_id} is {job['state']}; only failed or cancelled jobs can be retried.")


def list_jobs(store: Store, limit: int = 200, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Newest first."""
    return store.jobs.list(limit, states)


def live_workers(store: Store, lease_s: float) -> list[dict[str, Any]]:
    """Workers that sent a heartbeat within one lease period and have not stopped, newest first."""
    return store.workers.live(utcnow() - dt.timedelta(seconds=lease_s))


def lease_waits(store: Store, lease_s: float, now: dt.datetime | None = None) -> dict[str, str]:
    """For each running job whose worker has gone quiet (stopped, or no heartbeat for half a lease,
    i.e. two missed beats): a note saying the job waits for its lease to expire, and when (UTC).

    No worker can take such a job before then, so a ``--burst`` worker finds nothing to do."""
    now = now or utcnow()
    notes = {}
    for job in store.jobs.list(limit=1000, states=("running",)):
        until = job.get("lease_until")
        if until is None:
            continue
        worker = store.workers.find(job.get("worker_id") or "")
        seen = worker.get("last_seen") if worker else None
        quiet = worker is None or worker.get("state") == "stopped" or seen is None or (now - _aware(seen)).total_seconds() > lease_s / 2
        if not quiet:
            continue
        left = max(0.0, (_aware(until) - now).total_seconds())
        silent = f"; it has sent no heartbeat for {(now - _aware(seen)).total_seconds():.0f} s" if seen is not None else ""
        notes[job["_id"]] = (
            f"Waiting for the lease of worker {job.get('worker_id')} to expire at {_aware(until):%H:%M:%S} UTC (in {left:.0f} s){silent}. "
            "A worker takes the job back then; `python -m core worker` keeps polling until it does."
        )
    return notes


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes in UTC; MongoDB may too."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
