"""The report: report.html opens, and every CSV has its columns and the page functions' numbers."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from core.analysis import analytics, labels, regression
from core.analysis.report import ReportError, build_report
from core.cli.main import main
from core.config import PROJECT_ROOT
from core.exports import to_csv
from tests.synthetic import add_run, add_video, populate


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.plots = self.images = self.tables = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = dict(attrs).get("class") or ""
        self.plots += tag == "div" and "plotly-graph-div" in classes
        self.images += tag == "img"
        self.tables += tag == "table"


@pytest.mark.slow
def test_cli_report_matches_the_page_functions(store, env, tmp_path: Path) -> None:
    ids = populate(store, n_videos=3, n_frames=30)
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "core", "report", "--out", str(out), "--threshold", "10000000"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("report.html")

    counter = _Counter()
    counter.feed((out / "report.html").read_text(encoding="utf-8"))
    assert counter.plots == 3 * 2 * 2 + 4  # histogram + bootstrap per video and model, plus the four top-20 charts
    assert counter.images == 6 and counter.tables >= 4

    runs = analytics.selected_runs(store, ids)
    top1 = analytics.top1_table(store, list(runs.values()))
    videos = analytics.video_table(store, runs)
    _, groups = analytics.split_popularity(videos, 10_000_000)

    features = pd.read_csv(out / "top_features.csv")
    assert list(features.columns) == ["model", "group", "rank", "label", "count"]
    pd.testing.assert_frame_equal(features, analytics.top_features(analytics.group_counts(analytics.label_counts(top1), groups)), check_dtype=False)

    confidence = pd.read_csv(out / "confidence.csv")
    assert list(confidence.columns) == ["video_id", "model", "frames", "mean_top1", "mean_of_sample_means", "ci_low", "ci_high"]
    expected = analytics.confidence_table(top1).drop(columns=["out_of_domain"])
    pd.testing.assert_frame_equal(confidence, expected, check_dtype=False)

    for model in ("inception_v3", "resnet50"):
        coefs = pd.read_csv(out / f"regression_{model}.csv")
        assert list(coefs.columns) == ["term", "coef", "std_err", "t", "p_value", "ci_low", "ci_high"]
        direct = regression.frame_regression(top1, videos, model)
        assert coefs["coef"].to_numpy() == pytest.approx(direct.coefs["coef"].to_numpy())
        assert "OLS Regression Results" in (out / f"regression_{model}_summary.txt").read_text()
        for vid in ids:
            assert (out / f"wordcloud_{vid}_{model}.png").read_bytes()[:4] == b"\x89PNG"


def test_views_are_written_as_whole_numbers(store, tmp_path: Path) -> None:
    table = pd.DataFrame({"title": ["a", "b"], "views": [870000.0, None], "score": [0.5, 1.0]})
    assert to_csv(table).splitlines() == ["title,views,score", "a,870000,0.5", "b,,1.0"]

    populate(store, n_videos=2, n_frames=10)
    no_views = add_video(store, "synthetic:none", "No views yet", seconds=10.0)
    add_run(store, no_views, 10, thumbnails=False)
    assert main(["report", "--out", str(tmp_path / "report")]) == 0
    assert main(["export", "--all", "--out", str(tmp_path / "export")]) == 0
    with (tmp_path / "report" / "videos.csv").open(newline="") as f:
        views = [row["views"] for row in csv.DictReader(f)]
    assert sorted(views) == ["", "10000000", "5000000"]
    runs = pd.read_csv(tmp_path / "export" / "runs.csv", dtype=str)
    assert runs["frames"].tolist() == ["10"] * 3 and runs["top_k"].tolist() == ["5"] * 3


def test_report_on_an_empty_library_says_what_to_do(env) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "core", "report", "--out", "/tmp/none"], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: No analysed videos to report on. Analyse a video first (`python -m core analyze VIDEO_ID`, then a worker)."
    ]


class _Text(HTMLParser):
    """The report's visible text, split at the appendix heading; table headers apart."""

    def __init__(self) -> None:
        super().__init__()
        self.body: list[str] = []
        self.appendix: list[str] = []
        self.headers: list[str] = []
        self._skip = 0
        self._in = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")
        self._in = ""

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in == "h2" and data.startswith("Appendix"):
            self.appendix.append(data)
        (self.appendix if self.appendix else self.body).append(data)
        if self._in == "th" and not self.appendix:
            self.headers.append(data)


def _library(store) -> list[str]:
    """Four videos with views, one without, no channels, one whose confidences never vary."""
    ids = populate(store, n_videos=4, n_frames=30, channel=None)
    ids.append(add_video(store, "synthetic:noviews", "No views yet", seconds=30.0, channel=None))
    add_run(store, ids[-1], 30, fps=1.0, source_fps=1.0, thumbnails=False)
    ids.append(add_video(store, "synthetic:flat", "Flat confidence", view_count=870_000, seconds=30.0, channel=None))
    add_run(store, ids[-1], 30, fps=1.0, source_fps=1.0, thumbnails=False, top1_score=0.5)
    return ids


def test_report_reads_like_the_dashboard(store) -> None:
    _library(store)
    report = build_report(store)
    text = _Text()
    text.feed(report.html)
    body, appendix = " ".join(text.body), " ".join(text.appendix)
    for raw in (
        "e+0",
        "e-0",
        "NaN",
        "nan",
        "inf",
        "True",
        "False",
        "None",
        "mean_of_sample_means",
        "ci_low",
        "random_weights",
        "mean_top1",
        "inception_v3",
        "resnet50",
        "video_id",
        "[T.",
    ):
        assert raw not in body, f"{raw!r} in the report's body"
    assert "870,000" in body and "20,000,000" in body and "—" in body  # views with separators, a missing one as a dash
    assert {"Yes", "No"} & set(text.body) and "Likely out of domain" in text.headers
    known = set(labels.COLUMNS.values()) | {labels.column(f"{p}{m}") for p in ("mean_top1_", "top3_") for m in ("inception_v3", "resnet50")}
    assert set(text.headers) <= known, set(text.headers) - known
    assert "Channel" not in text.headers  # empty everywhere, so hidden
    assert "OLS Regression Results" not in body and appendix.count("OLS Regression Results") == len(report.regressions)


def test_report_says_why_instead_of_drawing_degenerate_statistics(store) -> None:
    _library(store)
    report = build_report(store)
    counter = _Counter()
    counter.feed(report.html)
    assert counter.plots == 5 * 2 * 2 + 4  # the flat video's four confidence charts are sentences instead
    assert report.html.count("All 30 frame confidences are 0.500 to three decimals") == 2
    assert report.html.count("All 1,000 sample means are 0.500") == 2


def test_report_says_why_a_regression_has_no_statistics(store) -> None:
    populate(store, n_videos=2, n_frames=8, models=("resnet50",))  # no label in both videos: the labels give each frame's views exactly
    report = build_report(store)
    problem = report.regressions["resnet50"].problem
    assert problem.startswith("The labels reproduce every view count exactly")
    section = report.html.split("<h3>ResNet50</h3>")[1].split("<h2>")[0]
    assert problem in section and "R²</th>" not in section and "<table>" not in section


def test_the_report_counts_shots_and_leaves_segments_out_as_the_pages_do(store) -> None:
    from tests.test_units_pages import _with_shots

    _with_shots(store, n_videos=4, n_frames=30, black_s=5)  # a shot every 5 s, the first 5 s black
    shots = build_report(store, unit="shots")
    assert set(shots.confidence["frames"]) == {6}  # 6 shots a video, each counted once
    assert "Counted per shot" in shots.html and "(48 shot rows)" in shots.html  # 4 videos × 6 shots × 2 models, as the pages say
    assert "samples of 30 shots" in shots.html and "top-1 confidence per shot" in shots.html
    fit = shots.regressions["resnet50"]
    assert fit.level == "shot" and fit.n_obs == 24

    left = build_report(store, leave_out=["black"])
    assert set(left.confidence["frames"]) == {25} and "Left out: black segments." in left.html
    assert left.regressions["resnet50"].n_obs == 100  # the Regression page's figure with black left out
    both = build_report(store, unit="shots", leave_out=["black"])
    assert set(both.confidence["frames"]) == {5}  # the black first shot has no frame left


def test_the_report_refuses_units_it_cannot_count(store) -> None:
    populate(store, n_videos=2, n_frames=10)  # runs from before shot detection: no shots
    with pytest.raises(ReportError, match="None of the chosen runs has shots"):
        build_report(store, unit="shots")
    with pytest.raises(ReportError, match="choose from black, static, trims"):
        build_report(store, leave_out=["fades"])
    with pytest.raises(ReportError, match="Count frames or shots"):
        build_report(store, unit="scenes")
