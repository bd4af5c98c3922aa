"""Shots and trims from the command line: the scene list export, ``--trim auto``, and bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.media.scenes import SCENE_LIST_COLUMNS
from tests.media import structured_frames, write_frames
from tests.test_cli import cli

CLIP = [("black", 1.0, 0), ("static", 3.0, 1), ("moving", 4.0, 2), ("moving", 4.0, 3), ("static", 2.5, 5)]
"""Black 0–1 s, a title card 1–4 s, two moving shots 4–12 s, an end card 12–14.5 s (10 fps)."""


@pytest.mark.slow
def test_shots_export_and_trim_auto(env, tmp_path: Path) -> None:
    path = write_frames(tmp_path / "episode.mp4", structured_frames(CLIP, 10), 10)
    video_id = cli("add", str(path), env=env).stdout.strip().splitlines()[-1]
    early = cli("analyze", video_id, "--trim", "auto", env=env)
    assert early.returncode == 2 and early.stderr.count("\n") == 1 and "Analyse it once" in early.stderr
    assert cli("analyze", video_id, "--models", "resnet50", "--top-k", "1", env=env).returncode == 0
    assert cli("worker", "--burst", env=env).returncode == 0

    exported = cli("export", video_id, "--out", str(tmp_path / "out"), env=env)
    assert exported.returncode == 0, exported.stderr
    shots = pd.read_csv(tmp_path / "out" / f"shots_{video_id}.csv")
    assert list(shots.columns) == list(SCENE_LIST_COLUMNS)
    assert shots["Start Frame"].tolist()[0] == 1 and shots["End Frame"].tolist()[-1] == 145
    segments = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert segments["kind"].tolist() == ["black", "static", "static"]

    reported = cli("report", "--out", str(tmp_path / "report"), "--unit", "shots", "--leave-out", "black,static", env=env)
    assert reported.returncode == 0, reported.stderr
    confidence = pd.read_csv(tmp_path / "report" / "confidence.csv")
    assert confidence["frames"].tolist() == [2]  # each shot once: the two moving ones (black + title card, and the end card, left out)
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "Counted per shot" in html and "Left out: black segments, still pictures." in html
    refused = cli("report", "--out", str(tmp_path / "bad"), "--leave-out", "fades", env=env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "choose from black, static, trims" in refused.stderr

    auto = cli("analyze", video_id, "--trim", "auto", "--models", "resnet50", env=env)
    assert auto.returncode == 0, auto.stderr
    assert "trimming 4 s at the start and 2.5 s at the end" in auto.stderr and "black then still picture" in auto.stderr
    both = cli("analyze", video_id, "--trim", "auto", "--trim-start", "2", env=env)
    assert both.returncode == 2 and "not both" in both.stderr
    bad = cli("analyze", video_id, "--shot-threshold", "0", env=env)
    assert bad.returncode == 2 and "cut threshold must be above 0" in bad.stderr


def test_the_black_and_still_thresholds_are_settings_of_the_analysis(env, store, clip: Path) -> None:
    video_id = cli("add", str(clip), env=env).stdout.strip().splitlines()[-1]
    options = ["--black-level", "20", "--black-min-s", "1", "--still-threshold", "0.5", "--still-min-s", "3", "--min-shot-frames", "5"]
    queued = cli("analyze", video_id, *options, env=env)
    assert queued.returncode == 0, queued.stderr
    run = store.db["runs"].find_one({"video_id": video_id})
    assert run["settings"]["scenes"] == {
        "shot_threshold": 27.0, "min_shot_frames": 5, "black_luma": 20.0, "black_min_s": 1.0, "static_diff": 0.5, "static_min_s": 3.0,
    }  # fmt: skip
    off = cli("analyze", video_id, "--no-scenes", "--black-level", "20", env=env)
    assert off.returncode == 2 and off.stderr.count("\n") == 1 and "leave out --black-level" in off.stderr
    bad = cli("analyze", video_id, "--still-min-s", "-1", env=env)
    assert bad.returncode == 2 and "Minimum segment durations must be 0 to 3600 seconds." in bad.stderr
    assert store.db["runs"].count_documents({"video_id": video_id}) == 1  # nothing queued by the refused ones
