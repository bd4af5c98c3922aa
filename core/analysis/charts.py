"""Chart builders: DataFrame in, plotly Figure out. Shared by the pages and the HTML report.

A builder whose data cannot support its chart (a histogram of one repeated value, say) raises
:class:`~core.analysis.analytics.AnalysisUnavailable` with the reason in plain words; the caller
shows that sentence instead of a chart. Labels and model names are shown through
:mod:`core.analysis.labels`.

The two confidence charts and the label-count bars also come as Vega-Lite specifications (:func:`score_histogram_spec`,
:func:`bootstrap_spec`, :func:`label_counts_spec`), and the label timeline is one (:func:`label_timeline`), drawn from the same data (:func:`confidence_bins`,
:func:`bootstrap_bins`): the pages use those, because a browser that opens a page with a plotly chart first
loads and compiles Streamlit's 4.7 MB plotly.js, about 1.5 s on the benchmark machine, against
0.3 s for Vega-Lite (BENCHMARKS.md). The HTML report keeps plotly, whose JavaScript it embeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.analysis import labels
from core.analysis.analytics import AnalysisUnavailable, spread_problem

FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Title, size, font and margins; axes grow their margins to fit tick labels and titles."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 20, "t": 48, "b": 10},
        font={"family": FONT, "size": 12},
        plot_bgcolor="white",
        showlegend=False,
    )
    fig.update_xaxes(automargin=True, title_standoff=8, ticklabelstandoff=4)
    fig.update_yaxes(automargin=True, title_standoff=8, ticklabelstandoff=6)
    return fig


BLUE, ORANGE, GREY = "#4C78A8", "#F58518", "#9D9D9D"
HEADROOM = 1.18
"""Histograms' y axes run to this multiple of the tallest bar, so the annotations at the top clear the bars."""
SCORE_AXIS, BOOTSTRAP_AXIS = "Top-1 confidence", "Mean top-1 confidence of a sample"


def label_counts_bar(
    counts: pd.DataFrame, title: str, top: int = 20, count_col: str = "frames", color: str = BLUE, x_title: str = "Frames with this top-1 label"
) -> go.Figure:
    """Horizontal bars of top-1 label counts, the most frequent at the top.

    ``counts``: columns ``label`` and ``count_col`` (frames), already sorted by count descending;
    the first ``top`` rows are drawn.
    """
    data = counts.head(top).iloc[::-1]
    names = [labels.label(v) for v in data["label"]]
    fig = go.Figure(go.Bar(x=data[count_col], y=names, orientation="h", marker_color=color, hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_xaxes(title_text=x_title, gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(title_text=None, automargin=True, type="category")
    return _layout(fig, title, height=max(220, 22 * len(data) + 90))


LABEL_LIMIT = 240
"""Widest a bar chart's label may be drawn, in pixels, before it is cut with "…" (the full label is in the tooltip)."""


def label_counts_spec(
    counts: pd.DataFrame, title: str, top: int = 20, count_col: str = "frames", color: str = BLUE, x_title: str = "Frames with this top-1 label"
) -> dict[str, Any]:
    """:func:`label_counts_bar` as a Vega-Lite specification: the same ``top`` rows, label words,
    colour and titles, the most frequent at the top, one 22-pixel row per label.

    ``counts``: columns ``label`` and ``count_col``, already sorted by count descending.
    """
    data = counts.head(top)
    values = [{"label": labels.label(name), "count": _number(n)} for name, n in zip(data["label"], data[count_col])]
    for value in values:  # the plotly chart's hover text, "word: count"
        value["tip"] = f"{value['label']}: {value['count']:,}"
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 15, "fontWeight": "normal", "font": FONT},
        "height": {"step": 22},
        "config": {"font": FONT, "axis": {"gridColor": "#eee", "titleFontWeight": "normal"}},
        "data": {"values": values},
        "mark": {"type": "bar", "color": color},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": LABEL_LIMIT, "labelFontSize": 12}},
            "x": {"field": "count", "type": "quantitative", "title": x_title, "axis": {"tickMinStep": 1, "format": ",d"}},
            "tooltip": {"field": "tip", "type": "nominal"},
        },
    }


def _number(value: Any) -> int | float:
    """A count as a JSON number: an int when whole (numpy's integers are not JSON), else a float."""
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Bins:
    """A histogram's bars, computed once for every renderer: bar ``i`` counts ``counts[i]`` values
    in ``[starts[i], ends[i])``. ``x_range`` is the axis to draw (within 0–1), ``mean`` the values' mean."""

    starts: np.ndarray
    ends: np.ndarray
    counts: np.ndarray
    x_range: tuple[float, float]
    mean: float


def confidence_bins(scores: pd.Series | np.ndarray, bins: int = 20, what: str = "frame confidences") -> Bins:
    """Frames per bin of top-1 confidence (or any score) over 0–1. Raises :class:`AnalysisUnavailable` when the
    scores have no spread to draw (:func:`~core.analysis.analytics.spread_problem`, naming them ``what``)."""
    values = np.asarray(scores, dtype=float)
    values = values[np.isfinite(values)]
    problem = spread_problem(values, what)
    if problem:
        raise AnalysisUnavailable(problem)
    counts, edges = np.histogram(np.clip(values, 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return Bins(edges[:-1], edges[1:], counts, (0.0, 1.0), float(values.mean()))


def bootstrap_bins(sample_means: np.ndarray, ci: tuple[float, float], bins: int = 30) -> Bins:
    """Bootstrap samples per bin of mean confidence, on an axis that stays within 0–1. Raises
    :class:`AnalysisUnavailable` when the means have no spread (all equal to three decimals)."""
    means = np.asarray(sample_means, dtype=float)
    means = means[np.isfinite(means)]
    problem = spread_problem(means, "sample means")
    if problem:
        interval = f"the single value {ci[0]:.3f}" if f"{ci[0]:.3f}" == f"{ci[1]:.3f}" else f"{ci[0]:.3f}–{ci[1]:.3f}"
        raise AnalysisUnavailable(f"{problem} The 95% interval is {interval}.")
    low, high = float(means.min()), float(means.max())
    pad = (high - low) * 0.15
    counts, edges = np.histogram(means, bins=bins, range=(low, high))
    return Bins(edges[:-1], edges[1:], counts, (max(0.0, low - pad), min(1.0, high + pad)), float(means.mean()))


def _normal_fit(data: Bins, mean: float, sd: float, points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """The normal curve with ``mean`` and ``sd``, scaled to ``data``'s counts (samples per bin)."""
    xs = np.linspace(*data.x_range, points)
    width = float(data.ends[0] - data.starts[0])
    return xs, data.counts.sum() * width * np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def score_histogram(scores: pd.Series, title: str, bins: int = 20) -> go.Figure:
    """Frames per bin of top-1 confidence, on a 0–1 axis, with the mean marked (see :func:`confidence_bins`)."""
    data = confidence_bins(scores, bins)
    fig = go.Figure(
        go.Bar(
            x=(data.starts + data.ends) / 2, y=data.counts, width=1 / bins, marker_color=BLUE, marker_line_width=0,
            customdata=np.c_[data.starts, data.ends], hovertemplate="%{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y} frames<extra></extra>",
        )
    )  # fmt: skip
    fig.add_vline(x=data.mean, line_dash="dash", line_color=ORANGE, annotation_text=f"mean {data.mean:.3f}", annotation_position="top right")
    fig.update_xaxes(title_text=SCORE_AXIS, range=list(data.x_range), gridcolor="#eee")
    fig.update_yaxes(title_text="Frames", gridcolor="#eee", range=[0, data.counts.max() * HEADROOM])
    return _layout(fig, title, height=300)


def bootstrap_chart(sample_means: np.ndarray, mean_of_means: float, sd: float, ci: tuple[float, float], title: str, bins: int = 30) -> go.Figure:
    """How many samples had each mean confidence, the fitted normal curve and the 95% interval.

    The x axis stays within 0–1 (means of confidences). Counts, not densities: a density of
    near-equal means runs to absurd heights. Raises :class:`AnalysisUnavailable` when the sample
    means have no spread to draw (see :func:`bootstrap_bins`)."""
    data = bootstrap_bins(sample_means, ci, bins)
    fig = go.Figure(
        go.Bar(
            x=(data.starts + data.ends) / 2, y=data.counts, width=float(data.ends[0] - data.starts[0]), marker_color=BLUE, marker_line_width=0,
            opacity=0.75, name="sample means", hovertemplate="mean %{x:.3f}: %{y} samples<extra></extra>",
        )
    )  # fmt: skip
    if sd > 0:
        xs, expected = _normal_fit(data, mean_of_means, sd)
        fig.add_trace(go.Scatter(x=xs, y=expected, mode="lines", line={"color": ORANGE, "width": 2}, name="normal fit", hoverinfo="skip"))
    fig.add_vrect(x0=ci[0], x1=ci[1], fillcolor=GREY, opacity=0.15, line_width=0, annotation_text="95% interval", annotation_position="top left")
    fig.add_vline(x=mean_of_means, line_dash="dash", line_color=ORANGE, annotation_text=f"mean {mean_of_means:.3f}", annotation_position="top right")
    fig.update_xaxes(title_text=BOOTSTRAP_AXIS, range=list(data.x_range), gridcolor="#eee")
    fig.update_yaxes(title_text="Samples", gridcolor="#eee", range=[0, data.counts.max() * HEADROOM])
    return _layout(fig, title, height=300)


# ---------------------------------------------------------------- the same two charts in Vega-Lite


def _vega(title: str, x_title: str, y_title: str, data: Bins, layers: list[dict[str, Any]], height: int = 250) -> dict[str, Any]:
    """A Vega-Lite layer chart over ``data``'s bars, with the plotly charts' title, axes and colours."""
    bars = {
        "data": {"values": [{"start": float(a), "end": float(b), "count": int(c)} for a, b, c in zip(data.starts, data.ends, data.counts)]},
        "mark": {"type": "bar", "color": BLUE, "opacity": 0.85},
        "encoding": {
            "x": {"field": "start", "type": "quantitative", "title": x_title, "scale": {"domain": list(data.x_range), "nice": False}},
            "x2": {"field": "end"},
            "y": {
                "field": "count",
                "type": "quantitative",
                "title": y_title,
                "scale": {"domain": [0, float(data.counts.max() * HEADROOM)]},
                "axis": {"tickCount": 4, "tickMinStep": 1},
            },
            "y2": {"datum": 0},
            "tooltip": [
                {"field": "start", "type": "quantitative", "title": "from", "format": ".3f"},
                {"field": "end", "type": "quantitative", "title": "to", "format": ".3f"},
                {"field": "count", "type": "quantitative", "title": y_title},
            ],
        },
    }
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 15, "fontWeight": "normal", "font": FONT},
        "height": height,
        "config": {"font": FONT, "axis": {"gridColor": "#eee", "titleFontWeight": "normal"}},
        "layer": [bars, *layers],
    }


def _rule(x: float, text: str, line: int = 0) -> list[dict[str, Any]]:
    """A dashed orange line at ``x`` with ``text`` to its right, on text line ``line`` from the top."""
    point = {"data": {"values": [{"x": float(x)}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    return [
        {**point, "mark": {"type": "rule", "color": ORANGE, "strokeDash": [6, 4], "strokeWidth": 1.5}},
        {**point, "mark": {"type": "text", "text": text, "align": "left", "baseline": "top", "dx": 4, "y": 2 + 14 * line, "fontSize": 11}},
    ]


def score_histogram_spec(
    scores: pd.Series, title: str, bins: int = 20, counted: str = "Frames", axis: str = SCORE_AXIS, what: str = "frame confidences"
) -> dict[str, Any]:
    """:func:`score_histogram` as a Vega-Lite specification (same bins, axes and mean line); ``counted``
    and ``axis`` title the axes, ``what`` names the scores when they cannot be drawn."""
    data = confidence_bins(scores, bins, what)
    return _vega(title, axis, counted, data, _rule(data.mean, f"mean {data.mean:.3f}"))


def bootstrap_spec(sample_means: np.ndarray, mean_of_means: float, sd: float, ci: tuple[float, float], title: str, bins: int = 30) -> dict[str, Any]:
    """:func:`bootstrap_chart` as a Vega-Lite specification (same bins, normal curve, interval and mean)."""
    data = bootstrap_bins(sample_means, ci, bins)
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": [{"from": float(ci[0]), "to": float(ci[1])}]},
            "mark": {"type": "rect", "color": GREY, "opacity": 0.2},
            "encoding": {"x": {"field": "from", "type": "quantitative"}, "x2": {"field": "to"}},
        },
        {
            "data": {"values": [{"x": float(ci[0])}]},
            "mark": {"type": "text", "text": "95% interval", "align": "left", "baseline": "top", "dx": 4, "y": 2, "fontSize": 11},
            "encoding": {"x": {"field": "x", "type": "quantitative"}},
        },
    ]
    if sd > 0:
        xs, expected = _normal_fit(data, mean_of_means, sd)
        layers.append(
            {
                "data": {"values": [{"x": float(x), "y": float(y)} for x, y in zip(xs, expected)]},
                "mark": {"type": "line", "color": ORANGE, "strokeWidth": 2, "clip": True},
                "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
            }
        )
    return _vega(title, BOOTSTRAP_AXIS, "Samples", data, layers + _rule(mean_of_means, f"mean {mean_of_means:.3f}", line=1))


TIMELINE_PICK = "pick"
"""Name of the label timeline's click selection: Streamlit returns ``{"selection": {"pick": [{"time_s": …}]}}``."""
LABEL_PALETTE = ["#4C78A8", "#F58518", "#E45756", "#72B7B2", "#54A24B", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC", "#2E2E8F", "#8CD17D"]
"""The label timeline's colours, one per shown label (grey is kept for "other")."""
SEGMENT_COLORS = {"black": "#222222", "static": "#4C78A8", "intro": "#F58518", "outro": "#F58518"}
"""Shading of each segment kind on a timeline."""
SEGMENT_WORDS = {"black": "black", "static": "still picture", "intro": "intro (trimmed)", "outro": "outro (trimmed)"}
MAX_SHOT_BANDS = 400
"""More shots than this are drawn as one thin line per cut instead of bands (a band per shot would be unreadable and slow)."""
ROW_HEIGHT = 44
"""Pixels per model row of the label timeline."""
NEAREST_MAX_FRAMES = 400
"""Up to this many frames per model, a click on the label timeline picks the nearest tick (Vega-Lite
draws a Voronoi cell per tick for that); above it the ticks cover the row at the page's width and a
click picks the tick under the pointer, which spares the browser the cells (0.6 s for 6,000 ticks)."""


def label_timeline(top1: pd.DataFrame, title: str, top: int = 12, shots: pd.DataFrame | None = None, segments: pd.DataFrame | None = None) -> dict[str, Any]:
    """Top-1 label along the video as a Vega-Lite specification: one row per model, one tick per
    sampled frame. ``top1`` has ``model, time_s, label, score``.

    Labels outside each model's ``top`` most frequent are drawn grey as "other". ``shots``
    (``start_s, end_s``) shade every other shot light grey (a thin line per cut past
    :data:`MAX_SHOT_BANDS`); ``segments`` (``kind, start_s, end_s``) are shaded in
    :data:`SEGMENT_COLORS` with a legend of their own. A click picks the nearest tick (the tick under the pointer
    above :data:`NEAREST_MAX_FRAMES` frames a model): its ``time_s`` comes back in the :data:`TIMELINE_PICK` selection. The ticks are the named dataset
    ``ticks``, a DataFrame, which Streamlit sends as Arrow rather than JSON. Vega-Lite draws the
    thousands of ticks of a long video in a fraction of the time plotly takes (BENCHMARKS.md).
    """
    keep: set[str] = set()
    for _, group in top1.groupby("model"):
        keep |= set(group["label"].value_counts().head(top).index)
    words = {name: labels.label(name) for name in top1["label"].unique()}  # each distinct label once, not every frame
    names = {m: labels.model_name(m) for m in top1["model"].unique()}
    shown = sorted({words[n] for n in keep})
    kept = top1["label"].isin(keep).to_numpy()
    domain = shown + (["other"] if not kept.all() else [])
    ticks = pd.DataFrame(
        {
            "time_s": top1["time_s"].astype(float).round(3),
            "model": top1["model"].map(names),
            "label": top1["label"].map(words),
            "score": top1["score"].astype(float).round(3),
        }
    )
    ticks["shown"] = ticks["label"].where(kept, "other")
    nearest = bool(top1.empty or top1.groupby("model").size().max() <= NEAREST_MAX_FRAMES)
    layers: list[dict[str, Any]] = _band_layers(shots, segments)
    layers.append(
        {
            "data": {"name": "ticks"},
            "params": [{"name": TIMELINE_PICK, "select": {"type": "point", "fields": ["time_s"], "on": "click", "nearest": nearest, "clear": "dblclick"}}],
            "mark": {"type": "tick", "thickness": 3, "cursor": "pointer"},
            "encoding": {
                "x": {"field": "time_s", "type": "quantitative", "title": "Time (s)"},
                "y": {"field": "model", "type": "nominal", "title": None, "sort": sorted(names.values())},
                "color": {
                    "field": "shown",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": domain, "range": [LABEL_PALETTE[i % len(LABEL_PALETTE)] for i in range(len(shown))] + [GREY]},
                    "legend": {"orient": "bottom", "columns": 4, "labelLimit": LABEL_LIMIT, "symbolType": "square"},
                },
                "tooltip": [
                    {"field": "time_s", "type": "quantitative", "title": "Time (s)", "format": ".2f"},
                    {"field": "model", "type": "nominal", "title": "Model"},
                    {"field": "label", "type": "nominal", "title": "Top-1 label"},
                    {"field": "score", "type": "quantitative", "title": "Confidence", "format": ".3f"},
                ],
            },
        }
    )
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 15, "fontWeight": "normal", "font": FONT},
        "height": {"step": ROW_HEIGHT},
        "config": {"font": FONT, "axis": {"gridColor": "#eee", "titleFontWeight": "normal"}},
        "datasets": {"ticks": ticks},
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
    }


def _band_layers(shots: pd.DataFrame | None, segments: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Vega-Lite layers that shade a time axis (seconds): every other shot light grey (``shots``:
    ``start_s, end_s``), and each segment (``segments``: ``kind, start_s, end_s``) in
    :data:`SEGMENT_COLORS`, with a legend entry per kind."""
    layers: list[dict[str, Any]] = []
    if shots is not None and len(shots):
        if len(shots) <= MAX_SHOT_BANDS:
            bands = [{"start_s": float(a), "end_s": float(b)} for a, b in list(zip(shots["start_s"], shots["end_s"]))[1::2]]
            mark: dict[str, Any] = {"type": "rect", "color": GREY, "opacity": 0.12}
            encoding: dict[str, Any] = {"x": {"field": "start_s", "type": "quantitative"}, "x2": {"field": "end_s"}}
        else:
            bands = [{"start_s": float(a)} for a in shots["start_s"].iloc[1:]]
            mark, encoding = {"type": "rule", "color": GREY, "opacity": 0.5, "strokeWidth": 0.5}, {"x": {"field": "start_s", "type": "quantitative"}}
        if bands:
            layers.append({"data": {"values": bands}, "mark": mark, "encoding": encoding})
    if segments is not None and len(segments):
        kinds = sorted(segments["kind"].unique())
        values = [
            {"start_s": float(a), "end_s": float(b), "kind": SEGMENT_WORDS.get(k, k)}
            for k, a, b in zip(segments["kind"], segments["start_s"], segments["end_s"])
        ]
        layers.append(
            {
                "data": {"values": values},
                "mark": {"type": "rect", "opacity": 0.18},
                "encoding": {
                    "x": {"field": "start_s", "type": "quantitative"},
                    "x2": {"field": "end_s"},
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "Segments",
                        "scale": {"domain": [SEGMENT_WORDS.get(k, k) for k in kinds], "range": [SEGMENT_COLORS.get(k, GREY) for k in kinds]},
                        "legend": {"orient": "bottom", "symbolOpacity": 0.4},
                    },
                    "tooltip": [{"field": "kind", "type": "nominal", "title": "Segment"}],
                },
            }
        )
    return layers


def people_timeline(counts: pd.DataFrame, title: str) -> dict[str, Any]:
    """People and faces on screen along one video, as a Vega-Lite specification: ``counts`` has
    ``time_s, persons, faces`` (:func:`core.analysis.people.people_table` rows of one run), one
    step line with points each (the named dataset ``counts``, long form: ``time_s, what, count``)."""
    if counts.empty:
        raise AnalysisUnavailable("Faces and people were not counted in this run. Queue a new analysis with “Count faces and people” on.")
    names = {"persons": "People", "faces": "Faces"}
    long = counts.melt(id_vars="time_s", value_vars=list(names), var_name="what", value_name="count")
    long = long.assign(what=long["what"].map(names), time_s=long["time_s"].astype(float), count=long["count"].astype(int))
    encoding = {
        "x": {"field": "time_s", "type": "quantitative", "title": "Time (s)"},
        "y": {"field": "count", "type": "quantitative", "title": "On screen", "axis": {"tickMinStep": 1, "format": "d"}},
        "color": {
            "field": "what",
            "type": "nominal",
            "title": None,
            "scale": {"domain": list(names.values()), "range": [BLUE, ORANGE]},
            "legend": {"orient": "right"},
        },
        "tooltip": [
            {"field": "time_s", "type": "quantitative", "title": "Time (s)", "format": ".2f"},
            {"field": "what", "type": "nominal", "title": "Counted"},
            {"field": "count", "type": "quantitative", "title": "On screen"},
        ],
    }
    return {
        "title": {"text": title, "anchor": "start", "fontSize": 15, "fontWeight": "normal", "font": FONT},
        "height": 200,
        "config": {"font": FONT, "axis": {"gridColor": "#eee", "titleFontWeight": "normal"}},
        "datasets": {"counts": long},
        "data": {"name": "counts"},
        "layer": [
            {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2}, "encoding": encoding},
            {"mark": {"type": "point", "filled": True, "size": 16}, "encoding": encoding},
        ],
    }


PALETTE = ["#9D9D9D", "#4C78A8", "#F58518", "#E45756", "#72B7B2", "#54A24B", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D"]
"""Class colours in class order; the first (usually the "neither" class) is grey."""


def class_colors(classes: list[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(classes)}


def screentime_timeline(frames: pd.DataFrame, segments: pd.DataFrame, classes: list[str], title: str) -> go.Figure:
    """Smoothed segments as coloured bars on one row, and each sample's raw class as ticks on a second row.

    ``frames``: time_s, class, prob; ``segments``: class, start_s, end_s (smoothed).
    """
    colors = class_colors(classes)
    fig = go.Figure()
    for name in classes:
        seg = segments[segments["class"] == name]
        if len(seg):
            fig.add_trace(
                go.Bar(
                    x=seg["end_s"] - seg["start_s"], base=seg["start_s"], y=["smoothed"] * len(seg), orientation="h",
                    marker_color=colors[name], name=name, legendgroup=name,
                    customdata=seg[["start_s", "end_s"]], hovertemplate=f"{name}: %{{customdata[0]:.1f}}–%{{customdata[1]:.1f}} s<extra></extra>",
                )
            )  # fmt: skip
        raw = frames[frames["class"] == name]
        if len(raw):
            fig.add_trace(
                go.Scatter(
                    x=raw["time_s"], y=["per frame"] * len(raw), mode="markers", name=name, legendgroup=name, showlegend=not len(seg),
                    marker={"symbol": "line-ns", "size": 16, "line": {"width": 2, "color": colors[name]}},
                    customdata=raw[["prob"]], hovertemplate=f"%{{x:.1f}} s · {name} (%{{customdata[0]:.2f}})<extra></extra>",
                )
            )  # fmt: skip
    fig.update_xaxes(title_text="Time (s)", gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(title_text=None, type="category", categoryorder="array", categoryarray=["per frame", "smoothed"])
    fig = _layout(fig, title, height=260)
    fig.update_layout(showlegend=True, barmode="overlay", legend={"orientation": "h", "y": -0.35, "yanchor": "top"})
    return fig


def screentime_comparison(totals: pd.DataFrame, title: str) -> go.Figure:
    """Seconds per class before and after smoothing: ``totals`` has class, seconds_raw, seconds."""
    fig = go.Figure(
        [
            go.Bar(
                y=totals["class"],
                x=totals["seconds_raw"],
                orientation="h",
                name="per frame (no smoothing)",
                marker_color=GREY,
                hovertemplate="%{y}: %{x:.1f} s<extra>per frame</extra>",
            ),
            go.Bar(
                y=totals["class"],
                x=totals["seconds"],
                orientation="h",
                name="smoothed",
                marker_color=BLUE,
                hovertemplate="%{y}: %{x:.1f} s<extra>smoothed</extra>",
            ),
        ]
    )
    fig.update_xaxes(title_text="Screen time (s)", gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(title_text=None, type="category", autorange="reversed")
    fig = _layout(fig, title, height=max(200, 60 * len(totals) + 100))
    fig.update_layout(showlegend=True, barmode="group", legend={"orientation": "h", "y": -0.25, "yanchor": "top"})
    return fig


def confusion_heatmap(matrix: list[list[int]], classes: list[str], title: str) -> go.Figure:
    """Counts with the true class on the rows and the predicted class on the columns."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix, x=classes, y=classes, colorscale="Blues", showscale=False, text=matrix, texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title_text="Predicted class", type="category", side="bottom")
    fig.update_yaxes(title_text="True class", type="category", autorange="reversed")
    return _layout(fig, title, height=120 + 50 * len(classes))


def training_curves(history: pd.DataFrame, metric: str, title: str, best_epoch: int | None = None) -> go.Figure:
    """``metric`` (``loss`` or ``accuracy``) per epoch on the training and validation splits, with the kept epoch marked."""
    fig = go.Figure()
    if best_epoch:
        fig.add_vline(x=best_epoch, line_dash="dot", line_color=ORANGE, annotation_text=f"kept: epoch {best_epoch}", annotation_position="top left")
    for column, name, color in ((metric, "training", GREY), (f"val_{metric}", "validation", BLUE)):
        if column in history:
            fig.add_trace(go.Scatter(x=history["epoch"], y=history[column], mode="lines+markers", name=name, line={"color": color}, marker={"size": 4}))
    fig.update_xaxes(title_text="Epoch", gridcolor="#eee")
    fig.update_yaxes(title_text=metric.capitalize(), gridcolor="#eee", rangemode="tozero")
    fig = _layout(fig, title, height=280)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.3, "yanchor": "top"})
    return fig


def curves(data: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, diagonal: bool = False) -> go.Figure:
    """One line per ``curve`` (e.g. a class name) of ``y`` against ``x``; ``diagonal`` draws the chance line of a ROC plot."""
    fig = go.Figure()
    for i, (name, group) in enumerate(data.groupby("curve", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=group[x],
                y=group[y],
                mode="lines",
                name=str(name),
                line={"color": PALETTE[(i + 1) % len(PALETTE)], "shape": "hv" if not diagonal else "linear"},
            )
        )
    if diagonal:
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"color": GREY, "dash": "dot"}))
    fig.update_xaxes(title_text=x_title, range=[0, 1.01], gridcolor="#eee")
    fig.update_yaxes(title_text=y_title, range=[0, 1.01], gridcolor="#eee")
    fig = _layout(fig, title, height=360)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.25, "yanchor": "top"})
    return fig
