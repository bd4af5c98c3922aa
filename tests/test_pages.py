"""Every page under Streamlit's AppTest, on an empty and a populated database, with its main widgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import ingest
from core.media.videos import get_video
from core.worker import Worker
from dashboard.text import plain
from tests.synthetic import add_run, add_video

pytestmark = pytest.mark.pages

APP = str(PROJECT_ROOT / "streamlit_app.py")
PAGES = ["pages/videos.py", "pages/jobs.py", "pages/results.py"]


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page != "pages/videos.py":
        at.switch_page(page)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "warning", "error", "success", "caption", "title", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0]


@pytest.fixture
def analysed(store) -> dict[str, str]:
    """One 3 s video with two finished random-weight runs (1 fps, then 2 fps with ResNet50 only)."""
    rng = np.random.default_rng(1)
    video_id = add_video(store, "synthetic:clip", "Generated clip", views=1000, seconds=3.0)
    first = add_run(store, video_id, 3, top_k=3, fps=1, source_fps=10, rng=rng, random_weights=True)
    second = add_run(store, video_id, 6, models=("resnet50",), fps=2, source_fps=10, rng=rng, random_weights=True, offset_s=1)
    return {"video_id": video_id, "first": first, "second": second}


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_on_an_empty_database(store, page: str) -> None:
    at = open_page(page)
    shown = texts(at)
    expected = {
        "pages/videos.py": "No videos yet",
        "pages/jobs.py": "No worker is running",
        "pages/results.py": "Nothing analysed yet",
    }[page]
    assert expected in shown


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_on_a_populated_database(analysed, page: str) -> None:
    at = open_page(page)
    assert "Nothing analysed yet" not in texts(at) and "No videos yet" not in texts(at)


def test_videos_page_adds_urls_and_reports_bad_ones(store, http_base: str) -> None:
    at = open_page("pages/videos.py")
    at.text_area(key="videos.urls").input(f"{http_base}/clip.mp4\nftp://youtube.com/x\n")
    button(at, "Add links").click()
    at.run()
    assert not at.exception
    assert any("Added clip" in s.value for s in at.success)
    assert [e.value for e in at.error] == [plain("ftp://youtube.com/x is not an http(s) URL. Paste a link such as https://www.youtube.com/watch?v=…")]
    assert store.db["videos"].count_documents({}) == 1
    assert "Library · 1 video" in texts(at)


def test_videos_page_uploads_files(store, clip: Path) -> None:
    at = open_page("pages/videos.py")
    at.file_uploader[0].upload("party.mp4", clip.read_bytes(), "video/mp4").upload("notes.mp4", b"nope" * 100, "video/mp4")
    at.run()
    button(at, "Add uploaded files").click()
    at.run()
    assert not at.exception
    assert any(plain("Added party.mp4") in s.value for s in at.success)  # shown as plain text
    assert any(plain("notes.mp4 is not a video OpenCV can read") in e.value for e in at.error)
    assert [v["filename"] for v in store.db["videos"].find({})] == ["party.mp4"]
    assert not at.file_uploader[0].value, "the uploader is emptied after adding"


def test_videos_page_queues_analysis_sets_views_and_deletes(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip, title="Generated clip")
    at = open_page("pages/videos.py")
    at.toggle[0].set_value(True)  # every frame
    at.number_input(key=f"videos.views.{video_id}").set_value(20_000_000)
    at.run()
    button(at, "Queue analysis").click()
    at.run()
    assert any("Queued 1 analysis run" in s.value for s in at.success)
    run = store.db["runs"].find_one({"video_id": video_id})
    assert run["settings"]["fps"] is None and run["settings"]["models"] == ["inception_v3", "resnet50"]
    assert jobs.list_jobs(store)[0]["state"] == "queued"

    button(at, "Save views").click()
    at.run()
    assert get_video(store, video_id)["views_override"] == 20_000_000

    at.checkbox(key="videos.delete_confirm").check()
    at.run()
    button(at, "Delete video").click()
    at.run()
    assert not at.exception
    assert store.db["videos"].count_documents({}) == 0 and store.db["runs"].count_documents({}) == 0
    assert "No videos yet" in texts(at)


def test_jobs_page_cancels_and_retries(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    _, job_id = request_analysis(store, video_id, RunSettings(fps=1))
    at = open_page("pages/jobs.py")
    assert "No worker is running" in texts(at) and "python -m core worker" in texts(at)
    button(at, "Cancel").click()
    at.run()
    assert jobs.get_job(store, job_id)["state"] == "cancelled"
    at = open_page("pages/jobs.py")
    button(at, "Retry").click()
    at.run()
    assert jobs.get_job(store, job_id)["state"] == "queued"


def test_jobs_page_lists_live_workers_with_their_measured_speed(store, settings) -> None:
    worker = Worker(store, settings, worker_id="gpu-box-1")
    fps = worker.measure(models=("resnet50",))
    worker._register()
    at = open_page("pages/jobs.py")
    assert "No worker is running" not in texts(at)
    table = at.dataframe[0].value  # headers from core.analysis.labels
    assert list(table["Worker"]) == ["gpu-box-1"] and list(table["Device"]) == ["CPU"] and list(table["Weights"]) == ["Random (testing only)"]
    assert list(table["Batch size"]) == [4] and list(table["Model speed (frames/s)"]) == [round(fps, 1)] and fps > 0
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert f"Worker on CPU (tensorflow, batch 4) · models {fps:,.1f} frames/s" in sidebar


def test_jobs_page_shows_a_running_jobs_frames_per_second(store, settings, clip: Path) -> None:
    import time

    from core.worker import JobContext

    video_id, _ = ingest.add_file(store, settings, clip)
    _, job_id = request_analysis(store, video_id, RunSettings(fps=1))
    worker = Worker(store, settings, worker_id="w")
    worker._register()
    ctx = JobContext(worker, jobs.claim(store, "w", settings.lease_s))
    ctx.progress("classify", 0, 300)
    time.sleep(0.5)
    ctx.progress("classify", 50, 300)
    rate = jobs.get_job(store, job_id)["progress"]["rate"]
    assert 20 < rate <= 100  # 50 frames in a little over 0.5 s
    at = open_page("pages/jobs.py")
    bars = [p.proto.text for p in at.get("progress")]
    assert any(f"classify · 50/300 frames · {rate:,.1f} frames/s" in text for text in bars), bars


def test_results_page_shows_the_latest_run_by_default(analysed) -> None:
    at = open_page("pages/results.py")
    assert at.selectbox(key="run").value == analysed["second"]
    assert [m.value for m in at.metric][:1] == ["6"]  # the second run's frames
    assert any("Random weights" in w.value for w in at.warning)
    assert at.get("plotly_chart")


def test_results_page_reports_reuse_and_its_spot_checks(store) -> None:
    video_id = add_video(store, "synthetic:drift", "Drifting clip", seconds=2.0)
    run_id = add_run(store, video_id, 48, models=("resnet50",), top_k=1, fps=None, reuse_every=3)
    run = store.db["runs"].find_one({"_id": run_id})
    checks = run["reuse_checks"]
    assert (run["n_reused"], checks["checks"], checks["agreed"]) == (15, 7, 6)  # frames 3, 6, …, 45 reused; 7 spot checks, the first changed
    at = open_page("pages/results.py")
    captions = [c.value for c in at.caption if "reused the labels" in c.value]
    assert len(captions) == 1
    assert f"{run['n_reused']} of 48 frames" in captions[0] and f"unchanged in {checks['agreed']} of {checks['checks']} frames classified anyway" in captions[0]
    shown = at.dataframe[1].value  # the first page of frames says which were reused and which spot-checked
    stored = {d["frame"]: d for d in store.db["frames"].find({"run_id": run_id, "frame": {"$in": [int(f) for f in shown["Frame"]]}})}
    assert [stored[f].get("reused_from") for f in shown["Frame"]] == [None if pd.isna(v) else int(v) for v in shown["Reused from"]]
    assert list(shown["Spot check"]) == ["Yes" if "audit" in stored[f] else "No" for f in shown["Frame"]] and "Yes" in set(shown["Spot check"])


def test_results_page_restores_state_from_the_url(analysed) -> None:
    at = open_page("pages/results.py", {"video": analysed["video_id"], "run": analysed["first"], "model": "inception_v3"})
    assert at.selectbox(key="run").value == analysed["first"]
    assert at.segmented_control(key="model").value == "inception_v3"
    assert [m.value for m in at.metric][:1] == ["3"]
    frames_table = at.dataframe[1].value
    assert list(frames_table["Frame"]) == [0, 10, 20]
    assert all(str(t).startswith("data:image/jpeg;base64,") for t in frames_table["Thumbnail"])
    at.segmented_control(key="model").set_value("resnet50")
    at.run()
    assert not at.exception
    assert at.query_params.get("model") in (["resnet50"], "resnet50")


def test_jobs_page_requeues_a_dead_workers_job(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    _, job_id = request_analysis(store, video_id, RunSettings(fps=1))
    jobs.claim(store, "dead-worker", lease_s=0.01)
    at = open_page("pages/jobs.py")
    job = jobs.get_job(store, job_id)
    assert job["state"] == "queued" and "dead-worker stopped responding" in job["error"]
    assert "stopped responding" in texts(at)
