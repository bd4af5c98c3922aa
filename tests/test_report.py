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

from core.analysis import analytics, regression
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
    pd.testing.assert_frame_equal(features, analytics.top_features(top1, groups), check_dtype=False)

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
