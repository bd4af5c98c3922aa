"""Issue 14, item 10 (last part): a truncated video that yields fewer frames than its header
promises still finishes, and says how many of the expected frames could be read."""

from __future__ import annotations

from pathlib import Path

from core.inference import RunSettings, request_analysis
from core.media import ingest
from core.worker import Worker
from tests.media import write_clip


def test_a_truncated_video_reports_the_frames_it_could_read(store, settings, tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.avi", n_frames=13, fps=10, fourcc="MJPG")
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.55)])  # the header still says 13 frames
    video_id, _ = ingest.add_file(store, settings, cut)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=None, models=("resnet50",), reuse_threshold=None, top_k=1))
    assert Worker(store, settings, worker_id="w").run(burst=True) == 2  # the analysis, then a browser copy (AVI) of what can be read
    run, job = store.runs.get(run_id), store.jobs.get(job_id)
    read = store.db["frames"].count_documents({"run_id": run_id})
    assert job["state"] == "done" and 0 < read < 13
    expected = f"{read} of 13 expected frames could be read"
    assert run["warning"].startswith(expected) and job["warning"].startswith(expected)
    assert run["n_expected"] == 13
