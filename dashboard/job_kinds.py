"""What the Jobs page says about each kind of job: its title, where its results are, and what its
final count counts. One table, :data:`JOB_KINDS`, keyed by the job's ``kind``.

Titles are plain text (the page escapes them). Names come from a :class:`Library`, which reads the
cached data functions once per page draw.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.analysis import labels
from core.inference import ANALYZE_JOB
from core.media.preview import COPY_JOB
from core.screentime import APPLY_JOB as SCREENTIME_JOB
from core.screentime import TRAIN_JOB as CLASSIFIER_JOB
from core.yt8m import IMPORT_JOB as YT8M_IMPORT_JOB
from core.yt8m import TRAIN_JOB as YT8M_TRAIN_JOB
from dashboard import data, state
from dashboard.widgets import ago, duration


@dataclass(frozen=True)
class Link:
    """A page and the query parameters that open it on one result."""

    page: str
    query: dict[str, str] = field(default_factory=dict)


class Library:
    """The names a job title needs (video titles, screen-time runs, classifiers, datasets), each
    read on first use from the cached data functions."""

    def __init__(self, db: str) -> None:
        self.db = db

    @functools.cached_property
    def video_titles(self) -> dict[str, str]:
        videos = data.videos(self.db)
        return dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))

    @functools.cached_property
    def screentime_runs(self) -> dict[str, dict[str, Any]]:
        return {r["_id"]: r for r in data.screentime_runs(self.db)}

    @functools.cached_property
    def classifiers(self) -> list[dict[str, Any]]:
        return data.classifiers(self.db)

    @functools.cached_property
    def datasets(self) -> dict[str, dict[str, Any]]:
        return {d["_id"]: d for d in data.yt8m_datasets(self.db)}

    def yt8m_models(self, dataset_id: str) -> list[dict[str, Any]]:
        return data.yt8m_models(self.db, dataset_id)


@dataclass(frozen=True)
class JobKind:
    """How the Jobs page shows one kind of job."""

    title: Callable[[dict[str, Any], Library], str]
    """``(job, library)`` → what the job does, naming its subject (plain text)."""
    results: Callable[[dict[str, Any], Library], Link | None]
    """``(job, library)`` → where a finished job's results are; None when they are gone."""
    summary: Callable[[dict[str, Any], Library], str | None]
    """``(job, library)`` → what a finished job made ("31 sampled frames"); None: nothing to count."""


def _counted(unit: str) -> Callable[[dict[str, Any], Library], str]:
    """A summary from the job's last progress count: ``"31 sampled frames"``."""
    return lambda job, lib: f"{labels.count((job.get('progress') or {}).get('done') or 0)} {unit}"


def _nothing(job: dict[str, Any], lib: Library) -> None:
    return None


def _video(job: dict[str, Any], lib: Library) -> str:
    video_id = job["params"].get("video_id")
    return lib.video_titles.get(video_id) or f"deleted video {video_id}"


def _analyze_results(job: dict[str, Any], lib: Library) -> Link | None:
    p = job["params"]
    if p.get("video_id") not in lib.video_titles:
        return None
    return Link("pages/results.py", {state.QP_VIDEO: p["video_id"], state.QP_RUN: p.get("run_id")})


def _video_results(job: dict[str, Any], lib: Library) -> Link | None:
    video_id = job["params"].get("video_id")
    return Link("pages/explorer.py", {state.QP_VIDEO: video_id}) if video_id in lib.video_titles else None


def _screentime_title(job: dict[str, Any], lib: Library) -> str:
    run = lib.screentime_runs.get(job["params"].get("run_id"))
    if run is None:
        return "Screen time (run deleted)"
    c = run.get("classifier") or {}
    return f"Screen time of {run['source'].get('name') or 'a video'} with {c.get('name', '?')} v{c.get('version', '?')}"


def _screentime_results(job: dict[str, Any], lib: Library) -> Link | None:
    run_id = job["params"].get("run_id")
    return Link("pages/screentime.py", {state.QP_ST_RUN: run_id}) if run_id in lib.screentime_runs else None


def _classifier_results(job: dict[str, Any], lib: Library) -> Link | None:
    made = next((c for c in lib.classifiers if c.get("job_id") == job["_id"]), None)
    return Link("pages/classifiers.py", {state.QP_CLASSIFIER: made["_id"]}) if made else None


def _dataset_name(job: dict[str, Any], lib: Library) -> str:
    dataset = lib.datasets.get(job["params"].get("dataset_id"))
    return dataset["name"] if dataset else "(dataset deleted)"


def _imported(job: dict[str, Any], lib: Library) -> str | None:
    dataset = lib.datasets.get(job["params"].get("dataset_id")) or {}
    n = (dataset.get("stats") or {}).get("n_videos")
    return f"{labels.count(n)} videos" if n is not None else None


def _yt8m_results(job: dict[str, Any], lib: Library) -> Link | None:
    dataset_id = job["params"].get("dataset_id")
    if dataset_id not in lib.datasets:
        return None
    query = {state.QP_DATASET: dataset_id}
    if job["kind"] == YT8M_TRAIN_JOB:
        model = next((m for m in lib.yt8m_models(dataset_id) if m.get("job_id") == job["_id"]), None)
        if model:
            query[state.QP_YT8M_MODEL] = model["_id"]
    return Link("pages/yt8m.py", query)


def _yt8m_train_title(job: dict[str, Any], lib: Library) -> str:
    name = job["params"].get("name")
    return f"Train YouTube-8M model{f' “{name}”' if name else ''} on {_dataset_name(job, lib)}"


JOB_KINDS: dict[str, JobKind] = {
    ANALYZE_JOB: JobKind(title=lambda job, lib: f"Analyze {_video(job, lib)}", results=_analyze_results, summary=_counted("frames")),
    SCREENTIME_JOB: JobKind(title=_screentime_title, results=_screentime_results, summary=_counted("sampled frames")),
    CLASSIFIER_JOB: JobKind(title=lambda job, lib: f"Train classifier {job['params'].get('name')}", results=_classifier_results, summary=_nothing),
    YT8M_IMPORT_JOB: JobKind(title=lambda job, lib: f"Import YouTube-8M {_dataset_name(job, lib)}", results=_yt8m_results, summary=_imported),
    YT8M_TRAIN_JOB: JobKind(title=_yt8m_train_title, results=_yt8m_results, summary=_nothing),
    COPY_JOB: JobKind(title=lambda job, lib: f"Browser copy of {_video(job, lib)}", results=_video_results, summary=_nothing),
}
"""Job kind → how the Jobs page shows it. A kind missing here is shown by its name as words, without a link."""

UNKNOWN = JobKind(title=lambda job, lib: labels.column(str(job["kind"])), results=lambda job, lib: None, summary=_nothing)


def job_kind(kind: str) -> JobKind:
    return JOB_KINDS.get(kind, UNKNOWN)


FINISHED = {"done": "finished", "failed": "failed", "cancelled": "cancelled"}
"""A finished job's state → the verb its timing starts with."""


def timing(job: dict[str, Any]) -> str:
    """When: "queued 2 min ago"; "started 1 min ago · about 3 min left"; "finished 3 min ago, took 42 s"."""
    p = job.get("progress") or {}
    if job["state"] == "running":
        left = f" · about {duration(p['eta_s'])} left" if p.get("eta_s") is not None else ""
        return f"started {ago(job.get('started_at'))}{left}"
    if job["state"] in FINISHED:
        text = f"{FINISHED[job['state']]} {ago(job.get('finished_at'))}"
        start, end = job.get("started_at"), job.get("finished_at")
        if job["state"] != "cancelled" and start and end and end >= start:
            text += f", took {duration((end - start).total_seconds())}"
        return text
    return f"queued {ago(job.get('created_at'))}"
