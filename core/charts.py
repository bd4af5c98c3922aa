"""Chart builders: DataFrame in, plotly Figure out. Shared by the pages and (later) the reports."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": FONT, "size": 12},
        plot_bgcolor="white",
        showlegend=False,
    )
    return fig


def label_counts_bar(counts: pd.DataFrame, title: str, top: int = 20) -> go.Figure:
    """Horizontal bars of top-1 label counts.

    ``counts``: columns ``label, frames, share`` (as from :func:`core.results.label_counts`);
    the ``top`` most frequent are drawn, largest at the top.
    """
    data = counts.head(top).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=data["frames"],
            y=data["label"],
            orientation="h",
            marker_color="#4C78A8",
            customdata=(data["share"] * 100).round(1) if "share" in data else None,
            hovertemplate="%{y}: %{x} frames (%{customdata}%)<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="Frames with this top-1 label", gridcolor="#eee", rangemode="tozero")
    fig.update_yaxes(title_text=None, automargin=True)
    return _layout(fig, title, height=max(220, 24 * len(data) + 80))
