"""``python -m core`` as a user runs it: the documented journey, and one clear line per bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.config import PROJECT_ROOT, load_settings
from core.store.database import open_store
from tests.media import write_zero_frame_avi


def cli(*args: str, env: dict[str, str], extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core", *args], cwd=PROJECT_ROOT, env={**os.environ, **env, **(extra or {})}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_documented_journey(env, clip: Path, tmp_path: Path) -> None:
    added = cli("add", str(clip), "--views", "2500", "--title", "Clip", env=env)
    assert added.returncode == 0, added.stderr
    video_id = added.stdout.strip().splitlines()[-1]
    queued = cli("analyze", video_id, "--fps", "1", "--trim-start", "1", "--models", "resnet50", "--top-k", "2", env=env)
    assert queued.returncode == 0, queued.stderr
    job_id = queued.stdout.strip().splitlines()[-1]
    listing = cli("jobs", env=env)
    assert job_id in listing.stdout and "queued" in listing.stdout
    worker = cli("worker", "--burst", env=env)
    assert worker.returncode == 0, worker.stderr
    listing = cli("jobs", env=env).stdout.splitlines()
    assert any(" browser_copy " in line for line in listing[1:])  # the clip is MPEG-4 Part 2: a browser copy followed the analysis
    assert all(line[listing[0].index("state") :].startswith("done ") for line in listing[1:])  # a long kind keeps the columns aligned
    exported = cli("export", video_id, "--out", str(tmp_path / "out"), env=env)
    assert exported.returncode == 0, exported.stderr
    table = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert list(table.columns) == ["video_id", "run_id", "model", "frame", "time_s", "rank", "label", "score"]
    assert sorted(set(table["frame"])) == [10, 20] and set(table["rank"]) == {1, 2} and set(table["model"]) == {"resnet50"}
    assert cli("export", "--all", "--out", str(tmp_path / "all"), env=env).returncode == 0
    assert len(pd.read_csv(tmp_path / "all" / "predictions.csv")) == len(table)


def _bad_inputs(tmp_path: Path, clip: Path) -> list:
    text = tmp_path / "notes.mp4"
    text.write_text("definitely not a video\n" * 50)
    return [
        pytest.param(["add", str(tmp_path / "missing.mp4")], {}, "No such file", id="missing-file"),
        pytest.param(["add", str(text)], {}, "is not a video", id="not-a-video"),
        pytest.param(["add", str(write_zero_frame_avi(tmp_path / "empty.avi"))], {}, "has no frames", id="zero-frames"),
        pytest.param(["analyze", "nosuchvideo"], {}, "No video with id nosuchvideo", id="unknown-video"),
        pytest.param(["export", "nosuchvideo", "--out", str(tmp_path / "o")], {}, "No video with id nosuchvideo", id="unknown-export"),
        pytest.param(["cancel", "nosuchjob"], {}, "No job with id nosuchjob", id="unknown-job"),
        pytest.param(["add", "ftp://youtube.com/watch?v=abc"], {}, "is not an http(s) URL", id="not-http"),
        pytest.param(["add", "https://example.com/video"], {}, "is not an allowed host", id="host-not-allowed"),
        pytest.param(["add", str(clip)], {"REELSIGHT_MAX_UPLOAD_MB": "0"}, "over the 0 MB upload limit", id="over-size-limit"),
        pytest.param(["analyze", "x", "--models", "vgg99"], {}, "unknown model vgg99", id="unknown-model"),
        pytest.param(
            ["worker", "--burst"],
            {"REELSIGHT_VIDEO_SOURCE": "nvdec"},
            "Unknown video source 'nvdec'. Set REELSIGHT_VIDEO_SOURCE to auto or one of",
            id="unknown-video-source",
        ),
        pytest.param(
            ["worker", "--burst"], {"REELSIGHT_RESIZE": "cubic"}, "Unknown resize method 'cubic'. Set REELSIGHT_RESIZE to one of", id="unknown-resize"
        ),
        pytest.param(
            ["worker", "--burst"],
            {"REELSIGHT_BATCH_SIZE": "lots"},
            "REELSIGHT_BATCH_SIZE is 'lots'; it must be a number or auto.",
            id="batch-size-not-a-number",
        ),
        pytest.param(["worker", "--burst"], {"REELSIGHT_DECODE_WORKERS": "0"}, "may also be auto", id="no-decode-workers"),
    ]


@pytest.mark.slow
def test_bad_inputs_get_one_line_and_leave_nothing(env, tmp_path: Path, clip: Path) -> None:
    store = open_store(load_settings())
    for case in _bad_inputs(tmp_path, clip):
        args, extra, message = case.values
        result = cli(*args, env=env, extra=extra)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (case.id, result.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: "), (case.id, result.stderr)
        assert message in lines[0], (case.id, lines[0])
        assert "Traceback" not in result.stderr
        assert store.db["videos"].count_documents({}) == 0 and store.db["jobs"].count_documents({}) == 0, case.id
        assert not any((Path(env["REELSIGHT_DATA"]) / "blobs").glob("*")), case.id
