"""OLS regressions of views on labels with statsmodels, as the source study fitted them.

- Frame level (the study's model): one row per sampled frame, ``views ~ C(label)``, where
  ``label`` is the frame's top-1 label and ``views`` the video's views in millions.
- Video level: one row per video, ``views ~ share_<label> + …`` with the shares of the
  ``top_n`` most frequent top-1 labels as regressors.

Each result carries plain-language warnings about what the fit can and cannot say, and
:attr:`RegressionResult.problem` when its statistics mean nothing at all (no residual degrees of
freedom, an exact fit, or undefined values): pages and the report then show that sentence instead
of R², F and p-values.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import OLSResults, RegressionResultsWrapper

from core.analysis import categories
from core.analysis.analytics import AnalysisUnavailable, top1_table
from core.store import Store

COEF_COLUMNS = ["term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high"]
PSEUDO_REPLICATION_RATIO = 10
"""Frame rows per video above which frame-level p-values are flagged as over-confident."""


@dataclass
class RegressionResult:
    """One fitted OLS model with the statistics the study reported."""

    level: str
    """``frame`` or ``video``."""
    model: str
    formula: str
    n_obs: int
    n_videos: int
    df_model: float
    df_resid: float
    r2: float
    adj_r2: float
    f_stat: float
    f_pvalue: float
    llf: float
    aic: float
    bic: float
    coefs: pd.DataFrame
    """Columns :data:`COEF_COLUMNS`, one row per term."""
    summary: str
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None
    """Why the fit's statistics mean nothing, in plain words; None when they can be read."""

    def stats(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("r2", "adj_r2", "f_stat", "f_pvalue", "llf", "aic", "bic", "n_obs", "df_model", "df_resid")}

    def to_doc(self) -> dict[str, Any]:
        """A plain JSON document (for the store to keep; NaN and infinities as the strings
        ``"nan"``, ``"inf"``, ``"-inf"``), read back by :meth:`from_doc` unchanged."""
        doc = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "coefs"}
        doc["coefs"] = {c: [_plain(v) for v in self.coefs[c].tolist()] for c in COEF_COLUMNS}
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RegressionResult:
        values = {k: _number(v) if k in _FLOAT_FIELDS else v for k, v in doc.items() if k != "coefs"}
        coefs = {c: [_number(v) for v in doc["coefs"][c]] if c != "term" else doc["coefs"][c] for c in COEF_COLUMNS}
        return cls(**values, coefs=pd.DataFrame(coefs, columns=COEF_COLUMNS))


_FLOAT_FIELDS = {"df_model", "df_resid", "r2", "adj_r2", "f_stat", "f_pvalue", "llf", "aic", "bic"}
_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _plain(value: Any) -> Any:
    """A float that JSON cannot hold (NaN, ±infinity) as its name; anything else as it is."""
    return str(value) if isinstance(value, float) and not np.isfinite(value) else value


def _number(value: Any) -> Any:
    return _NON_FINITE.get(value, value) if isinstance(value, str) else value


def _views_by_video(videos: pd.DataFrame) -> pd.Series:
    known = videos.dropna(subset=["views"]).set_index("video_id")["views"].astype(float) / 1e6
    if known.index.nunique() < 2:
        raise AnalysisUnavailable(
            "A regression of views on labels needs at least two videos with view counts: with one video every "
            "frame has the same views, so labels cannot explain any difference. Select more videos or enter their views."
        )
    if known.nunique() < 2:
        raise AnalysisUnavailable(
            f"All {known.index.nunique()} selected videos have the same view count ({known.iloc[0] * 1e6:,.0f}), so there is no "
            "difference in views for labels to explain. Select videos with different view counts."
        )
    return known


def _fit(data: pd.DataFrame, formula: str, level: str, model: str, n_videos: int) -> RegressionResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on tiny samples; we say it in plain words below
        fit = smf.ols(formula, data=data).fit()
        summary = str(fit.summary())
    return _result(fit, summary, formula, level, model, n_videos)


class _CodedOLS(sm.OLS):
    """statsmodels' OLS for the design intercept + one-hot of ``_codes`` (code 0: the baseline):
    predictions and the log-likelihood read the codes, so the n × k design matrix (gigabytes for a
    million frames and hundreds of labels) is never built. Named ``OLS`` in summaries, as it is one."""

    _codes: np.ndarray

    def predict(self, params: np.ndarray, exog: Any = None, *args: Any, **kwargs: Any) -> np.ndarray:
        params = np.asarray(params)
        return params[0] + np.r_[0.0, params[1:]][self._codes]

    def loglike(self, params: np.ndarray, scale: float | None = None) -> float:
        """As :meth:`statsmodels.regression.linear_model.OLS.loglike`, with the residuals from :meth:`predict`."""
        half = self.nobs / 2.0
        ssr = float(np.sum((self.endog - self.predict(params)) ** 2))
        if scale is None:
            return -half * np.log(2 * np.pi) - half * np.log(ssr / self.nobs) - half
        return -half * np.log(2 * np.pi * scale) - ssr / (2 * scale)


_CodedOLS.__name__ = "OLS"


def _fit_categorical(labels: pd.Series, views: pd.Series, model: str, n_videos: int) -> RegressionResult:
    """``views ~ C(label)`` (treatment coding against the first label alphabetically, as patsy
    does), solved on the small k × k system: with one categorical regressor, XᵀX and Xᵀy follow
    from the label counts and sums, so no SVD or QR of the n × k design matrix is needed, and the
    matrix itself is never built (:class:`_CodedOLS`). The statsmodels results object, its summary
    and its statistics are built from that solution; the tests check the numbers against
    statsmodels' own fit."""
    levels = sorted(labels.unique())
    codes = pd.Categorical(labels, categories=levels).codes
    y = views.to_numpy(dtype=float)
    n, k = len(y), len(levels)
    counts = np.bincount(codes, minlength=k).astype(float)
    sums = np.bincount(codes, weights=y, minlength=k)
    xtx = np.diag(np.r_[n, counts[1:]])
    xtx[0, 1:] = xtx[1:, 0] = counts[1:]
    xty = np.r_[y.sum(), sums[1:]]
    eigenvalues, eigenvectors = np.linalg.eigh(xtx)  # one decomposition gives the rank, the pseudo-inverse and the condition number
    kept = eigenvalues > eigenvalues.max() * k * np.finfo(float).eps
    cov = (eigenvectors[:, kept] / eigenvalues[kept]) @ eigenvectors[:, kept].T
    distinct = np.eye(k)  # the k distinct rows of the design: statsmodels finds the constant column on these
    distinct[:, 0] = 1.0
    ols = _CodedOLS(np.arange(k, dtype=float), distinct, hasconst=True)
    ols.endog = ols.wendog = y
    ols.exog = ols.wexog = np.broadcast_to(np.zeros(1), (n, k))  # shape only (no memory); every product goes through the codes
    ols.weights = np.ones(n)
    ols.nobs = float(n)
    ols._codes = codes
    ols.rank = int(kept.sum())
    ols.wexog_singular_values = np.sqrt(np.clip(eigenvalues, 0.0, None))[::-1]
    ols.normalized_cov_params = cov
    names = ["Intercept"] + [f"C(label)[T.{level}]" for level in levels[1:]]
    fit = RegressionResultsWrapper(OLSResults(ols, cov @ xty, normalized_cov_params=cov))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = str(fit.summary(yname="views", xname=names))
    return _result(fit, summary, "views ~ C(label)", "frame", model, n_videos, terms=names)


def _result(fit: Any, summary: str, formula: str, level: str, model: str, n_videos: int, terms: list[str] | None = None) -> RegressionResult:
    """Collect ``fit``'s statistics; ``terms`` names the coefficients when the model was fitted on a bare array."""
    ci = np.asarray(fit.conf_int())
    coefs = pd.DataFrame(
        {
            "term": terms if terms is not None else fit.params.index,
            "coef": np.asarray(fit.params),
            "std_err": np.asarray(fit.bse),
            "t": np.asarray(fit.tvalues),
            "p_value": np.asarray(fit.pvalues),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
        }
    )
    notes = []
    if fit.model.rank < fit.model.exog.shape[1]:
        notes.append(
            "The fit is singular: some labels carry the same information (for example, a label that occurs in only one "
            "video is confounded with that video), so their coefficients are not identifiable. Treat them as unreliable."
        )
    result = RegressionResult(
        level=level,
        model=model,
        formula=formula,
        n_obs=int(fit.nobs),
        n_videos=n_videos,
        df_model=float(fit.df_model),
        df_resid=float(fit.df_resid),
        r2=float(fit.rsquared),
        adj_r2=float(fit.rsquared_adj),
        f_stat=float(fit.fvalue) if fit.fvalue is not None else float("nan"),
        f_pvalue=float(fit.f_pvalue) if fit.f_pvalue is not None else float("nan"),
        llf=float(fit.llf),
        aic=float(fit.aic),
        bic=float(fit.bic),
        coefs=coefs,
        summary=summary,
        warnings=notes,
    )
    result.problem = _problem(fit, result)
    return result


def _problem(fit: Any, result: RegressionResult) -> str | None:
    """Why ``fit``'s R², F and p-values mean nothing, or None when they can be read."""
    n, k = result.n_obs, int(fit.model.exog.shape[1])
    if result.df_resid <= 0:
        return (
            f"There are no residual degrees of freedom ({n:,} observations for {k} coefficients): the model can fit any data "
            "exactly, so R², F and p-values mean nothing. Add observations or use fewer labels."
        )
    centred = float(np.sum((fit.model.endog - fit.model.endog.mean()) ** 2))
    if float(fit.ssr) <= 1e-12 * max(centred, 1e-300):
        return (
            "The labels reproduce every view count exactly (each label, or mix of labels, belongs to videos with one view count), "
            "so R² is 1 and F is infinite: that says nothing about views. Add videos that share labels."
        )
    if not all(np.isfinite(v) for v in (result.r2, result.adj_r2, result.f_stat, result.f_pvalue, result.llf, result.aic, result.bic)):
        return "Some of this fit's statistics are undefined (not finite numbers), so none is shown. Add videos or labels with more variety."
    return None


def frame_regression(top1: pd.DataFrame, videos: pd.DataFrame, model: str) -> RegressionResult:
    """The study's frame-level OLS ``views ~ C(label)`` for one classifier (views in millions)."""
    views = _views_by_video(videos)
    rows = top1[(top1["model"] == model) & top1["video_id"].isin(views.index)][["video_id", "label"]].copy()
    if rows.empty:
        raise AnalysisUnavailable(f"No frames of {model} for videos with view counts.")
    rows["views"] = rows["video_id"].map(views)
    if rows["label"].nunique() < 2:
        raise AnalysisUnavailable("Every frame has the same top-1 label, so there is nothing for a regression to compare.")
    result = _fit_categorical(rows["label"], rows["views"], model, views.index.nunique())
    per_video = len(rows) / result.n_videos
    if per_video > PSEUDO_REPLICATION_RATIO:
        result.warnings.insert(
            0,
            f"Pseudo-replication: {len(rows):,} frame rows come from only {result.n_videos} videos (about {per_video:.0f} per video). "
            "Frames of one video share its view count, so they are not independent observations: the p-values and F-test "
            "are far too optimistic. Read the video-level model, or add more videos, before drawing conclusions.",
        )
    return result


def _safe(label: str) -> str:
    return "share_" + re.sub(r"\W", "_", label)


def video_regression(top1: pd.DataFrame, videos: pd.DataFrame, model: str, top_n: int = 3) -> RegressionResult:
    """Video-level OLS: views on the shares of the ``top_n`` most frequent top-1 labels."""
    views = _views_by_video(videos)
    rows = top1[(top1["model"] == model) & top1["video_id"].isin(views.index)]
    if rows.empty:
        raise AnalysisUnavailable(f"No frames of {model} for videos with view counts.")
    top_labels = rows["label"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(top_n).index.tolist()
    shares = pd.crosstab(rows["video_id"], rows["label"], normalize="index").reindex(columns=top_labels, fill_value=0.0)
    return _shares_regression(shares, views, model, "label")


def _shares_regression(shares: pd.DataFrame, views: pd.Series, model: str, noun: str) -> RegressionResult:
    """``views ~ share_<a> + share_<b> + …`` with one row per video: ``shares`` is video id × name
    (shares 0–1, columns in the order of the terms), ``views`` in millions by video id. When
    there are no more videos than coefficients the fit's ``problem`` says so ("label" or "object" shares)."""
    data = shares.rename(columns={name: _safe(name) for name in shares.columns})
    data.columns.name = None
    data["views"] = views.reindex(data.index)
    formula = "views ~ " + " + ".join(_safe(name) for name in shares.columns)
    result = _fit(data.reset_index(drop=True), formula, "video", model, len(data))
    n_params = shares.shape[1] + 1
    if len(data) <= n_params:
        result.problem = (
            f"Only {len(data)} videos for {n_params} coefficients (intercept and {shares.shape[1]} {noun} shares): the model "
            f"can fit any data, so its R², F and p-values mean nothing and are not shown. Add videos or lower the number of {noun}s."
        )
    return result


def people_regression(summary: pd.DataFrame, videos: pd.DataFrame) -> RegressionResult:
    """Video-level OLS of views (millions) on the share of frames with people on screen,
    ``views ~ person_share``, over the videos whose runs counted people.

    ``summary``: :func:`core.analysis.people.summary_table` rows (``video_id, person_share``)."""
    views = _views_by_video(videos)
    data = summary.dropna(subset=["person_share"]).set_index("video_id")[["person_share"]]
    data = data[data.index.isin(views.index)].copy()
    if len(data) < 2:
        raise AnalysisUnavailable(
            f"Only {len(data)} of the selected videos with view counts had faces and people counted. Queue new analyses with "
            "“Count faces and people” on, for at least two videos with different view counts."
        )
    if data["person_share"].nunique() < 2:
        raise AnalysisUnavailable(
            f"Every one of these {len(data)} videos shows people on the same share of frames ({data['person_share'].iloc[0]:.0%}), "
            "so there is no difference for it to explain views by. Select more varied videos."
        )
    data["views"] = views.reindex(data.index)
    result = _fit(data.reset_index(drop=True), "views ~ person_share", "video", "people", len(data))
    if len(data) <= 2:
        result.problem = (
            "Only two videos for two coefficients (intercept and the share of frames with people): a line always passes through "
            "two points exactly, so R², F and p-values mean nothing and are not shown. Add videos."
        )
    return result


def objects_regression(shares: pd.DataFrame, summary: pd.DataFrame, videos: pd.DataFrame, top_n: int = 3) -> RegressionResult:
    """Video-level OLS of views (millions) on the shares of frames showing each of the ``top_n``
    object classes shown on most frames of the selected videos with views: ``views ~ share_car +
    share_person + …``, over the videos whose runs detected objects.

    ``shares``/``summary``: :func:`core.analysis.objects.share_table` and ``summary_table`` rows."""
    views = _views_by_video(videos)
    detected = summary[(summary["frames"].fillna(0) > 0) & summary["video_id"].isin(views.index)]["video_id"]
    if len(detected) < 2:
        raise AnalysisUnavailable(
            f"Only {len(detected)} of the selected videos with view counts had objects detected. Queue new analyses with "
            "“Detect objects” on, for at least two videos with different view counts."
        )
    rows = shares[shares["video_id"].isin(detected)]
    if rows.empty:
        raise AnalysisUnavailable(
            f"The detector found no object above its threshold on any frame of these {len(detected)} videos, so there is nothing to explain views by."
        )
    totals = rows.groupby("label")["frames"].sum()
    top = totals.sort_index().sort_values(ascending=False, kind="stable").head(top_n).index.tolist()
    shares = rows.pivot_table(index="video_id", columns="label", values="share", fill_value=0.0).reindex(index=detected, columns=top, fill_value=0.0)
    constant = [name for name in top if shares[name].nunique() < 2]
    if len(constant) == len(top):
        raise AnalysisUnavailable(
            f"Each of these objects ({', '.join(constant)}) is on the same share of frames in every one of these {len(shares)} videos, "
            "so there is no difference for it to explain views by. Select more varied videos."
        )
    result = _shares_regression(shares.drop(columns=constant), views, "objects", "object")
    if constant:
        result.warnings.append(f"Left out {', '.join(constant)}: on the same share of frames in every video, so it cannot explain a difference in views.")
    return result


FIT_VERSION = 1
"""Part of every kept fit's key: raise it when a fit's numbers or fields change."""


def kept_regression(
    store: Store, runs: dict[str, str], videos: pd.DataFrame, model: str, level: str, top_n: int = 3, label_categories: Mapping[str, str] | None = None
) -> RegressionResult:
    """:func:`frame_regression` (``level="frame"``) or :func:`video_regression` of the selected runs
    (video id → run id), on their labels or, with ``label_categories`` (label → category), on
    categories; fitted once per selection and kept in the store until the data changes: the key holds
    the runs, every video's views, the model, the level, ``top_n`` and the mapping. A fit that cannot
    be made raises :class:`AnalysisUnavailable` each time (nothing is kept)."""
    views = sorted((v, None if pd.isna(n) else float(n)) for v, n in zip(videos["video_id"], videos["views"], strict=True))
    what = {
        "version": FIT_VERSION,
        "runs": sorted(runs.items()),
        "views": views,
        "model": model,
        "level": level,
        "top_n": top_n if level == "video" else None,
        "categories": sorted(label_categories.items()) if label_categories is not None else None,
    }
    key = "regression:" + hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
    kept = store.runs.kept_fit(key)
    if kept is not None:
        return RegressionResult.from_doc(kept)
    top1 = categories.at_level(top1_table(store, list(runs.values())), label_categories)
    result = frame_regression(top1, videos, model) if level == "frame" else video_regression(top1, videos, model, top_n)
    store.runs.keep_fit(key, list(runs.values()), result.to_doc())
    return result
