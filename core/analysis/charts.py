"""Chart builders: DataFrame in, plotly Figure out. Shared by the pages and the HTML report.

A builder whose data cannot support its chart (a histogram of one repeated value, say) raises
:class:`~core.analysis.analytics.AnalysisUnavailable` with the reason in plain words; the caller
shows that sentence instead of a chart. Labels and model names are shown through
:mod:`core.analysis.labels`.
"""

from __future__ import annotations

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


def score_histogram(scores: pd.Series, title: str, bins: int = 20) -> go.Figure:
    """Frames per bin of top-1 confidence, on a 0–1 axis, with the mean marked.

    Raises :class:`AnalysisUnavailable` when the scores have no spread to draw
    (:func:`~core.analysis.analytics.spread_problem`)."""
    values = np.asarray(scores, dtype=float)
    values = values[np.isfinite(values)]
    problem = spread_problem(values, "frame confidences")
    if problem:
        raise AnalysisUnavailable(problem)
    counts, edges = np.histogram(np.clip(values, 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(
        go.Bar(
            x=centres, y=counts, width=1 / bins, marker_color=BLUE, marker_line_width=0, customdata=np.c_[edges[:-1], edges[1:]],
            hovertemplate="%{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y} frames<extra></extra>",
        )
    )  # fmt: skip
    mean = float(values.mean())
    fig.add_vline(x=mean, line_dash="dash", line_color=ORANGE, annotation_text=f"mean {mean:.3f}", annotation_position="top right")
    fig.update_xaxes(title_text="Top-1 confidence", range=[0, 1], gridcolor="#eee")
    fig.update_yaxes(title_text="Frames", gridcolor="#eee", range=[0, counts.max() * HEADROOM])
    return _layout(fig, title, height=300)


def bootstrap_chart(sample_means: np.ndarray, mean_of_means: float, sd: float, ci: tuple[float, float], title: str, bins: int = 30) -> go.Figure:
    """How many samples had each mean confidence, the fitted normal curve and the 95% interval.

    The x axis stays within 0–1 (means of confidences). Counts, not densities: a density of
    near-equal means runs to absurd heights. Raises :class:`AnalysisUnavailable` when the sample
    means have no spread to draw (all equal to three decimals, or fewer than two)."""
    means = np.asarray(sample_means, dtype=float)
    means = means[np.isfinite(means)]
    problem = spread_problem(means, "sample means")
    if problem:
        interval = f"the single value {ci[0]:.3f}" if f"{ci[0]:.3f}" == f"{ci[1]:.3f}" else f"{ci[0]:.3f}–{ci[1]:.3f}"
        raise AnalysisUnavailable(f"{problem} The 95% interval is {interval}.")
    low, high = float(means.min()), float(means.max())
    pad = (high - low) * 0.15
    x0, x1 = max(0.0, low - pad), min(1.0, high + pad)
    counts, edges = np.histogram(means, bins=bins, range=(low, high))
    width = edges[1] - edges[0]
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2, y=counts, width=width, marker_color=BLUE, marker_line_width=0, opacity=0.75, name="sample means",
            hovertemplate="mean %{x:.3f}: %{y} samples<extra></extra>",
        )
    )  # fmt: skip
    if sd > 0:
        xs = np.linspace(x0, x1, 200)
        expected = len(means) * width * np.exp(-0.5 * ((xs - mean_of_means) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
        fig.add_trace(go.Scatter(x=xs, y=expected, mode="lines", line={"color": ORANGE, "width": 2}, name="normal fit", hoverinfo="skip"))
    fig.add_vrect(x0=ci[0], x1=ci[1], fillcolor=GREY, opacity=0.15, line_width=0, annotation_text="95% interval", annotation_position="top left")
    fig.add_vline(x=mean_of_means, line_dash="dash", line_color=ORANGE, annotation_text=f"mean {mean_of_means:.3f}", annotation_position="top right")
    fig.update_xaxes(title_text="Mean top-1 confidence of a sample", range=[x0, x1], gridcolor="#eee")
    fig.update_yaxes(title_text="Samples", gridcolor="#eee", range=[0, counts.max() * HEADROOM])
    return _layout(fig, title, height=300)


def label_timeline(top1: pd.DataFrame, title: str, top: int = 12) -> go.Figure:
    """Top-1 label along the video, one row per model: ``top1`` has ``model, time_s, label, score``.

    Labels outside each model's ``top`` most frequent are drawn grey as "other".
    """
    frames = top1.copy()
    keep = set()
    for _, group in frames.groupby("model"):
        keep |= set(group["label"].value_counts().head(top).index)
    frames["shown"] = frames["label"].where(frames["label"].isin(keep), "other").map(labels.label)
    frames["words"] = frames["label"].map(labels.label)
    frames["model_name"] = frames["model"].map(labels.model_name)
    fig = go.Figure()
    palette = ["#4C78A8", "#F58518", "#E45756", "#72B7B2", "#54A24B", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D", "#BAB0AC", "#2E2E8F", "#8CD17D"]
    for i, (label, group) in enumerate(frames.groupby("shown", sort=True)):
        fig.add_trace(
            go.Scatter(
                x=group["time_s"],
                y=group["model_name"],
                mode="markers",
                marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": GREY if label == "other" else palette[i % len(palette)]}},
                name=label,
                customdata=group[["label", "score"]],
                text=group["words"],
                hovertemplate="%{x:.2f} s · %{text} (%{customdata[1]:.3f})<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="Time (s)", gridcolor="#eee")
    fig.update_yaxes(title_text=None, type="category")
    fig = _layout(fig, title, height=230 + 40 * frames["model"].nunique())
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.6, "yanchor": "top"}, margin={"b": 10})
    return fig


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
