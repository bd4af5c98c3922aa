"""The worker end to end, in-process: real models (weights none), real store, real files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from core.analysis import analytics
from core.analysis.results import PREDICTION_COLUMNS, export_predictions, frame_table, label_counts, latest_run, list_runs
from core.errors import IngestError
from core.inference.models import imagenet_labels
from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import frames, ingest
from core.media.videos import delete_video, get_video
from core.worker import Worker


def drain(store, settings) -> int:
    return Worker(store, settings, worker_id="test-worker").run(burst=True)


def test_uploaded_video_is_analysed_end_to_end(store, settings, clip: Path, tmp_path: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    rs = RunSettings(fps=2, trim_start_s=0.5, trim_end_s=0.5, top_k=3)
    run_id, job_id = request_analysis(store, video_id, rs)
    assert drain(store, settings) == 2  # the analysis, then a browser copy (the clip is MPEG-4 Part 2)

    job = jobs.get_job(store, job_id)
    assert job["state"] == "done" and job["attempts"] == 1
    assert job["progress"]["done"] == job["progress"]["total"] == 4

    docs = list(store.db["frames"].find({"run_id": run_id}, sort=[("frame", 1)]))
    expected = list(frames.sample_indices(30, 10, rs.plan))
    assert [d["frame"] for d in docs] == expected == [5, 10, 15, 20]
    names = set(imagenet_labels())
    for doc in docs:
        assert doc["time_s"] == pytest.approx(doc["frame"] / 10)
        assert set(doc["preds"]) == {"inception_v3", "resnet50"}
        for pred in doc["preds"].values():
            assert len(pred["labels"]) == len(pred["scores"]) == 3
            assert set(pred["labels"]) <= names
            assert pred["scores"] == sorted(pred["scores"], reverse=True)
    thumbs = list(store.db["thumbs"].find({"run_id": run_id}))
    assert sorted(t["frame"] for t in thumbs) == expected
    image = cv2.imdecode(np.frombuffer(thumbs[0]["jpeg"], np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (120, 160, 3)

    run = store.db["runs"].find_one({"_id": run_id})
    assert run["random_weights"] is True and run["weights"] == "none" and run["device"] == "CPU"
    assert run["n_frames"] == 4
    for model in rs.models:
        table = frame_table(store, run_id, model)
        summary = run["summary"][model]
        assert summary["frames"] == 4
        assert summary["mean_top1"] == pytest.approx(table["score_1"].mean())
        counts = label_counts(table)
        assert {d["label"]: d["count"] for d in summary["labels"]} == dict(zip(counts["label"], counts["frames"]))
    assert store.db["workers"].find_one({"_id": "test-worker"})["state"] == "stopped"
    compact = analytics.top1_table(store, [run_id])
    store.db["run_top1"].delete_one({"_id": run_id})
    pd.testing.assert_frame_equal(compact, analytics.top1_table(store, [run_id]))  # same as reading every frame
    assert len(compact) == 4 * 2

    csv = pd.read_csv(
        export_predictions(store, tmp_path / "out", [video_id]), dtype={"run_id": str, "video_id": str}
    )  # ids such as "534e24119183" would read as numbers
    assert list(csv.columns) == PREDICTION_COLUMNS
    assert len(csv) == 4 * 2 * 3
    top1 = csv[(csv["rank"] == 1) & (csv["model"] == "resnet50")].sort_values("frame")
    assert list(top1["label"]) == [d["preds"]["resnet50"]["labels"][0] for d in docs]
    assert pd.read_csv(tmp_path / "out" / "runs.csv")["random_weights"].tolist() == [True]


def test_url_video_is_downloaded_by_the_worker(store, settings, http_base: str) -> None:
    video_id, _ = ingest.add_url(store, settings, f"{http_base}/clip.mp4")
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    drain(store, settings)
    assert jobs.get_job(store, job_id)["state"] == "done"
    assert [d["frame"] for d in store.db["frames"].find({"run_id": run_id}, sort=[("frame", 1)])] == [0, 10, 20]
    assert get_video(store, video_id)["fps"] == 10
    assert (settings.data_dir / "downloads" / f"{video_id}.mp4").is_file()


def test_analysing_again_keeps_earlier_runs(store, settings, clip: Path, tmp_path: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    first, _ = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    drain(store, settings)
    second, _ = request_analysis(store, video_id, RunSettings(fps=2, models=("resnet50",), top_k=1))
    assert latest_run(store, video_id)["_id"] == first  # the new run has not finished yet
    drain(store, settings)
    assert latest_run(store, video_id)["_id"] == second
    runs = list_runs(store, video_id)
    assert list(runs["run_id"]) == [second, first] and set(runs["state"]) == {"done"}
    assert store.db["frames"].count_documents({"run_id": first}) == 3
    assert store.db["frames"].count_documents({"run_id": second}) == 6
    latest = pd.read_csv(
        export_predictions(store, tmp_path / "a", [video_id]), dtype={"run_id": str, "video_id": str}
    )  # ids such as "534e24119183" would read as numbers
    assert set(latest["run_id"]) == {second} and len(latest) == 6
    chosen = pd.read_csv(
        export_predictions(store, tmp_path / "b", run_id=first), dtype={"run_id": str, "video_id": str}
    )  # ids such as "534e24119183" would read as numbers
    assert set(chosen["run_id"]) == {first} and len(chosen) == 3 * 5


@pytest.mark.allow_errors
def test_missing_weights_fail_the_job_clearly_then_retry_succeeds(store, settings, clip: Path, tmp_path: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    offline = dataclasses.replace(settings, weights=str(tmp_path / "no-weights"))
    drain(store, offline)
    job = jobs.get_job(store, job_id)
    assert job["state"] == "failed"
    assert "holds no resnet50_weights_tf_dim_ordering_tf_kernels.h5" in job["error"]
    assert store.db["frames"].count_documents({"run_id": run_id}) == 0
    jobs.retry(store, job_id)
    drain(store, settings)
    assert jobs.get_job(store, job_id)["state"] == "done"
    assert store.db["frames"].count_documents({"run_id": run_id}) == 3


@pytest.mark.allow_errors
def test_trims_that_leave_nothing_are_refused_when_asked_and_when_the_length_is_known_only_later(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    duration = frames.probe(clip).duration_s
    with pytest.raises(IngestError, match=r"Trimming .* leaves nothing of a .* s video\. Choose shorter trims\."):
        request_analysis(store, video_id, RunSettings(fps=1, trim_start_s=duration / 2, trim_end_s=duration / 2, models=("resnet50",)))
    assert store.db["runs"].count_documents({"video_id": video_id}) == 0 and store.db["jobs"].count_documents({}) == 0
    # A link not downloaded yet has no length: the worker checks once it has probed the file, and the
    # run fails with the same message instead of finishing "done" with no frames as the video's latest.
    store.db["videos"].update_one({"_id": video_id}, {"$unset": {"duration": "", "fps": "", "frame_count": ""}})
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=1, trim_end_s=duration + 1, models=("resnet50",)))
    drain(store, settings)
    job = jobs.get_job(store, job_id)
    assert job["state"] == "failed" and "leaves nothing of a" in job["error"]
    assert store.db["runs"].find_one({"_id": run_id}).get("finished_at") is None and store.db["frames"].count_documents({"run_id": run_id}) == 0


def test_cancel_reaches_a_running_job(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=None, models=("resnet50",)))
    # the cancel arrives just after a worker claimed the job
    store.db["jobs"].update_one({"_id": job_id}, {"$set": {"cancel_requested": True}})
    drain(store, settings)
    job = jobs.get_job(store, job_id)
    assert job["state"] == "cancelled"
    assert store.db["runs"].find_one({"_id": run_id}).get("finished_at") is None


def test_deleting_a_video_deletes_its_results(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, _ = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    drain(store, settings)
    counts = delete_video(store, settings, video_id)
    assert counts == {"frames": 3, "thumbs": 3, "run_top1": 1, "scenes": 1, "runs": 1, "jobs": 2}  # the analysis and the browser copy
    for coll in ("videos", "runs", "frames", "thumbs", "jobs", "run_top1", "scenes"):
        assert store.db[coll].count_documents({}) == 0, coll
