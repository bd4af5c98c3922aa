"""The filter every analytics page starts with: which videos, which run of each, which model.

State lives in the URL (``videos``, ``runs``, ``model``), so a copied link opens the same view.
Each video's latest finished run is used unless another is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
import streamlit as st

from core.analysis import aggregates, analytics, categories, labels
from dashboard import data, levels, state, units, widgets
from dashboard.text import plain


@dataclass(frozen=True)
class Scope:
    """The selection, and what pages read about it: small per-run aggregates at once, frames
    (:attr:`top1`) only when a page asks for them."""

    db: str
    runs: dict[str, str]
    """Video id → run id."""
    videos: pd.DataFrame
    """:func:`core.analysis.analytics.video_table` of the selected runs."""
    stats: dict[str, dict[str, Any]]
    """Run id → its aggregates (:mod:`core.analysis.aggregates`), at label level."""
    model: str | None
    """The chosen model (None when the page asked for no model choice)."""
    level: str = "label"
    """What the ``label`` column of :attr:`top1`, :attr:`counts` and the rest holds: ``label``, ``category``
    or ``custom`` (see :mod:`dashboard.levels`)."""
    mapping: dict[str, str] | None = None
    """Label → category at ``level`` (None at label level)."""
    unit: str = "frames"
    """What one observation is: ``frames`` or ``shots`` (the unit selector, :mod:`dashboard.units`)."""
    leave_out: tuple[str, ...] = ()
    """The segments left out (:data:`core.analysis.units.SEGMENT_CHOICES`)."""
    trims: data.Trims = ()
    """The saved trims (:func:`dashboard.data.trims_key`) when ``trims`` is left out, else empty."""

    @cached_property
    def people_summary(self) -> pd.DataFrame:
        """:data:`core.analysis.people.SUMMARY_COLUMNS` per video, counted by :attr:`unit` without the :attr:`leave_out` segments
        (the stored summaries for frames with nothing left out)."""
        return data.people_summary(self.db, tuple(sorted(self.runs.items())), self.unit, self.leave_out, self.trims)

    @cached_property
    def objects_summary(self) -> pd.DataFrame:
        """:func:`core.analysis.objects.summary_table` per video, counted as :attr:`people_summary` is."""
        return data.objects_summary(self.db, tuple(sorted(self.runs.items())), self.unit, self.leave_out, self.trims)

    @cached_property
    def objects_shares(self) -> pd.DataFrame:
        """:func:`core.analysis.objects.share_table` per video and class, counted as :attr:`people_summary` is."""
        return data.objects_shares(self.db, tuple(sorted(self.runs.items())), self.unit, self.leave_out, self.trims)

    @cached_property
    def models(self) -> list[str]:
        return aggregates.models(self.stats)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """:func:`core.analysis.aggregates.summary_table`: one row per run and model, its ``labels`` at ``level``."""
        summary = aggregates.summary_table(self.stats)
        return summary if self.mapping is None else aggregates.with_labels(summary, self.counts)

    @cached_property
    def label_counts(self) -> pd.DataFrame:
        """The label-count table of the selected runs (:data:`core.analysis.analytics.COUNT_COLUMNS`), always of labels."""
        return data.label_counts(self.db, tuple(sorted(self.runs.items())))

    @cached_property
    def counts(self) -> pd.DataFrame:
        """:attr:`label_counts` at ``level``: counts (and score sums) of categories when a mapping applies."""
        return self.label_counts if self.mapping is None else analytics.regroup(categories.at_level(self.label_counts, self.mapping))

    @cached_property
    def top1(self) -> pd.DataFrame:
        """:func:`core.analysis.analytics.top1_table` of every selected run at ``level`` (one row per frame and model: read only when needed)."""
        return categories.at_level(data.top1(self.db, tuple(sorted(self.runs.values()))), self.mapping)

    def run_top1(self, video_id: str) -> pd.DataFrame:
        """The top-1 table of one selected video's run, at ``level``."""
        return categories.at_level(data.top1(self.db, (self.runs[video_id],)), self.mapping)

    def group_counts(self, groups: pd.DataFrame) -> pd.DataFrame:
        """:func:`core.analysis.analytics.group_counts` of the selection at ``level``, counted by the store."""
        pairs = tuple(sorted(zip(groups["video_id"], groups["group"], strict=True)))
        grouped = data.group_counts(self.db, tuple(sorted(self.runs.items())), pairs)
        if self.mapping is None:
            return grouped
        rolled = categories.at_level(grouped, self.mapping)
        return rolled.groupby(["model", "group", "label"])["count"].sum().reset_index().sort_values(["model", "group", "label"], ignore_index=True)

    def agreement(self, model_a: str, model_b: str) -> pd.DataFrame:
        """:func:`core.analysis.analytics.agreement` per video: from the aggregates at label level, from frames at a category level."""
        if self.mapping is None:
            return aggregates.agreement_table(self.stats, model_a, model_b)
        return analytics.agreement(self.top1, model_a, model_b)

    @property
    def random_weights(self) -> bool:
        return bool(self.videos["random_weights"].any())


def _parse_runs(text: str | None) -> dict[str, str]:
    pairs = [p.split(":", 1) for p in (text or "").split(",") if ":" in p]
    return {vid: run for vid, run in pairs}


def _run_name(run: Any) -> str:
    fps = run.fps if isinstance(run.fps, str) else f"{run.fps:g} fps"
    models = ", ".join(labels.model_name(m) for m in run.models.split(",") if m)
    return f"{run.created_at:%Y-%m-%d %H:%M} · {fps} · {models}{' · random weights' if run.random_weights else ''}"


def _pick_runs(finished: pd.DataFrame, titles: dict[str, str], overrides: dict[str, str]) -> None:
    """Let the user pick another run for videos that have more than one (``overrides``: video id →
    run id, updated in place). Two widgets whatever the library's size: a video, then its run."""
    st.caption("Each video's latest finished run is used unless you pick another.")
    by_video = {vid: runs for vid, runs in finished.groupby("video_id", sort=False)}  # newest first, as listed
    several = [vid for vid in titles if vid in by_video and len(by_video[vid]) > 1]
    if not several:
        st.caption("Every selected video has one finished run.")
        return
    vid = st.selectbox("Video", several, format_func=lambda v: plain(titles[v]), key=f"{state.SCOPE_RUN}.video")
    options = by_video[vid]
    names = {run.run_id: _run_name(run) for run in options.itertuples()}
    latest = options["run_id"].iloc[0]
    default = overrides.get(vid) if overrides.get(vid) in names else latest
    pick = st.selectbox("Run", list(names), index=list(names).index(default), format_func=names.get, key=f"{state.SCOPE_RUN}.{vid}")
    if pick != latest:
        overrides[vid] = pick
    else:
        overrides.pop(vid, None)
    if overrides:
        described = {run.run_id: _run_name(run) for run in finished[finished["run_id"].isin(list(overrides.values()))].itertuples()}
        st.caption("Other runs in use: " + "; ".join(f"{plain(titles[v])}: {described.get(r, r)}" for v, r in overrides.items()))


def analysis_scope(choose_model: bool = True, unit_choice: bool = True) -> Scope | None:
    """Draw the filters; return the scope, or None (after a friendly message) when nothing is analysed."""
    db = data.db_key()
    videos, runs = data.videos(db), data.runs(db)
    finished = runs[runs["state"] == "done"] if not runs.empty else runs
    if videos.empty or finished.empty:
        st.info(
            "Nothing analysed yet. Add a video and queue an analysis on the Videos page; results appear here when its job is done.", icon=":material/insights:"
        )
        st.page_link("pages/videos.py", label="Go to Videos", icon=":material/movie:")
        return None
    done = set(finished["video_id"])
    analysed = [v for v in videos["video_id"] if v in done]
    titles = dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))

    chosen = state.url_multi_choice(st.multiselect, "Videos", analysed, state.QP_VIDEOS, format_func=lambda v: titles[v], placeholder="Choose videos")
    if not chosen:
        st.info("Choose at least one video.")
        return None

    overrides = {v: r for v, r in _parse_runs(st.query_params.get(state.QP_RUNS)).items() if v in chosen}
    with st.expander("Runs", icon=":material/history:"):
        _pick_runs(finished[finished["video_id"].isin(chosen)], titles, overrides)
    state.set_params(**{state.QP_RUNS: ",".join(f"{v}:{r}" for v, r in overrides.items()) or None})

    latest = finished.drop_duplicates("video_id").set_index("video_id")["run_id"]  # runs are listed newest first
    selected = {vid: overrides.get(vid, latest[vid]) for vid in chosen if vid in latest.index}
    stats = data.run_stats(db, tuple(sorted(selected.values())))
    video_table = data.video_table(db, tuple(sorted(selected.items())))
    model = None
    if choose_model:
        models = aggregates.models(stats)
        model = state.url_choice(st.segmented_control, "Model", models, state.QP_MODEL, format_func=labels.model_name, required=True)
    level, mapping = levels.choose_level()
    widgets.random_weights_notice(int(video_table["random_weights"].sum()), len(video_table))
    scope = Scope(db=db, runs=selected, videos=video_table, stats=stats, model=model, level=level, mapping=mapping)
    return units.apply(scope, unit_choice)  # frames or shots, segments left out
