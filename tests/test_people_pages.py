"""People on screen in the analytics: per-frame and per-video tables (core.analysis.people), the
timeline chart, and the Overview, Results and Explorer pages under AppTest."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pandas as pd
import pytest

from core.analysis import people
from core.analysis.analytics import AnalysisUnavailable
from core.analysis.charts import people_timeline
from core.analysis.thumbnails import thumbnails_with_boxes
from core.inference.runs import compact_on_screen, summarize_people
from tests.synthetic import add_run, add_video
from tests.test_pages import open_page, texts

FACE = [40, 20, 30, 30]
PERSON = [20, 10, 80, 200]


def _count_people(store, run_id: str, pattern: list[int]) -> None:
    """Store ``pattern[i % len]`` people (each with a face) on frame i of a run, and the run's summary, as the worker would."""
    for i, doc in enumerate(store.frames.of_run(run_id, {"_id": 1})):
        n = pattern[i % len(pattern)]
        store.frames.set(doc["_id"], people={"faces": [FACE] * n, "persons": [PERSON] * n})
    store.runs.set(run_id, people=summarize_people(store, run_id))
    compact_on_screen(store, run_id)


@pytest.fixture
def library(store) -> dict[str, str]:
    """Two videos: "Crowd" whose run counted people (0, 1, 2, 0 … per frame), "Old" whose run did not."""
    runs = {}
    for key, title, counted in (("crowd", "Crowd", True), ("old", "Old", False)):
        vid = add_video(store, f"synthetic:{key}", title, view_count=1000, seconds=8)
        store.videos.set(vid, width=320, height=240)
        runs[vid] = add_run(store, vid, 8, top_k=3)
        if counted:
            _count_people(store, runs[vid], [0, 1, 2, 0])
        else:
            store.runs.set(runs[vid], **{"settings.people": False})
    return runs


def test_per_frame_and_per_video_tables(store, library: dict[str, str]) -> None:
    crowd, old = list(library)
    table = people.people_table(store, library)
    assert list(table.columns) == people.PEOPLE_COLUMNS
    assert set(table["video_id"]) == {crowd}  # the old run counted nothing: no rows, not zeros
    assert table["persons"].tolist() == [0, 1, 2, 0] * 2 and table["faces"].tolist() == table["persons"].tolist()
    summary = people.summary_table(store, library).set_index("video_id")
    assert summary.loc[crowd, "person_share"] == 0.5 and summary.loc[crowd, "mean_persons"] == 0.75 and summary.loc[crowd, "frames"] == 8
    assert summary.loc[old, ["person_share", "face_share", "mean_persons"]].isna().all()


def test_a_run_without_a_people_summary_reads_as_not_counted(store, library: dict[str, str]) -> None:
    crowd = next(iter(library))
    store.runs.set(library[crowd], people=None)  # as a run analysed with people counting off
    assert pd.isna(people.summary_table(store, {crowd: library[crowd]}).iloc[0]["person_share"])


def test_overview_columns_go_after_the_key_columns(store) -> None:
    overview = pd.DataFrame({"title": ["A", "B"], "views": [1, 2], "group": ["popular", "unpopular"], "frames": [3, 4], "video_id": ["a", "b"]})
    summary = pd.DataFrame({"video_id": ["a"], "person_share": [0.5], "mean_persons": [1.0], "face_share": [0.25]})
    out = people.with_people(overview, summary)
    assert list(out.columns) == ["title", "views", "group", "person_share", "mean_persons", "face_share", "frames", "video_id"]
    labelled = overview.assign(mean_top1_resnet50=[0.4, 0.5], top3_resnet50=["cat (3)", "dog (2)"])[
        ["title", "views", "group", "mean_top1_resnet50", "top3_resnet50", "frames", "video_id"]
    ]
    out = people.with_people(labelled, summary)  # the labels and mean confidence stay before them
    assert list(out.columns)[:8] == ["title", "views", "group", "mean_top1_resnet50", "top3_resnet50", "person_share", "mean_persons", "face_share"]
    assert out["person_share"].iloc[0] == 0.5 and pd.isna(out["person_share"].iloc[1])


def test_thumbnails_get_their_boxes(store, library: dict[str, str]) -> None:
    crowd = next(iter(library))
    run_id = library[crowd]
    frames = [d["frame"] for d in store.frames.of_run(run_id, {"frame": 1})]
    plain = thumbnails_with_boxes(store, library[list(library)[1]], frames)  # a run without counts: thumbnails as stored
    boxed = thumbnails_with_boxes(store, run_id, frames)
    decode = lambda url: cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)  # noqa: E731
    assert set(boxed) == set(frames)
    assert np.abs(decode(boxed[frames[0]]).astype(int) - 128).max() < 20  # no one on frame 0: unchanged
    assert np.abs(decode(boxed[frames[1]]).astype(int) - 128).max() > 60  # one person and face on frame 1: boxes drawn
    assert np.abs(decode(plain[frames[1]]).astype(int) - 128).max() < 20


def test_timeline_chart_draws_people_and_faces_or_says_why_not() -> None:
    counts = pd.DataFrame({"time_s": [0.0, 1.0, 2.0], "persons": [0, 2, 1], "faces": [0, 1, 1]})
    spec = people_timeline(counts, "t")
    long = spec["datasets"]["counts"]
    assert list(long[long["what"] == "People"]["count"]) == [0, 2, 1] and list(long[long["what"] == "Faces"]["count"]) == [0, 1, 1]
    assert spec["layer"][0]["mark"]["interpolate"] == "step-after"  # a count holds until the next sampled frame
    with pytest.raises(AnalysisUnavailable, match="not counted"):
        people_timeline(counts.iloc[:0], "t")


def test_overview_page_shows_people_columns(store, library: dict[str, str]) -> None:
    at = open_page("pages/overview.py")
    table = at.dataframe[0].value
    assert {"Frames with people", "People per frame", "Frames with a face"} <= set(table.columns)
    row = table.set_index("Title")
    assert row.loc["Crowd", "Frames with people"] == 0.5 and pd.isna(row.loc["Old", "Frames with people"])


@pytest.mark.parametrize("page", ["pages/results.py", "pages/explorer.py"])
def test_run_pages_show_the_people_timeline(store, library: dict[str, str], page: str) -> None:
    crowd, old = list(library)
    at = open_page(page, {"video": crowd})
    assert "People on screen" in texts(at)
    assert [m.label for m in at.metric if m.label.startswith("Frames with")] == ["Frames with people", "Frames with a face"]
    assert any(m.value == "50.0%" for m in at.metric)
    assert not at.get("plotly_chart")  # the people timeline is Vega-Lite too: no plotly.js for the browser to load
    at = open_page(page, {"video": old})
    assert "were not counted in this run" in texts(at)


def test_regression_of_views_on_people_share() -> None:
    from core.analysis.regression import people_regression

    summary = pd.DataFrame({"video_id": list("abcde"), "person_share": [0.1, 0.3, 0.5, 0.7, None]})
    videos = pd.DataFrame({"video_id": list("abcde"), "views": [1e6, 2.1e6, 2.9e6, 4.2e6, 9e6]})
    result = people_regression(summary, videos)
    assert result.formula == "views ~ person_share" and result.n_obs == 4  # the video not counted is left out
    slope = result.coefs.set_index("term").loc["person_share", "coef"]
    assert slope == pytest.approx(np.polyfit([0.1, 0.3, 0.5, 0.7], [1.0, 2.1, 2.9, 4.2], 1)[0])
    with pytest.raises(AnalysisUnavailable, match="Only 1 of the selected videos"):
        people_regression(summary.iloc[:1], videos)
    with pytest.raises(AnalysisUnavailable, match="same share"):
        people_regression(summary.assign(person_share=0.5), videos)
    assert people_regression(summary.iloc[:2], videos).problem is not None  # two points: a line fits exactly


def test_regression_page_offers_people_on_screen(store) -> None:
    for i, pattern in enumerate([[0], [0, 1], [1, 1, 0], [1]]):
        vid = add_video(store, f"synthetic:p{i}", f"Video {i}", view_count=1_000_000 * (i + 1) ** 2, seconds=6)
        _count_people(store, add_run(store, vid, 6, top_k=3), pattern)
    at = open_page("pages/regression.py", {"level": "people"})
    assert "share of its sampled frames with at least one person" in texts(at)
    assert [m.label for m in at.metric][:2] == ["R²", "Adj. R²"]
    assert "frames with people" in at.dataframe[0].value.iloc[:, 0].tolist()


def test_people_by_popularity_group() -> None:
    summary = pd.DataFrame(
        {"video_id": list("abcd"), "person_share": [0.2, 0.4, 0.9, None], "mean_persons": [1.0, 2.0, 3.0, None], "face_share": [0.0, 0.5, 0.5, None]}
    )
    groups = pd.DataFrame({"video_id": list("abcd"), "group": ["popular", "popular", "unpopular", "unpopular"]})
    table = people.by_group(summary, groups).set_index("group")
    assert table.loc["popular", "videos"] == 2 and table.loc["popular", "person_share"] == pytest.approx(0.3)
    assert table.loc["unpopular", "videos"] == 1 and table.loc["unpopular", "mean_persons"] == 3.0  # d was not counted


def test_popularity_page_compares_people_on_screen(store) -> None:
    for i, pattern in enumerate([[0], [0, 1], [1, 1, 0], [1]]):
        vid = add_video(store, f"synthetic:g{i}", f"Video {i}", view_count=1_000_000 * (i + 1), seconds=6)
        _count_people(store, add_run(store, vid, 6, top_k=3), pattern)
    at = open_page("pages/popularity.py")
    assert "People on screen" in texts(at)
    by_group = next(d.value for d in at.dataframe if "Videos" in d.value.columns)
    assert by_group["Frames with people"].tolist() == pytest.approx([(2 / 3 + 1) / 2, (0 + 0.5) / 2])


def test_export_writes_people_per_frame_for_runs_that_counted_them(store, library: dict[str, str], tmp_path) -> None:
    from core.analysis.results import export_predictions

    crowd, old = list(library)
    export_predictions(store, tmp_path / "crowd", [crowd])
    table = pd.read_csv(tmp_path / "crowd" / "people.csv")
    assert list(table.columns) == people.EXPORT_COLUMNS and table["persons"].tolist() == [0, 1, 2, 0] * 2
    assert table["person_boxes"].iloc[2] == "20 10 80 200; 20 10 80 200" and pd.isna(table["face_boxes"].iloc[0])
    export_predictions(store, tmp_path / "old", [old])
    assert (tmp_path / "old" / "predictions.csv").is_file() and not (tmp_path / "old" / "people.csv").exists()


def test_cli_analyze_can_leave_people_out(store, env) -> None:
    from tests.test_cli import cli

    vid = add_video(store, "synthetic:cli", "Clip")
    assert cli("analyze", vid, "--models", "resnet50", "--no-people", env=env).returncode == 0
    assert cli("analyze", vid, "--models", "resnet50", env=env).returncode == 0
    assert sorted(r["settings"]["people"] for r in store.runs.list(vid)) == [False, True]
