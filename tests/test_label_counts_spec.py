"""The label-count bars in Vega-Lite carry the same rows, words, order and titles as the plotly ones."""

from __future__ import annotations

import json

import pandas as pd

from core.analysis import charts

COUNTS = pd.DataFrame(
    {
        "label": ["tobacco_shop", "German_shepherd", "American_Staffordshire_terrier", "cab", "web_site"],
        "count": [41, 17, 9, 9, 1],
    }
)


def _rows(spec: dict) -> list[tuple[str, int]]:
    return [(v["label"], v["count"]) for v in spec["data"]["values"]]


def test_spec_carries_the_counts_and_label_words_in_order() -> None:
    spec = charts.label_counts_spec(COUNTS, "Top-20 labels · popular videos", count_col="count", color=charts.ORANGE, x_title="Frames with this top-1 category")
    assert _rows(spec) == [("tobacco shop", 41), ("German shepherd", 17), ("American Staffordshire terrier", 9), ("cab", 9), ("web site", 1)]
    assert [v["tip"] for v in spec["data"]["values"]][:2] == ["tobacco shop: 41", "German shepherd: 17"]
    assert spec["encoding"]["y"]["sort"] is None  # drawn in the data's order: the most frequent at the top
    assert spec["encoding"]["x"]["title"] == "Frames with this top-1 category" and spec["mark"]["color"] == charts.ORANGE
    assert spec["title"]["text"] == "Top-20 labels · popular videos"
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= 220  # "American Staffordshire terrier" is not cut at Vega-Lite's 180 px
    json.dumps(spec, allow_nan=False)  # numpy integers became JSON numbers


def test_spec_matches_the_plotly_bars() -> None:
    many = pd.DataFrame({"label": [f"label_{i}" for i in range(30)], "frames": list(range(60, 30, -1))})
    figure = charts.label_counts_bar(many, "t", top=20)
    spec = charts.label_counts_spec(many, "t", top=20)
    plotly_rows = list(zip(figure.data[0].y, (int(x) for x in figure.data[0].x)))[::-1]  # plotly draws bottom-up
    assert _rows(spec) == plotly_rows and len(plotly_rows) == 20
    assert spec["encoding"]["x"]["title"] == figure.layout.xaxis.title.text == "Frames with this top-1 label"
    assert spec["mark"]["color"] == figure.data[0].marker.color == charts.BLUE
