"""The stakeholder report: one self-contained HTML file (interactive charts, tables, settings,
run ids, random-weights flag) plus CSVs and word-cloud PNGs. ``python -m core report`` and the
dashboard's download button both call :func:`build_report`."""

from __future__ import annotations

import base64
import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from core.analysis import analytics, regression
from core.analysis.charts import BLUE, ORANGE, bootstrap_chart, label_counts_bar, score_histogram
from core.analysis.wordclouds import wordcloud_png
from core.errors import ReelsightError
from core.exports import output_dir, to_csv
from core.inference import MODELS
from core.store import Store

CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0} th,td{border:1px solid #e3e3e3;padding:.25rem .5rem;text-align:left}
th{background:#f6f6f6} .warn{background:#fff4d6;border-left:4px solid #f0b400;padding:.6rem .9rem;margin:.8rem 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem} .muted{color:#777;font-size:.85rem} pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.75rem}
img{max-width:100%} .scroll{overflow-x:auto}
"""


class ReportError(ReelsightError):
    """Nothing to report on."""


@dataclass
class Report:
    """What :func:`build_report` computed; ``html`` is the whole report page."""

    html: str
    videos: pd.DataFrame
    """The "Videos and runs" table (written as ``videos.csv``)."""
    top_features: pd.DataFrame
    confidence: pd.DataFrame
    regressions: dict[str, regression.RegressionResult]
    wordclouds: dict[tuple[str, str], bytes]
    notes: list[str] = field(default_factory=list)


def _table(frame: pd.DataFrame, floats: str = "{:.4g}") -> str:
    return "<div class='scroll'>" + frame.to_html(index=False, border=0, float_format=lambda v: floats.format(v), escape=True) + "</div>"


def build_report(
    store: Store,
    video_ids: list[str] | None = None,
    threshold: float | None = None,
    sample_size: int = 30,
    draws: int = 1000,
    seed: int = 0,
    run_ids: dict[str, str] | None = None,
) -> Report:
    """Compute every analysis for the selected videos: each video's latest finished run, unless
    ``run_ids`` (video → run) names another. ``video_ids=None`` means every analysed video."""
    runs = analytics.selected_runs(store, video_ids, run_ids)
    if not runs:
        raise ReportError("No analysed videos to report on. Analyse a video first (`python -m core analyze VIDEO_ID`, then a worker).")
    videos = analytics.video_table(store, runs)
    top1 = analytics.top1_table(store, list(runs.values()))
    models = sorted(top1["model"].unique())
    confidence = analytics.confidence_table(top1, sample_size, draws, seed)
    notes: list[str] = []
    try:
        threshold, groups = analytics.split_popularity(videos, threshold)
        top_features = analytics.top_features(top1, groups)
    except analytics.AnalysisUnavailable as err:
        notes.append(str(err))
        groups = videos.assign(group="no views")
        top_features = pd.DataFrame(columns=["model", "group", "rank", "label", "count"])
    regressions = {}
    for model in models:
        try:
            regressions[model] = regression.frame_regression(top1, videos, model)
        except analytics.AnalysisUnavailable as err:
            notes.append(f"{MODELS[model].display}: {err}")
    clouds = {}
    for vid in runs:
        for model in models:
            freqs = analytics.label_frequencies(top1, vid, model)
            if freqs:
                clouds[(vid, model)] = wordcloud_png(freqs)
    overview = analytics.overview_table(top1, groups).drop(columns=["channel"], errors="ignore")
    page = _render(videos, overview, top1, models, confidence, top_features, regressions, clouds, threshold, notes, sample_size, draws, seed)
    return Report(html=page, videos=overview, top_features=top_features, confidence=confidence, regressions=regressions, wordclouds=clouds, notes=notes)


def _render(videos, overview, top1, models, confidence, top_features, regressions, clouds, threshold, notes, sample_size, draws, seed) -> str:
    figures: list[str] = []

    def fig_html(figure: go.Figure) -> str:
        first = not figures
        figures.append(figure.to_html(full_html=False, include_plotlyjs="inline" if first else False, config={"displaylogo": False}))
        return figures[-1]

    titles = dict(zip(videos["video_id"], videos["title"]))
    parts = [
        f"<h1>Reelsight report</h1><p class='muted'>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {len(videos)} videos · models: {', '.join(MODELS[m].display for m in models)}</p>"
    ]
    if videos["random_weights"].any():
        parts.append(
            "<div class='warn'><b>Random weights.</b> Some runs used untrained models, so their labels and scores are meaningless except for testing.</div>"
        )
    for note in notes:
        parts.append(f"<div class='warn'>{html.escape(note)}</div>")

    parts += ["<h2>Videos and runs</h2>", _table(overview)]
    if threshold is not None:
        parts.append(f"<p class='muted'>Popular: at least {threshold:,.0f} views.</p>")
    parts.append(f"<p class='muted'>Run ids: {html.escape(', '.join(f'{titles[v]} → {r}' for v, r in zip(videos['video_id'], videos['run_id'])))}</p>")

    parts.append(f"<h2>Confidence</h2><p class='muted'>Bootstrap: {draws} samples of {sample_size} frames, seed {seed}; 95% interval of the sample means.</p>")
    parts.append(_table(confidence.assign(title=confidence["video_id"].map(titles))))
    for vid in videos["video_id"]:
        cells = []
        for model in models:
            scores = top1[(top1["video_id"] == vid) & (top1["model"] == model)]["score"]
            if scores.empty:
                continue
            boot = analytics.bootstrap_means(scores.to_numpy(), sample_size, draws, seed)
            cells.append(fig_html(score_histogram(scores, f"{titles[vid]} · {MODELS[model].display} · top-1 confidence")))
            cells.append(fig_html(bootstrap_chart(boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), "Bootstrap sample means")))
        parts.append("<div class='grid'>" + "".join(f"<div>{c}</div>" for c in cells) + "</div>")

    if not top_features.empty:
        parts.append("<h2>Top-20 labels: popular vs unpopular</h2><div class='grid'>")
        for model in models:
            for group, color in (("popular", BLUE), ("unpopular", ORANGE)):
                rows = top_features[(top_features["model"] == model) & (top_features["group"] == group)]
                parts.append(f"<div>{fig_html(label_counts_bar(rows, f'{MODELS[model].display} · {group}', count_col='count', color=color))}</div>")
        parts.append("</div>")

    if clouds:
        parts.append("<h2>Word clouds</h2><div class='grid'>")
        for (vid, model), png in clouds.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<div><p><b>{html.escape(str(titles[vid]))}</b> · {MODELS[model].display}</p><img alt='word cloud' src='data:image/png;base64,{data}'></div>"
            )
        parts.append("</div>")

    if regressions:
        parts.append("<h2>Regression: views ~ C(label), frame level</h2>")
        for model, result in regressions.items():
            stats = result.stats()
            parts.append(f"<h3>{MODELS[model].display}</h3>")
            parts += [f"<div class='warn'>{html.escape(w)}</div>" for w in result.warnings]
            parts.append(_table(pd.DataFrame([stats])))
            parts.append(_table(result.coefs))
            parts.append(f"<pre>{html.escape(result.summary)}</pre>")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Reelsight report</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"


def write_report(report: Report, out_dir: str | Path) -> Path:
    """Write ``report.html`` and the CSV/TXT/PNG files next to it; returns the HTML path."""
    out = output_dir(out_dir)
    (out / "report.html").write_text(report.html, encoding="utf-8")
    to_csv(report.videos, out / "videos.csv")
    to_csv(report.top_features, out / "top_features.csv")
    to_csv(report.confidence[["video_id", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high"]], out / "confidence.csv")
    for model, result in report.regressions.items():
        to_csv(result.coefs, out / f"regression_{model}.csv")
        (out / f"regression_{model}_summary.txt").write_text(result.summary, encoding="utf-8")
    for (vid, model), png in report.wordclouds.items():
        (out / f"wordcloud_{vid}_{model}.png").write_bytes(png)
    return out / "report.html"
