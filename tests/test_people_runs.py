"""Faces and people counted in the analysis pass: stored per frame, summarised per run, switchable,
and old runs left readable. Real worker, real models (weights none), real clips."""

from __future__ import annotations

from pathlib import Path

from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import ingest, preview
from core.media.people import summarize
from core.worker import Worker
from tests.conftest import SHARED_DATA
from tests.media import write_grey_copy

TWO_WOMEN_CLIP = SHARED_DATA / "videos" / "pyscenedetect_issue-195-aspect-ratio.mp4"
"""704×576, 25 fps; two women face the camera from about 8 s to 12.5 s."""
AROUND_THEM = {"fps": 1.0, "trim_start_s": 8.5, "trim_end_s": 12.5, "models": ("resnet50",), "top_k": 1}


def drain(store, settings) -> int:
    return Worker(store, settings, worker_id="test-worker").run(burst=True)


def _analyse(store, settings, path: Path, **settings_kw) -> tuple[str, dict]:
    video_id, _ = ingest.add_file(store, settings, path)
    run_id, job_id = request_analysis(store, video_id, RunSettings(**(AROUND_THEM | settings_kw)))
    assert drain(store, settings) == 1 + (not preview.plays_in_browsers(path))  # and a browser copy for a file browsers do not play
    assert jobs.get_job(store, job_id)["state"] == "done"
    return run_id, store.runs.get(run_id)


def test_faces_and_people_are_stored_per_frame_and_summarised_per_run(store, settings) -> None:
    run_id, run = _analyse(store, settings, TWO_WOMEN_CLIP)
    docs = list(store.frames.of_run(run_id))
    assert len(docs) >= 3 and all("people" in d for d in docs)
    faces = [len(d["people"]["faces"]) for d in docs]
    persons = [len(d["people"]["persons"]) for d in docs]
    assert max(faces) >= 1 and all(p >= f for p, f in zip(persons, faces))
    for doc in docs:
        for x, y, w, h in doc["people"]["faces"] + doc["people"]["persons"]:
            assert x >= 0 and y >= 0 and x + w <= 704 and y + h <= 576  # full-frame pixels, not the model input's
    assert run["settings"]["people"] is True
    assert run["people"] == summarize(faces, persons) and run["people"]["face_share"] > 0
    kept = store.runs.on_screen(run_id, "people")  # the counts kept for pages that count shots or leave segments out
    assert kept == {"frames": [d["frame"] for d in docs], "time_s": [d["time_s"] for d in docs], "faces": faces, "persons": persons}
    assert store.runs.on_screen(run_id, "objects") == {"frames": [], "time_s": [], "boxes": [], "classes": []}  # no detector ran


def test_a_run_can_leave_people_out(store, settings) -> None:
    run_id, run = _analyse(store, settings, TWO_WOMEN_CLIP, people=False)
    assert not any("people" in d for d in store.frames.of_run(run_id))
    assert run["people"] is None


def test_a_grayscale_video_is_counted_too(store, settings, tmp_path: Path) -> None:
    path = write_grey_copy(TWO_WOMEN_CLIP, tmp_path / "grey.avi", 125, start=200)
    run_id, run = _analyse(store, settings, path, trim_start_s=0.0, trim_end_s=0.0)
    assert run["n_frames"] == 5 and run["people"]["frames"] == 5
    assert run["people"]["person_share"] > 0


def test_runs_from_before_people_detection_read_as_not_counted() -> None:
    old = {"fps": 1.0, "trim_start_s": 0.0, "trim_end_s": 0.0, "models": ["resnet50"], "top_k": 5, "reuse_threshold": 2.0}
    assert RunSettings.from_doc(old).people is False
    assert RunSettings.from_doc(RunSettings().to_doc()).people is True
