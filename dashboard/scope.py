"""The filter every analytics page starts with: which videos, which run of each, which model.

State lives in the URL (``videos``, ``runs``, ``model``), so a copied link opens the same view.
Each video's latest finished run is used unless another is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.analysis import analytics, labels
from dashboard import data, state, units, widgets
from dashboard.text import plain


@dataclass(frozen=True)
class Scope:
    runs: dict[str, str]
    """Video id → run id."""
    videos: pd.DataFrame
    """:func:`core.analysis.analytics.video_table` of the selected runs."""
    top1: pd.DataFrame
    """:func:`core.analysis.analytics.top1_table` of the selected runs."""
    model: str | None
    """The chosen model (None when the page asked for no model choice)."""

    @property
    def models(self) -> list[str]:
        return sorted(self.top1["model"].unique())

    @property
    def random_weights(self) -> bool:
        return bool(self.videos["random_weights"].any())


def _parse_runs(text: str | None) -> dict[str, str]:
    pairs = [p.split(":", 1) for p in (text or "").split(",") if ":" in p]
    return {vid: run for vid, run in pairs}


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
    analysed = [v for v in videos["video_id"] if v in set(finished["video_id"])]
    titles = dict(zip(videos["video_id"], videos["title"].fillna("(untitled)")))

    chosen = state.url_multi_choice(st.multiselect, "Videos", analysed, state.QP_VIDEOS, format_func=lambda v: titles[v], placeholder="Choose videos")
    if not chosen:
        st.info("Choose at least one video.")
        return None

    overrides = {v: r for v, r in _parse_runs(st.query_params.get(state.QP_RUNS)).items() if v in chosen}
    with st.expander("Runs", icon=":material/history:"):
        st.caption("Each video's latest finished run is used unless you pick another.")
        for vid in chosen:
            options = finished[finished["video_id"] == vid]
            run_names = {
                r.run_id: f"{r.created_at:%Y-%m-%d %H:%M} · {r.fps if isinstance(r.fps, str) else f'{r.fps:g} fps'} · {', '.join(labels.model_name(m) for m in r.models.split(',') if m)}{' · random weights' if r.random_weights else ''}"
                for r in options.itertuples()
            }
            default = overrides.get(vid) if overrides.get(vid) in run_names else options["run_id"].iloc[0]
            pick = st.selectbox(
                plain(titles[vid]), list(run_names), index=list(run_names).index(default), format_func=run_names.get, key=f"{state.SCOPE_RUN}.{vid}"
            )
            if pick != options["run_id"].iloc[0]:
                overrides[vid] = pick
            else:
                overrides.pop(vid, None)
    state.set_params(**{state.QP_RUNS: ",".join(f"{v}:{r}" for v, r in overrides.items()) or None})

    selected = analytics.selected_runs(data.store(), chosen, overrides)
    top1 = units.choose(db, selected, data.top1(db, tuple(sorted(selected.values()))), unit_choice)  # frames or shots, segments left out
    video_table = data.video_table(db, tuple(sorted(selected.items())))
    model = None
    if choose_model:
        models = sorted(top1["model"].unique())
        model = state.url_choice(st.segmented_control, "Model", models, state.QP_MODEL, format_func=labels.model_name, required=True)
    widgets.random_weights_notice(int(video_table["random_weights"].sum()), len(video_table))
    return Scope(runs=selected, videos=video_table, top1=top1, model=model)
