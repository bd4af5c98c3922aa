"""The stakeholder report: one self-contained HTML file (interactive charts, tables, settings,
run ids, random-weights flag, people and objects per popularity group) plus CSVs and word-cloud PNGs. ``python -m core report`` and the
dashboard's download button both call :func:`build_report`.

The page reads like the dashboard: column and model names, labels and numbers go through
:mod:`core.analysis.labels`; wide tables wrap; a chart or statistic the data cannot support is
replaced by a sentence saying why; statsmodels' raw text sits in an appendix at the end."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from core.analysis import aggregates, analytics, categories, labels, objects, objects_by_group, people, regression, units
from core.analysis.charts import BLUE, ORANGE, bootstrap_chart, label_counts_bar, score_histogram
from core.analysis.on_screen import objects_in_units, people_in_units
from core.analysis.wordclouds import wordcloud_png
from core.errors import ReelsightError
from core.exports import output_dir, to_csv
from core.store import Store

CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1.5rem;line-height:1.4}
h1{margin-bottom:.2rem} h2{margin-top:2.4rem;border-bottom:1px solid #ddd;padding-bottom:.3rem} h3{margin:1.6rem 0 .4rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0;max-width:100%}
th,td{border:1px solid #e3e3e3;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f6f6f6;font-weight:600} th.num{text-align:right} td.num{text-align:right;white-space:nowrap}
.warn{background:#fff4d6;border-left:4px solid #f0b400;padding:.6rem .9rem;margin:.8rem 0}
.note{background:#f3f6fa;border-left:4px solid #9db3cf;padding:.6rem .9rem;margin:.8rem 0;font-size:.9rem}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1.2rem 1.5rem} .grid>div{min-width:0}
.muted{color:#666;font-size:.85rem} img{max-width:100%}
pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.75rem}
"""

COEFFICIENTS_SHOWN = 20
"""Regression terms listed in the body (smallest p-values first); all of them are in the appendix and the CSV."""
OVERVIEW_COLUMNS_LEFT_OUT = ("run_id", "video_id")
"""Listed under the table instead, where long ids cannot widen it."""


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
    on_screen: OnScreenByGroup | None = None
    """People and objects per popularity group, as the Popular vs unpopular page shows them (None
    without a popularity split)."""


@dataclass
class OnScreenByGroup:
    """People and objects per popularity group; each part is None when no selected run counted it."""

    people: pd.DataFrame | None = None
    """:func:`core.analysis.people.by_group` (written as ``people_by_group.csv``)."""
    top_objects: pd.DataFrame | None = None
    """:func:`core.analysis.objects_by_group.top_by_group` (``top_objects.csv``, as the page's download)."""
    object_lift: pd.DataFrame | None = None
    """:func:`core.analysis.objects_by_group.lift` (``lift_objects.csv``); None with ``lift_reason`` when it cannot be computed."""
    object_frames: dict[str, int] = field(default_factory=dict)
    """Popularity group → frames detected on."""
    object_videos: tuple[int, int] = (0, 0)
    """Videos analysed with object detection, of the selected videos."""
    lift_reason: str | None = None
    unit: str = "frames"
    """What the counts count: ``frames`` or ``shots`` (a shot shows what more than half of its frames show)."""


def on_screen_by_group(
    groups: pd.DataFrame, people_summary: pd.DataFrame, objects_summary: pd.DataFrame, object_shares: pd.DataFrame, unit: str = "frames"
) -> OnScreenByGroup:
    """The Popular vs unpopular page's people and objects sections: ``groups`` from
    :func:`core.analysis.analytics.split_popularity`, the summaries and shares from
    :func:`core.analysis.on_screen.people_in_units` and :func:`core.analysis.on_screen.objects_in_units`
    for the same ``unit`` and segments left out."""
    out = OnScreenByGroup(unit=unit)
    by_group = people.by_group(people_summary, groups)
    if by_group["videos"].sum():
        out.people = by_group
    detected = objects.detected_videos(objects_summary)
    if detected:
        table = objects_by_group.group_table(object_shares, objects_summary, groups)
        frames = objects_by_group.group_frames(objects_summary, groups)
        out.top_objects = objects_by_group.top_by_group(table)
        out.object_frames = {str(k): int(v) for k, v in frames.items()}
        out.object_videos = (len(detected), len(objects_summary))
        try:
            out.object_lift = objects_by_group.lift(table, frames)
        except analytics.AnalysisUnavailable as err:
            out.lift_reason = str(err)
    return out


def _table(frame: pd.DataFrame, columns: list[str] | None = None, unit: str = "frames") -> str:
    """An HTML table as people read it (:func:`core.analysis.labels.display_table`): display names
    (for ``unit``), formatted numbers right-aligned, "—" for missing values, Yes/No, labels as words; text wraps."""
    raw = frame[columns] if columns is not None else frame
    raw = labels.drop_empty(raw)
    shown = labels.display_table(raw, hide_empty=False, unit=unit)
    numeric = [labels.kind(c) not in ("text", "label", "model", "term", "yes_no") for c in raw.columns]
    head = "".join(f"<th class='num'>{html.escape(c)}</th>" if num else f"<th>{html.escape(c)}</th>" for c, num in zip(shown.columns, numeric))
    rows = []
    for values in shown.itertuples(index=False):
        cells = "".join(f"<td class='num'>{html.escape(v)}</td>" if num else f"<td>{html.escape(v)}</td>" for v, num in zip(values, numeric))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _note(text: str) -> str:
    return f"<div class='note'>{html.escape(text)}</div>"


def build_report(
    store: Store,
    video_ids: list[str] | None = None,
    threshold: float | None = None,
    sample_size: int = 30,
    draws: int = 1000,
    seed: int = 0,
    run_ids: dict[str, str] | None = None,
    label_categories: Mapping[str, str] | None = None,
    unit: str = "frames",
    leave_out: Iterable[str] = (),
) -> Report:
    """Compute every analysis for the selected videos: each video's latest finished run, unless
    ``run_ids`` (video → run) names another. ``video_ids=None`` means every analysed video.
    ``label_categories`` (label → category) reads every frame's label as its category. ``unit``
    ``"shots"`` counts each shot once (its most frequent top-1 label), and ``leave_out`` drops the
    frames of black segments, still pictures or outside the saved trims
    (:data:`core.analysis.units.SEGMENT_CHOICES`), as the pages' unit selector does."""
    try:
        leave_out = units.check_choice(unit, leave_out)
    except analytics.AnalysisUnavailable as err:
        raise ReportError(str(err)) from err
    runs = analytics.selected_runs(store, video_ids, run_ids)
    if not runs:
        raise ReportError("No analysed videos to report on. Analyse a video first (`python -m core analyze VIDEO_ID`, then a worker).")
    videos = analytics.video_table(store, runs)
    top1 = categories.at_level(analytics.top1_table(store, list(runs.values())), label_categories)
    notes: list[str] = []
    if unit == "frames" and not leave_out:
        stats = aggregates.run_stats(store, list(runs.values()))
    else:
        top1 = units.in_units(store, top1, unit, leave_out)
        if top1.empty:
            raise ReportError(
                "None of the chosen runs has shots to count. Analyse the videos again with shot detection on (the default), or report on frames."
                if unit == "shots"
                else "Nothing is left once those segments are left out. Leave out less, or report on every frame."
            )
        stats = units.run_aggregates(top1)
        notes += _unit_notes(unit, leave_out, top1, runs)
    counts = analytics.label_counts(top1)
    models = sorted(top1["model"].unique())
    confidence = analytics.confidence_table(top1, sample_size, draws, seed)
    if label_categories is not None:
        notes.append(
            f"Labels are read as {len(set(label_categories.values()) | {categories.OTHER})} categories: each frame counts under the category of its top-1 label."
        )
    people_summary = people_in_units(store, runs, unit, leave_out)  # the stored summaries for frames with nothing left out
    objects_summary, object_shares = objects_in_units(store, runs, unit, leave_out)
    on_screen = None
    try:
        threshold, groups = analytics.split_popularity(videos, threshold)
        top_features = analytics.top_features(analytics.group_counts(counts, groups))
        on_screen = on_screen_by_group(groups, people_summary, objects_summary, object_shares, unit)
    except analytics.AnalysisUnavailable as err:
        notes.append(str(err))
        groups = videos.assign(group="no views")
        top_features = pd.DataFrame(columns=["model", "group", "rank", "label", "count"])
    regressions = {}
    for model in models:
        try:
            regressions[model] = units.shot_regression(top1, videos, model) if unit == "shots" else regression.frame_regression(top1, videos, model)
        except analytics.AnalysisUnavailable as err:
            notes.append(f"{labels.model_name(model)}: {err}")
    clouds = {}
    for vid in runs:
        for model in models:
            freqs = analytics.label_frequencies(counts, vid, model)
            if freqs:
                clouds[(vid, model)] = wordcloud_png(freqs)
    frames = {run_id: doc["frames"] for run_id, doc in stats.items()}
    summary = aggregates.summary_table(stats)
    if label_categories is not None:
        summary = aggregates.with_labels(summary, counts)
    overview = analytics.overview_table(summary, frames, groups, unit).drop(columns=["channel"], errors="ignore")
    overview = objects.with_objects(people.with_people(overview, people_summary), objects_summary)  # as the Overview page
    page = _render(videos, overview, top1, models, confidence, top_features, regressions, clouds, threshold, notes, sample_size, draws, seed, unit, on_screen)
    return Report(
        html=page,
        videos=overview,
        top_features=top_features,
        confidence=confidence,
        regressions=regressions,
        wordclouds=clouds,
        notes=notes,
        on_screen=on_screen,
    )


LEFT_OUT_WORDS = {"black": "black segments", "static": "still pictures", "trims": "what lies outside the saved intro/outro trims"}


def _unit_notes(unit: str, leave_out: list[str], top1: pd.DataFrame, runs: dict[str, str]) -> list[str]:
    """What the report counts, in words, when it is not every sampled frame."""
    notes = []
    if leave_out:
        notes.append("Left out: " + ", ".join(LEFT_OUT_WORDS[k] for k in leave_out) + ".")
    if unit == "shots":
        missing = len(set(runs.values()) - set(top1["run_id"]))
        notes.append(
            f"Counted per shot: each shot counts once, with its most frequent top-1 label ({labels.count(len(top1))} shot rows). "
            "The frames of one shot are near copies, so counting them separately overstates the evidence."
            + (f" {labels.count(missing)} of {labels.count(len(runs))} runs {_no_shots(leave_out)} and are left out." if missing else "")
        )
        notes.append(
            "People and objects per shot: a shot has a person, a face or an object when more than half of its remaining frames do, "
            "and its count is the mean count per frame over them."
        )
    return notes


def _no_shots(leave_out: list[str]) -> str:
    """Why a run has no shot rows: it has no shots, or (segments left out) none of its frames is left."""
    return "have no shots, or none left after leaving out segments," if leave_out else "have no shots"


def _render(
    videos, overview, top1, models, confidence, top_features, regressions, clouds, threshold, notes, sample_size, draws, seed, unit="frames", on_screen=None
) -> str:
    figures: list[str] = []
    row = "shot" if unit == "shots" else "frame"

    def fig_html(figure: go.Figure) -> str:
        first = not figures
        figures.append(figure.to_html(full_html=False, include_plotlyjs="inline" if first else False, config={"displaylogo": False}))
        return figures[-1]

    def chart_or_reason(build, *args) -> str:
        try:
            return fig_html(build(*args))
        except analytics.AnalysisUnavailable as err:  # the data cannot support the chart: say why instead
            return _note(str(err))

    titles = {vid: str(title) if isinstance(title, str) and title.strip() else "(untitled)" for vid, title in zip(videos["video_id"], videos["title"])}
    model_names = ", ".join(labels.model_name(m) for m in models)
    parts = [
        "<h1>Reelsight report</h1>",
        f"<p class='muted'>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · {labels.count(len(videos))} videos · models: {html.escape(model_names)}</p>",
    ]
    n_random = int(videos["random_weights"].sum())
    if n_random:
        parts.append(f"<div class='warn'><b>Random weights.</b> {html.escape(labels.random_weights(n_random, len(videos)))}</div>")
    parts += [f"<div class='warn'>{html.escape(note)}</div>" for note in notes]

    parts += ["<h2>Videos and runs</h2>", _table(overview, [c for c in overview.columns if c not in OVERVIEW_COLUMNS_LEFT_OUT], unit)]
    if threshold is not None:
        parts.append(f"<p class='muted'>Popular: at least {labels.count(threshold)} views.</p>")
    run_list = ", ".join(f"{titles[v]} → {r}" for v, r in zip(videos["video_id"], videos["run_id"]))
    parts.append(f"<p class='muted'>Run ids: {html.escape(run_list)}</p>")

    parts.append(
        f"<h2>Confidence</h2><p class='muted'>Bootstrap: {labels.count(draws)} samples of {labels.count(sample_size)} {row}s, seed {seed}; "
        "95% interval of the sample means.</p>"
    )
    order = {vid: i for i, vid in enumerate(videos["video_id"])}
    parts.append(
        _table(
            confidence.assign(title=confidence["video_id"].map(titles)).sort_values(
                ["video_id", "model"], key=lambda c: c.map(order) if c.name == "video_id" else c
            ),
            ["title", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high", "out_of_domain"],
        )
    )
    for vid in videos["video_id"]:
        cells = []
        for model in models:
            scores = top1[(top1["video_id"] == vid) & (top1["model"] == model)]["score"]
            if scores.empty:
                continue
            boot = analytics.bootstrap_means(scores.to_numpy(), sample_size, draws, seed)
            name = labels.model_name(model)
            cells.append(chart_or_reason(score_histogram, scores, f"{name} · top-1 confidence per {row}"))
            cells.append(
                chart_or_reason(
                    bootstrap_chart, boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), f"{name} · bootstrap sample means"
                )
            )
        parts.append(f"<h3>{html.escape(titles[vid])}</h3><div class='grid'>" + "".join(f"<div>{c}</div>" for c in cells) + "</div>")

    if not top_features.empty:
        parts.append("<h2>Top-20 labels: popular vs unpopular</h2><div class='grid'>")
        for model in models:
            for group, color in (("popular", BLUE), ("unpopular", ORANGE)):
                rows = top_features[(top_features["model"] == model) & (top_features["group"] == group)]
                parts.append(f"<div>{fig_html(label_counts_bar(rows, f'{labels.model_name(model)} · {group} videos', count_col='count', color=color))}</div>")
        parts.append("</div>")

    if on_screen is not None:
        parts += _on_screen_parts(on_screen, fig_html)

    if clouds:
        parts.append("<h2>Word clouds</h2><div class='grid'>")
        for (vid, model), png in clouds.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<div><p><b>{html.escape(titles[vid])}</b> · {html.escape(labels.model_name(model))}</p><img alt='word cloud' src='data:image/png;base64,{data}'></div>"
            )
        parts.append("</div>")

    if regressions:
        parts.append("<h2>Regression: do labels predict views?</h2>")
        parts.append(
            f"<p class='muted'>The study's model at the {row} level, <code>views ~ C(label)</code>: ordinary least squares of each {row}'s "
            "video views (in millions) on its top-1 label. The statsmodels output of each fit is in the appendix at the end.</p>"
        )
        for model, result in regressions.items():
            parts.append(f"<h3>{html.escape(labels.model_name(model))}</h3>")
            parts += [f"<div class='warn'>{html.escape(w)}</div>" for w in result.warnings]
            if result.problem:  # R², F and p-values would be noise, nan or infinity: say why instead
                parts.append(f"<div class='warn'>{html.escape(result.problem)}</div>")
                continue
            parts.append(_table(pd.DataFrame([result.stats()])))
            coefs = result.coefs.sort_values("p_value", kind="stable").head(COEFFICIENTS_SHOWN)
            if len(result.coefs) > COEFFICIENTS_SHOWN:
                parts.append(
                    f"<p class='muted'>The {COEFFICIENTS_SHOWN} terms with the smallest p-values, of {labels.count(len(result.coefs))}; the appendix lists all.</p>"
                )
            parts.append(_table(coefs))

    if regressions:
        parts.append("<h2>Appendix: statsmodels output</h2><p class='muted'>The fits' full summaries as statsmodels prints them, for statisticians.</p>")
        for model, result in regressions.items():
            parts.append(f"<h3>{html.escape(labels.model_name(model))}</h3><pre>{html.escape(result.summary)}</pre>")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Reelsight report</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"


LIFT_ROWS_SHOWN = 20
"""Object classes listed in the report's lift table (highest lift first); the CSV holds all."""


def _on_screen_parts(on_screen: OnScreenByGroup, fig_html) -> list[str]:
    """The Popular vs unpopular page's people and objects sections, as HTML parts."""
    parts = []
    row = "shot" if on_screen.unit == "shots" else "frame"
    if on_screen.people is not None:
        explained = people.by_group_caption(on_screen.unit)
        parts += [
            "<h2>People on screen: popular vs unpopular</h2>",
            f"<p class='muted'>{html.escape(explained)}</p>",
            _table(on_screen.people, unit=on_screen.unit),
        ]
    if on_screen.top_objects is None:
        return parts
    detected, total = on_screen.object_videos
    parts += [
        "<h2>Objects on screen: popular vs unpopular</h2>",
        f"<p class='muted'>{html.escape(objects_by_group.top_caption(on_screen.unit, detected, total))}</p><div class='grid'>",
    ]
    for group, color in (("popular", BLUE), ("unpopular", ORANGE)):
        rows = on_screen.top_objects[on_screen.top_objects["group"] == group]
        if group not in on_screen.object_frames:
            parts.append(f"<div>{_note(f'No {group} video was analysed with object detection.')}</div>")
        elif rows.empty:
            parts.append(
                f"<div>{_note(f'The detector found no object on the {labels.count(on_screen.object_frames[group])} {row}s of the {group} videos.')}</div>"
            )
        else:
            title = f"Top-20 objects · {group} videos"
            parts.append(f"<div>{fig_html(label_counts_bar(rows, title, color=color, x_title=objects_by_group.axis_title(on_screen.unit)))}</div>")
    parts.append("</div>")
    if on_screen.object_lift is None:
        parts.append(_note(on_screen.lift_reason or "No lift to show."))
    else:
        lift = on_screen.object_lift
        parts.append(
            f"<h3>Lift · objects over-represented among popular videos</h3><p class='muted'>{html.escape(objects_by_group.lift_caption(on_screen.unit))}"
            + (f" The {LIFT_ROWS_SHOWN} highest of {labels.count(len(lift))} classes; lift_objects.csv holds all." if len(lift) > LIFT_ROWS_SHOWN else "")
            + "</p>"
        )
        parts.append(_table(lift.head(LIFT_ROWS_SHOWN)))
    return parts


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
    on_screen = report.on_screen
    if on_screen is not None:
        for table, name in ((on_screen.people, "people_by_group.csv"), (on_screen.top_objects, "top_objects.csv"), (on_screen.object_lift, "lift_objects.csv")):
            if table is not None:
                to_csv(table, out / name)
    return out / "report.html"
