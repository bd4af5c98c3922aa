"""The worker process: claims jobs, runs them, and keeps its lease and heartbeat alive.

``python -m core worker`` runs one. A heartbeat thread writes ``workers.<id>.last_seen`` and
extends the current job's lease every ``lease_s / 4`` seconds; if the process dies, the lease runs
out and another worker's :func:`core.jobs.reap_expired` puts the job back in the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from pymongo.errors import PyMongoError

from core import analysis, inference, jobs, screentime, yt8m
from core.config import Settings
from core.errors import JobCancelled, JobError, LeaseLost, NotFoundError, ReelsightError, VideoOpenError, WorkerStopping
from core.inference import MODEL_NAMES, InferenceRuntime, current_plan, describe_device
from core.inference.detectors import DETECTORS, DetectorRunner
from core.inference.feed import resizer
from core.media import open_source, preview, sweep_downloads
from core.store import Store, new_id

log = logging.getLogger(__name__)


def analyze_and_aggregate(ctx: JobContext) -> None:
    """An ``analyze`` job, then the finished run's aggregates for the pages (:mod:`core.analysis.aggregates`);
    an upload that browsers cannot play then gets a browser-copy job of its own (:mod:`core.media.preview`),
    so the copy can neither delay nor fail the analysis."""
    inference.run_analyze_job(ctx)
    analysis.aggregates.write(ctx.store, ctx.job["params"]["run_id"])
    video_id = ctx.job["params"]["video_id"]
    try:
        if preview.needs_copy(ctx.store, video_id):
            preview.request_copy(ctx.store, video_id)
    except (VideoOpenError, NotFoundError) as err:  # the analysis is done and kept; only the player may stay empty
        log.warning("job %s: no browser copy queued for %s: %s", ctx.job["_id"], video_id, err)


HANDLERS: dict[str, Callable[[JobContext], None]] = {
    inference.ANALYZE_JOB: analyze_and_aggregate,
    screentime.TRAIN_JOB: screentime.run_train_job,
    screentime.APPLY_JOB: screentime.run_apply_job,
    yt8m.IMPORT_JOB: yt8m.run_import_job,
    yt8m.TRAIN_JOB: yt8m.run_train_job,
    preview.COPY_JOB: preview.run_copy_job,
}
"""Job kind → function that executes it."""

_RUNTIMES: dict[tuple[tuple[str, ...], str, int | None], InferenceRuntime] = {}
"""Built models, shared by every job (and every Worker object) of this process."""
_DETECTORS: dict[tuple[str, str, int | None, int | None], DetectorRunner] = {}
"""Built object detectors, likewise."""


def shared_classifier(
    models: tuple[str, ...], weights: str, batch_size: int | None = None, objects: str | None = None, object_side: int | None = None
) -> InferenceRuntime:
    """The analysis models on this process's runtime plan, built once per process and reused by
    every job (and by the benchmark); ``batch_size`` None: by device. With ``objects`` (a detector
    name) the runtime also runs that detector at ``object_side`` pixels (None: its default)."""
    key = (tuple(models), weights, batch_size)
    if key not in _RUNTIMES:
        runtime = InferenceRuntime(tuple(models), weights, current_plan(batch_size))
        runtime.warm_up()
        _RUNTIMES[key] = runtime
    if objects is None:
        return _RUNTIMES[key]
    detector_key = (objects, weights, object_side, batch_size)
    if detector_key not in _DETECTORS:
        log.info("loading %s (weights=%s)", DETECTORS[objects].display, weights)
        detector = DetectorRunner(DETECTORS[objects], weights, _RUNTIMES[key].plan, object_side)
        detector.warm_up()
        _DETECTORS[detector_key] = detector
    return _RUNTIMES[key].with_detector(_DETECTORS[detector_key])


class JobContext:
    """What a job handler sees: the job, the store, settings, progress reporting, models."""

    def __init__(self, worker: Worker, job: dict[str, Any]) -> None:
        self.worker = worker
        self.job = job
        self.store = worker.store
        self.settings = worker.settings
        self.device = worker.device
        self._stage: str | None = None
        self._stage_t0 = 0.0
        self._stage_done0 = 0
        self._last_write = 0.0

    def classifier(self, models: tuple[str, ...], objects: str | None = None) -> InferenceRuntime:
        return self.worker.classifier(models, objects)

    def warn(self, text: str) -> None:
        log.warning("job %s: %s", self.job["_id"], text)
        self.store.jobs.update_owned(self.job["_id"], self.worker.id, {"warning": text})

    def progress(self, stage: str, done: int, total: int | None, throttle_s: float = 0.0) -> None:
        """Record progress; raises :class:`JobCancelled`, :class:`LeaseLost` or
        :class:`WorkerStopping` when the job must stop."""
        if self.worker.stopping:
            raise WorkerStopping(f"Worker {self.worker.id} is shutting down.")
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._stage_t0, self._stage_done0 = stage, now, done
        elif throttle_s and now - self._last_write < throttle_s:
            return
        self._last_write = now
        eta = rate = None
        rate_done = done - self._stage_done0
        if rate_done > 0 and now > self._stage_t0:
            per_s = rate_done / (now - self._stage_t0)
            rate = round(per_s, 3)
            if total:
                eta = round((total - done) / per_s, 1)
        doc = jobs.extend_lease(
            self.store, self.job["_id"], self.worker.id, self.settings.lease_s, {"stage": stage, "done": int(done), "total": total, "eta_s": eta, "rate": rate}
        )
        if doc is None:
            raise LeaseLost(f"Job {self.job['_id']} was taken over by another worker.")
        if doc.get("cancel_requested"):
            raise JobCancelled(f"Job {self.job['_id']} was cancelled.")


class Worker:
    """One worker: ``run()`` loops (or drains the queue with ``burst=True``)."""

    def __init__(self, store: Store, settings: Settings, worker_id: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{new_id()[:4]}"
        open_source(settings.video_source, settings.decode_workers)  # a bad setting stops the worker here, not each job
        resizer(settings.resize)
        self.device, self.backend = describe_device()
        self.plan = current_plan(settings.batch_size)
        self.measured_fps: float | None = None
        self.current_job: str | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def classifier(self, models: tuple[str, ...], objects: str | None = None) -> InferenceRuntime:
        return shared_classifier(models, self.settings.weights, self.settings.batch_size, objects, self.settings.object_side)

    def measure(self, models: tuple[str, ...] = MODEL_NAMES) -> float:
        """Load the default models and measure their frames/s at the plan's batch size (random
        frames, so the figure is the models' ceiling on this device, not a video's)."""
        self.measured_fps = self.classifier(models).measure()
        return self.measured_fps

    # -- heartbeat
    def _register(self) -> None:
        now = jobs.utcnow()
        self.store.workers.save(
            self.id,
            host=socket.gethostname(), pid=os.getpid(), device=self.device, backend=self.backend, weights=self.settings.weights,
            batch_size=self.plan.batch_size, runtime=self.plan.describe(), measured_fps=None if self.measured_fps is None else round(self.measured_fps, 1),
            started_at=now, last_seen=now, job_id=None, state="idle",
        )  # fmt: skip

    def heartbeat(self) -> None:
        self.store.workers.set(self.id, last_seen=jobs.utcnow(), job_id=self.current_job, state="busy" if self.current_job else "idle")
        if self.current_job:
            jobs.extend_lease(self.store, self.current_job, self.id, self.settings.lease_s)

    def _beat_loop(self) -> None:
        interval = max(0.2, self.settings.lease_s / 4)
        while not self._stop.wait(interval):
            try:
                self.heartbeat()
            except (ReelsightError, sqlite3.Error, PyMongoError) as err:  # a hiccup in the store; the next beat retries
                log.warning("heartbeat failed: %s", err)

    # -- jobs
    def run_one(self, job_id: str | None = None) -> bool:
        """Reap expired leases, claim one job (``job_id``, or the next) and run it. False when there is none."""
        jobs.reap_expired(self.store)
        job = jobs.claim(self.store, self.id, self.settings.lease_s, tuple(HANDLERS), job_id)
        if job is None:
            return False
        self.current_job = job["_id"]
        log.info("job %s (%s) claimed, attempt %s", job["_id"], job["kind"], job["attempts"])
        try:
            HANDLERS[job["kind"]](JobContext(self, job))
        except JobCancelled:
            jobs.finish(self.store, job["_id"], self.id, "cancelled")
            log.info("job %s cancelled", job["_id"])
        except LeaseLost:
            log.warning("job %s: lease lost, another worker continues it", job["_id"])
        except WorkerStopping:
            jobs.release(self.store, job["_id"], self.id)
            log.info("job %s released: this worker is stopping; the next worker resumes it", job["_id"])
        except ReelsightError as err:
            jobs.finish(self.store, job["_id"], self.id, "failed", str(err))
            log.error("job %s failed: %s", job["_id"], err)
        except Exception as err:  # a bug or a transient fault: retried, with the traceback logged
            log.error("job %s crashed: %s\n%s", job["_id"], err, traceback.format_exc())
            jobs.requeue(
                self.store, job["_id"], self.id, f"Unexpected error: {err}. The job will be retried; if it keeps failing, report it with the worker's log."
            )
        else:
            jobs.finish(self.store, job["_id"], self.id, "done")
            log.info("job %s done", job["_id"])
        finally:
            self.current_job = None
        return True

    def run(self, burst: bool = False, poll_s: float = 1.0) -> int:
        """Process jobs until stopped (or, with ``burst``, until the queue is empty). Returns jobs run."""
        self._register()
        sweep_downloads(self.store, self.settings)  # partial files of a killed worker, copies of deleted videos
        self._beat = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        self._beat.start()
        count = 0
        measured = "" if self.measured_fps is None else f", models measured at {self.measured_fps:.1f} frames/s"
        log.info(
            "worker %s ready on %s (%s backend, batch %d, weights=%s%s)",
            self.id,
            self.device,
            self.backend,
            self.plan.batch_size,
            self.settings.weights,
            measured,
        )
        try:
            while not self._stop.is_set():
                if self.run_one():
                    count += 1
                elif burst:
                    break
                else:
                    self._stop.wait(poll_s)
        finally:
            self._stop.set()
            self.store.workers.set(self.id, state="stopped", last_seen=jobs.utcnow(), job_id=None)
        return count

    def stop(self) -> None:
        """Ask the worker to finish: a running job is released at its next progress report."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


def run_now(store: Store, settings: Settings, job_id: str) -> dict[str, Any]:
    """Run one queued job in this process, as the CLI does; returns the finished job document.

    Raises :class:`JobError` with the job's own message when it does not end ``done``.
    """
    worker = Worker(store, settings, worker_id=f"{socket.gethostname()}-{os.getpid()}-cli")
    if not worker.run_one(job_id):
        raise JobError(f"Job {job_id} is not queued any more (a worker may have taken it); follow it with `python -m core jobs`.")
    job = store.jobs.get(job_id)
    if job["state"] != "done":
        raise JobError(job.get("error") or f"Job {job_id} ended {job['state']}.")
    return job
