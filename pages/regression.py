"""Regression: do labels predict views? statsmodels OLS, the study's frame-level model and a video-level one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.analysis import labels, regression, units
from core.analysis.analytics import AnalysisUnavailable
from dashboard import data, levels, state, widgets
from dashboard import units as unit_choice
from dashboard.scope import analysis_scope
from dashboard.shell import ensure_shell

ensure_shell()

st.title("Regression")
st.caption(
    "Ordinary least squares of views (in millions) on labels, fitted with statsmodels: the study's `views ~ C(label)` on frames, and a model with one row per video."
)

scope = analysis_scope(unit_choice=False)  # the shot-level model is a level below
if scope is None:
    st.stop()
model = scope.model
widgets.no_views_notice(scope.videos, list(scope.runs), left_out_by="this page leaves", where="on the Videos page")


def show(result: regression.RegressionResult, name: str) -> None:
    for note in result.warnings:
        st.warning(note, icon=":material/report:")
    if result.problem:  # R², F and p-values would be noise (or nan and infinity): say why instead
        st.warning(result.problem, icon=":material/block:")
        st.caption(
            f"{labels.count(result.n_obs)} observations from {result.n_videos} videos; df model {labels.count(result.df_model)}, df residual {labels.count(result.df_resid)}."
        )
        return
    stats = result.stats()
    cols = st.columns(5)
    cols[0].metric(labels.column("r2"), f"{stats['r2']:.3f}")
    cols[1].metric(labels.column("adj_r2"), f"{stats['adj_r2']:.3f}")
    cols[2].metric(labels.column("f_stat"), labels.number(stats["f_stat"]), help=f"{labels.column('f_pvalue')}: {labels.p_value(stats['f_pvalue'])}")
    cols[3].metric(
        labels.column("n_obs"),
        labels.count(result.n_obs),
        help=f"{result.n_videos} videos; df model {labels.count(stats['df_model'])}, df residual {labels.count(stats['df_resid'])}",
    )
    cols[4].metric(
        f"{labels.column('aic')} / {labels.column('bic')}", f"{stats['aic']:,.0f} / {stats['bic']:,.0f}", help=f"Log-likelihood {labels.number(stats['llf'])}"
    )
    max_p = st.slider("Show terms with p below", 0.0, 1.0, 1.0, 0.01, key=f"reg.p.{name}")
    coefs = result.coefs[result.coefs["p_value"].fillna(1.0) <= max_p]
    widgets.table(coefs)
    widgets.download_csv(result.coefs, f"regression_{name}.csv")
    with st.expander("statsmodels summary"):
        widgets.preformatted(result.summary)
        st.download_button(
            "Download summary (TXT)", result.summary.encode("utf-8"), file_name=f"regression_{name}_summary.txt", mime="text/plain", icon=":material/download:"
        )


runs_key = tuple(sorted(scope.runs.items()))
views_key = tuple((v, None if pd.isna(n) else float(n)) for v, n in zip(scope.videos["video_id"], scope.videos["views"]))
LEVELS = {
    "frame": "Frame level (the study's model)",
    "shot": "Shot level (safer)",
    "video": "Video level",
    "people": "People on screen",
    "objects": "Objects on screen",
}
level = state.url_choice(st.segmented_control, "Model level", list(LEVELS), state.QP_LEVEL, format_func=LEVELS.get, required=True)
noun = levels.noun(scope.level)
top_n = 0
if level == "video":
    top_n = int(
        st.number_input(
            f"{noun.capitalize()} shares as regressors",
            min_value=1,
            max_value=20,
            value=3,
            help=f"The most frequent top-1 {levels.noun(scope.level, True)} across the selected videos.",
        )
    )
elif level == "people":
    st.caption(
        "One row per video: its views in millions and the share of its sampled frames with at least one person on screen"
        + (" (the frames of the left-out segments do not count)." if scope.leave_out else ".")
    )
elif level == "objects":
    top_n = int(
        st.number_input(
            "Object shares as regressors",
            min_value=1,
            max_value=20,
            value=3,
            help="The COCO object classes shown on most frames of the selected videos analysed with “Detect objects”.",
        )
    )
    st.caption(
        "One row per video analysed with object detection: its views in millions and, per object, the share of its frames showing it"
        + (" (the frames of the left-out segments do not count)." if scope.leave_out else ".")
    )
elif level == "shot":
    st.caption(unit_choice.WHY_SHOT_MODEL)
else:
    st.caption(f"One row per sampled frame: its top-1 {noun}, and its video's views in millions.")
rows = None if level in ("people", "objects") else unit_choice.regression_rows(scope, level)  # people, objects: one row per video, no frames
if scope.level != "label" and level in ("frame", "shot"):  # categories: far fewer dummies, at either level
    note = (
        levels.dummies_note(unit_choice.shot_rows(scope, by_label=True), rows, model, row="shot")
        if level == "shot"
        else levels.dummies_note(scope.label_counts, scope.counts, model)
    )
    if note:
        st.info(note, icon=":material/category:")
try:
    if rows is None:
        fit = data.regression_fit(data.db_key(), runs_key, views_key, model, level, top_n, levels.mapping_key(scope.level), scope.leave_out, scope.trims)
        show(fit, f"{model}_{level}s")
    else:
        views = pd.DataFrame(list(views_key), columns=["video_id", "views"])
        fits = {"video": lambda: regression.video_regression(rows, views, model, top_n), "shot": lambda: units.shot_regression(rows, views, model)}
        show(fits.get(level, lambda: regression.frame_regression(rows, views, model))(), f"{model}_{level}s")
except AnalysisUnavailable as err:
    st.info(str(err), icon=":material/info:")
st.caption(f"Model: {labels.model_name(model)}. Views are the analyst's figure where entered, else YouTube's.")
