"""Units of analysis: one row per shot by majority vote of its frames, and segments left out."""

from __future__ import annotations

import pandas as pd
import pytest

from core.analysis import analytics
from core.analysis.units import by_shot, exclude, run_aggregates

LABELS = ["cat", "cat", "dog", "cat", "car", "car", "bus", "bus", "bus", "car"]
SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.4, 0.4, 0.5]


def _top1() -> pd.DataFrame:
    rows = [("v1", "r1", "resnet50", f * 10, f * 10 / 25, label, score) for f, (label, score) in enumerate(zip(LABELS, SCORES))]
    rows += [("v1", "r1", "inception_v3", f * 10, f * 10 / 25, "tree", 0.3) for f in range(10)]
    rows += [("v2", "r2", "resnet50", 0, 0.0, "ship", 0.9)]  # a run without shots
    return pd.DataFrame(rows, columns=analytics.TOP1_COLUMNS)


SHOTS = pd.DataFrame(
    [("v1", "r1", 1, 0, 40, 0.0, 1.6), ("v1", "r1", 2, 40, 100, 1.6, 4.0)],
    columns=["video_id", "run_id", "shot", "start_frame", "end_frame", "start_s", "end_s"],
)


def test_a_shot_takes_its_frames_majority_label_with_its_share() -> None:
    table = by_shot(_top1(), SHOTS)

    resnet = table[table["model"] == "resnet50"]
    assert resnet[["shot", "label", "frames", "frame"]].values.tolist() == [[1, "cat", 4, 0], [2, "car", 6, 40]]
    assert resnet["share"].tolist() == [0.75, 0.5]  # car and bus tie 3–3: car has the higher mean score
    assert resnet["score"].tolist() == pytest.approx([(0.9 + 0.8 + 0.6) / 3, 0.5])
    assert table[table["model"] == "inception_v3"]["share"].tolist() == [1.0, 1.0]
    assert set(table["run_id"]) == {"r1"}  # the run without shots is left out
    assert list(table.columns[:7]) == analytics.TOP1_COLUMNS  # the shape every page reads


def test_pages_computations_run_on_shots() -> None:
    shots = by_shot(_top1(), SHOTS)
    counts = analytics.label_frequencies(analytics.label_counts(shots), "v1", "resnet50")
    assert dict(counts) == {"cat": 1, "car": 1}
    stats = run_aggregates(shots)
    assert set(stats) == {"r1"} and stats["r1"]["frames"] == 2
    resnet = next(m for m in stats["r1"]["models"] if m["model"] == "resnet50")
    assert [(row["label"], row["count"]) for row in resnet["labels"]] == [("car", 1), ("cat", 1)]


def test_no_shots_gives_an_empty_table_of_the_same_shape() -> None:
    empty = by_shot(_top1(), SHOTS.iloc[0:0])
    assert empty.empty and list(empty.columns[:7]) == analytics.TOP1_COLUMNS


def test_segments_and_the_outside_of_trims_are_left_out() -> None:
    segments = pd.DataFrame(
        [("v1", "r1", "black", 0, 20, 0.0, 0.8, 0.8), ("v1", "r1", "static", 80, 100, 3.2, 4.0, 0.8)],
        columns=["video_id", "run_id", "kind", "start_frame", "end_frame", "start_s", "end_s", "length_s"],
    )
    top1 = _top1()

    def frames(kinds: list[str]) -> list[int]:
        kept = exclude(top1, segments, kinds)
        return sorted(set(kept.loc[kept["run_id"] == "r1", "frame"]))

    assert frames(["black"]) == list(range(20, 100, 10))
    assert frames(["black", "static"]) == list(range(20, 80, 10))
    trims = pd.DataFrame([("v1", 1.0, 1.0, 4.0)], columns=["video_id", "start_s", "end_s", "duration_s"])
    kept = exclude(top1, segments, ["trims"], trims)
    assert sorted(set(kept.loc[kept["video_id"] == "v1", "time_s"])) == pytest.approx([1.2, 1.6, 2.0, 2.4, 2.8])
    assert len(kept[kept["video_id"] == "v2"]) == 1 and exclude(top1, segments, []).equals(top1)
