"""Jobs and workers: the queue's documents (the policy lives in :mod:`core.jobs`).

A job: ``kind``, ``params``, ``state`` (``queued → running → done | failed | cancelled``),
``priority``, ``attempts``/``max_attempts``, ``worker_id`` and ``lease_until`` while running,
``cancel_requested``, ``progress`` and ``error``. A worker: ``last_seen``, ``state``, ``job_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument

from core.store.documents import new_id, utcnow
from core.store.repository import Repository

DEFAULT_MAX_ATTEMPTS = 3


def new_job(kind: str, params: dict[str, Any], priority: int = 0, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> dict[str, Any]:
    """A queued job document (not yet stored)."""
    now = utcnow()
    return {
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


class JobRepository(Repository):
    COLLECTION = "jobs"
    MISSING = "No job with id {id}. Run `python -m core jobs` to list jobs."

    def insert(self, job: dict[str, Any]) -> str:
        self._c.insert_one(job)
        return str(job["_id"])

    def claim(self, worker_id: str, lease_s: float, kinds: tuple[str, ...] | None = None, job_id: str | None = None) -> dict[str, Any] | None:
        """Atomically move the next queued job (highest priority, then oldest) to running for ``worker_id``."""
        now = utcnow()
        flt: dict[str, Any] = {"state": "queued"}
        if job_id:
            flt["_id"] = job_id
        if kinds:
            flt["kind"] = {"$in": list(kinds)}
        update = {
            "$set": {"state": "running", "worker_id": worker_id, "lease_until": now + dt.timedelta(seconds=lease_s), "started_at": now, "updated_at": now},
            "$inc": {"attempts": 1},
        }
        return self._c.find_one_and_update(flt, update, sort=[("priority", -1), ("created_at", 1)], return_document=ReturnDocument.AFTER)

    @staticmethod
    def _owned(job_id: str, worker_id: str) -> dict[str, Any]:
        return {"_id": job_id, "state": "running", "worker_id": worker_id}

    def extend_owned(self, job_id: str, worker_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        """``$set`` fields on a job that ``worker_id`` still runs; the job after, or None if the lease was lost."""
        return self._c.find_one_and_update(self._owned(job_id, worker_id), {"$set": fields}, return_document=ReturnDocument.AFTER)

    def update_owned(self, job_id: str, worker_id: str, fields: dict[str, Any], inc: dict[str, int] | None = None) -> bool:
        """``$set`` (and ``$inc``) on a job that ``worker_id`` still runs; False if the lease was lost."""
        update: dict[str, Any] = {"$set": fields}
        if inc:
            update["$inc"] = inc
        return self._c.update_one(self._owned(job_id, worker_id), update).matched_count == 1

    def update_in_state(self, job_id: str, states: tuple[str, ...], fields: dict[str, Any]) -> bool:
        """``$set`` fields when the job is in one of ``states``; False otherwise."""
        return self._c.update_one({"_id": job_id, "state": {"$in": list(states)}}, {"$set": fields}).matched_count == 1

    def expired(self, now: dt.datetime) -> list[dict[str, Any]]:
        """Running jobs whose lease ran out before ``now`` (``_id``, ``attempts``, ``max_attempts``, ``worker_id``)."""
        return list(self._c.find({"state": "running", "lease_until": {"$lt": now}}, {"_id": 1, "attempts": 1, "max_attempts": 1, "worker_id": 1}))

    def update_if_expired(self, job_id: str, now: dt.datetime, fields: dict[str, Any]) -> bool:
        """``$set`` fields when the job is still running with an expired lease (no worker renewed it meanwhile)."""
        return self._c.update_one({"_id": job_id, "state": "running", "lease_until": {"$lt": now}}, {"$set": fields}).matched_count == 1

    def list(self, limit: int = 200, states: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        flt = {"state": {"$in": list(states)}} if states else {}
        return list(self._c.find(flt, sort=[("created_at", -1)], limit=limit))

    def pending(self, kind: str, video_id: str) -> bool:
        """Whether a job of ``kind`` for the video is queued or running."""
        return self._c.count_documents({"kind": kind, "params.video_id": video_id, "state": {"$in": ["queued", "running"]}}) > 0

    def cancel_for_video(self, video_id: str) -> None:
        """Ask running jobs of a video to stop and cancel its queued ones."""
        self._c.update_many({"params.video_id": video_id, "state": "running"}, {"$set": {"cancel_requested": True}})
        self._c.update_many({"params.video_id": video_id, "state": "queued"}, {"$set": {"state": "cancelled", "finished_at": utcnow()}})

    def delete_for_video(self, video_id: str) -> int:
        """Delete a video's jobs that are not running; returns how many."""
        return int(self._c.delete_many({"params.video_id": video_id, "state": {"$ne": "running"}}).deleted_count)


class WorkerRepository(Repository):
    COLLECTION = "workers"
    MISSING = "No worker with id {id}."

    def save(self, worker_id: str, **fields: Any) -> None:
        """Create or update a worker's document."""
        self._c.update_one({"_id": worker_id}, {"$set": fields}, upsert=True)

    def live(self, since: dt.datetime) -> list[dict[str, Any]]:
        """Workers seen at or after ``since`` that have not stopped, newest first."""
        return list(self._c.find({"last_seen": {"$gte": since}, "state": {"$ne": "stopped"}}, sort=[("last_seen", -1)]))
