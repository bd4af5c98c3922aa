"""Cached data access for the pages. Every function delegates to :mod:`core`.

One database client per process (``st.cache_resource``); read functions return DataFrames through
``st.cache_data`` keyed by the database location and run ids. Writes clear the caches they affect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from core import jobs as core_jobs
from core.analysis import aggregates, analytics, on_screen, scenes, units
from core.analysis import objects as core_objects
from core.analysis import people as core_people
from core.analysis import results as core_results
from core.analysis import search as label_search
from core.analysis import thumbnails as core_thumbnails
from core.config import Settings, load_settings
from core.media import list_videos
from core.screentime import apply as screentime
from core.screentime import classifier as screen_classifier
from core.store import Store, open_store
from core.yt8m import train as yt8m_train

if TYPE_CHECKING:
    from core.analysis.regression import RegressionResult


def settings() -> Settings:
    """Resolved on every rerun (cheap), so an environment change shows up without a restart."""
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…")
def _open(db: str, _settings: Settings) -> Store:
    return open_store(_settings)


def store() -> Store:
    s = settings()
    return _open(s.db, s)


def db_key() -> str:
    return settings().db


@st.cache_data(ttl=10, show_spinner=False)
def videos(db: str) -> pd.DataFrame:
    return list_videos(store())


@st.cache_data(ttl=5, show_spinner=False)
def runs(db: str, video_id: str | None = None) -> pd.DataFrame:
    return core_results.list_runs(store(), video_id)


@st.cache_data(ttl=3600, show_spinner="Loading frames…")
def frame_table(db: str, run_id: str, model: str, n_frames: int) -> pd.DataFrame:
    """``n_frames`` is part of the key: a run still in progress is re-read as it grows."""
    return core_results.frame_table(store(), run_id, model)


@st.cache_data(ttl=3600, show_spinner=False)
def thumbnails(db: str, run_id: str, frames: tuple[int, ...]) -> dict[int, str]:
    return core_results.thumbnails(store(), run_id, list(frames))


@st.cache_data(ttl=3600, show_spinner=False)
def frame_predictions(db: str, run_id: str, frames: tuple[int, ...]) -> dict[int, dict[str, list[tuple[str, float]]]]:
    return core_results.frame_predictions(store(), run_id, list(frames))


def top1(db: str, run_ids: tuple[str, ...]) -> pd.DataFrame:
    """The top-1 table of the runs; each run's part is cached on its own (finished runs never
    change), so another selection re-reads only the runs it adds."""
    parts = [part for part in (run_top1(db, run_id) for run_id in sorted(run_ids)) if not part.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=analytics.TOP1_COLUMNS)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=1000)
def run_top1(db: str, run_id: str) -> pd.DataFrame:
    return analytics.top1_table(store(), [run_id])


@st.cache_data(ttl=3600, show_spinner="Loading run summaries…")
def run_stats(db: str, run_ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Run id → its aggregates (:mod:`core.analysis.aggregates`); finished runs never change."""
    return aggregates.run_stats(store(), list(run_ids))


@st.cache_data(ttl=3600, show_spinner=False)
def label_counts(db: str, runs: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """The label-count table of the selected runs (video id, run id pairs), counted by the store;
    :func:`run_stats` has built their aggregates."""
    return aggregates.label_counts(store(), dict(runs), built=True)


@st.cache_data(ttl=3600, show_spinner=False)
def group_counts(db: str, runs: tuple[tuple[str, str], ...], groups: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Label counts per popularity group (video id, group pairs), counted by the store."""
    return aggregates.group_counts(store(), dict(runs), pd.DataFrame(list(groups), columns=["video_id", "group"]), built=True)


@st.cache_data(ttl=10, show_spinner=False)
def library_runs(db: str) -> dict[str, str]:
    """Video id → its latest finished run, for every analysed video in the library."""
    return analytics.selected_runs(store())


@st.cache_data(ttl=600, show_spinner="Searching the library…")
def search(db: str, runs: tuple[tuple[str, str], ...], labels: tuple[str, ...], min_score: float, models: tuple[str, ...], any_rank: bool) -> pd.DataFrame:
    """:func:`core.analysis.search.search_frames`; finished runs never change, so the runs key it."""
    return label_search.search_frames(store(), dict(runs), labels, min_score, models, any_rank)


@st.cache_data(ttl=10, show_spinner=False)
def video_table(db: str, runs: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Short ttl: view counts can be edited at any time."""
    return analytics.video_table(store(), dict(runs))


@st.cache_data(ttl=3600, show_spinner="Drawing the word clouds…")
def wordclouds(frequencies: tuple[tuple[tuple[str, float], ...], ...]) -> list[bytes]:
    """One PNG per frequency table, drawn in parallel (a page's clouds come in one call)."""
    from core.analysis.wordclouds import wordcloud_pngs  # matplotlib and wordcloud: loaded by the page that draws them, not by every page

    return wordcloud_pngs([dict(f) for f in frequencies], keep_in=settings().data_dir / "cache" / "wordclouds")


@st.cache_data(ttl=3600, show_spinner="Fitting the regression (once for this selection; it is kept until the data changes)…", max_entries=32)
def regression_fit(
    db: str,
    runs: tuple[tuple[str, str], ...],
    views: tuple[tuple[str, float | None], ...],
    model: str,
    level: str,
    top_n: int,
    categories: tuple[tuple[str, str], ...] = (),
    leave_out: tuple[str, ...] = (),
    trims: Trims = (),
) -> RegressionResult:
    """Keyed by the runs and the views used: a new run or an edited view count refits; the fit is
    also kept in the store (:func:`core.analysis.regression.kept_regression`), so it survives a restart.
    ``categories`` (label → category pairs) fits on categories instead of labels. The people and
    objects levels leave out the ``leave_out`` segments (and ``trims``), as the page's selector says."""
    from core.analysis import regression as core_regression  # statsmodels: loaded by the pages that fit, not by every page

    videos = pd.DataFrame(list(views), columns=["video_id", "views"])
    if level == "people":
        return core_regression.people_regression(people_summary(db, runs, "frames", leave_out, trims), videos)
    if level == "objects":
        chosen = ("frames", leave_out, trims)
        return core_regression.objects_regression(objects_shares(db, runs, *chosen), objects_summary(db, runs, *chosen), videos, top_n)
    return core_regression.kept_regression(store(), dict(runs), videos, model, level, top_n, dict(categories) or None)


def run_doc(run_id: str) -> dict[str, Any] | None:
    return store().runs.find(run_id)


def stored_frames(run_id: str) -> int:
    return store().frames.count_run(run_id)


def job_list(states: tuple[str, ...] | None = None, limit: int = 50) -> list[dict[str, Any]]:
    return core_jobs.list_jobs(store(), limit=limit, states=states)


def lease_waits() -> dict[str, str]:
    """Job id → why a running job is stuck: its worker went quiet and its lease has not yet expired."""
    return core_jobs.lease_waits(store(), settings().lease_s)


def workers() -> list[dict[str, Any]]:
    return core_jobs.live_workers(store(), settings().lease_s)


def classifiers(db: str) -> list[dict[str, Any]]:
    """Every classifier, newest first; re-read as soon as one is added (keyed by the count)."""
    return _classifiers(db, store().classifiers.count())


@st.cache_data(ttl=3600, show_spinner=False)
def _classifiers(db: str, count: int) -> list[dict[str, Any]]:
    return screen_classifier.list_classifiers(store())


@st.cache_data(ttl=3600, show_spinner=False)
def classifier(db: str, classifier_id: str) -> dict[str, Any] | None:
    """A stored classifier never changes, so it is cached by id."""
    return store().classifiers.find(classifier_id)


def screentime_runs(db: str) -> list[dict[str, Any]]:
    """Every screen-time run, newest first; re-read when one is added or finishes."""
    runs = store().screentime_runs
    return _screentime_runs(db, runs.count(), runs.count_finished())


@st.cache_data(ttl=3600, show_spinner=False)
def _screentime_runs(db: str, count: int, finished: int) -> list[dict[str, Any]]:
    return screentime.list_runs(store())


@st.cache_data(ttl=3600, show_spinner="Adding up screen time…", max_entries=64)
def screentime_result(db: str, run_id: str, finished: str, smooth: int) -> tuple[dict[str, Any], screentime.ScreenTime]:
    """The run and its tables at window ``smooth``; ``finished`` (its finish time) keys a re-run."""
    run = screentime.get_run(store(), run_id)
    return run, screentime.compute(run, smooth)


@st.cache_data(ttl=3600, show_spinner=False)
def leaderboard(db: str, finished: tuple[str, ...]) -> pd.DataFrame:
    """Keyed by the finished runs' ids, so a run that finishes shows up at once."""
    return screentime.leaderboard(store())


@st.cache_data(ttl=5, show_spinner=False)
def labelsets(db: str, kind: str | None = None) -> list[dict[str, Any]]:
    return store().labelsets.list(kind)


def yt8m_datasets(db: str) -> list[dict[str, Any]]:
    """Imported datasets, newest first; re-read when one is added or finishes importing."""
    datasets = store().yt8m_datasets
    return _yt8m_datasets(db, datasets.count(), datasets.count_imported())


@st.cache_data(ttl=3600, show_spinner=False)
def _yt8m_datasets(db: str, count: int, imported: int) -> list[dict[str, Any]]:
    return store().yt8m_datasets.list()


def yt8m_models(db: str, dataset_id: str) -> list[dict[str, Any]]:
    return _yt8m_models(db, dataset_id, store().yt8m_models.count(dataset=dataset_id))


@st.cache_data(ttl=3600, show_spinner=False)
def _yt8m_models(db: str, dataset_id: str, count: int) -> list[dict[str, Any]]:
    return store().yt8m_models.list(dataset_id)


@st.cache_data(ttl=3600, show_spinner="Loading the test predictions…", max_entries=8)
def yt8m_test(db: str, model_id: str) -> dict[str, Any]:
    """A model's test-split ids, scores, labels and classes (a stored model never changes)."""
    return yt8m_train.test_predictions(store(), yt8m_train.get_model(store(), model_id))


def job(job_id: str) -> dict[str, Any] | None:
    return store().jobs.find(job_id)


def blob_bytes(key: str) -> bytes:
    return store().blobs.local_path(key).read_bytes()


def clear_video_caches() -> None:
    """After adding, deleting or editing videos, or queueing runs."""
    videos.clear()
    runs.clear()
    video_table.clear()


@st.cache_data(ttl=3600, show_spinner=False)
def people_counts(db: str, runs: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """Faces and people per sampled frame of the (video id, run id) pairs (finished runs never change)."""
    return core_people.people_table(store(), dict(runs))


Trims = tuple[tuple[str, float, float, float], ...]
"""Saved intro/outro trims as a cache key: rows of :func:`core.analysis.units.saved_trims` (empty unless trims are left out)."""


def trims_key(trims: pd.DataFrame | None) -> Trims:
    """:func:`core.analysis.units.saved_trims` rows as a hashable key (trims change on the Videos page, so they key the caches)."""
    return () if trims is None else tuple((str(v), float(a), float(b), float(d)) for v, a, b, d in trims.itertuples(index=False, name=None))


@st.cache_data(ttl=3600, show_spinner=False)
def structure(db: str, run_ids: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shots and segments of the runs (:func:`core.analysis.scenes.shots_table`, ``segments_table``)."""
    return scenes.shots_table(store(), list(run_ids)), scenes.segments_table(store(), list(run_ids))


def trims_frame(trims: Trims) -> pd.DataFrame | None:
    """A :data:`Trims` cache key back as :func:`core.analysis.units.saved_trims` rows (None when empty)."""
    return pd.DataFrame(list(trims), columns=["video_id", "start_s", "end_s", "duration_s"]) if trims else None


def without_left_out(rows: pd.DataFrame, leave_out: tuple[str, ...]) -> pd.DataFrame:
    """Per-frame ``rows`` of stored runs (``video_id, run_id, frame, time_s``, …) without the frames that lie in the
    ``leave_out`` segments (frames stay frames; nothing is counted per shot)."""
    return units.in_frame_units(store(), rows, "frames", leave_out) if leave_out else rows


@st.cache_data(ttl=3600, show_spinner=False)
def people_summary(db: str, runs: tuple[tuple[str, str], ...], unit: str = "frames", leave_out: tuple[str, ...] = (), trims: Trims = ()) -> pd.DataFrame:
    """:func:`core.analysis.on_screen.people_in_units` of the (video id, run id) pairs: the stored summaries
    for frames with nothing left out. ``trims`` (the saved trims when they are left out) keys the cache."""
    return on_screen.people_in_units(store(), dict(runs), unit, leave_out)


@st.cache_data(ttl=3600, show_spinner=False)
def thumbnails_with_boxes(db: str, run_id: str, frames: tuple[int, ...]) -> dict[int, str]:
    """Thumbnails with the people, faces and objects the run found drawn on them."""
    return core_thumbnails.thumbnails_with_boxes(store(), run_id, list(frames))


@st.cache_data(ttl=3600, show_spinner="Counting objects…")
def objects_in_units(
    db: str, runs: tuple[tuple[str, str], ...], unit: str = "frames", leave_out: tuple[str, ...] = (), trims: Trims = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`core.analysis.on_screen.objects_in_units` of the (video id, run id) pairs: the summary and the
    shares per class (the stored summaries for frames with nothing left out). ``trims`` keys the cache."""
    return on_screen.objects_in_units(store(), dict(runs), unit, leave_out)


def objects_summary(db: str, runs: tuple[tuple[str, str], ...], unit: str = "frames", leave_out: tuple[str, ...] = (), trims: Trims = ()) -> pd.DataFrame:
    """:func:`core.analysis.objects.summary_table` of the pairs, counted as the unit selector says (:func:`objects_in_units`)."""
    return objects_in_units(db, runs, unit, leave_out, trims)[0]


def objects_shares(db: str, runs: tuple[tuple[str, str], ...], unit: str = "frames", leave_out: tuple[str, ...] = (), trims: Trims = ()) -> pd.DataFrame:
    """:func:`core.analysis.objects.share_table` of the pairs, counted as the unit selector says (:func:`objects_in_units`)."""
    return objects_in_units(db, runs, unit, leave_out, trims)[1]


@st.cache_data(ttl=3600, show_spinner=False)
def objects_per_frame(db: str, runs: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """:func:`core.analysis.objects.frame_table` of the (video id, run id) pairs."""
    return core_objects.frame_table(store(), dict(runs))


@st.cache_data(ttl=3600, show_spinner=False)
def objects_boxes(db: str, runs: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """:func:`core.analysis.objects.export_table`: one row per box of the (video id, run id) pairs."""
    return core_objects.export_table(store(), dict(runs))


@st.cache_data(ttl=3600, show_spinner=False)
def frame_objects(db: str, run_id: str, frames: tuple[int, ...]) -> dict[int, list[dict[str, Any]]]:
    """Frame index → the boxes the detector found on it, for the frames asked."""
    return core_objects.frame_objects(store(), run_id, list(frames))
