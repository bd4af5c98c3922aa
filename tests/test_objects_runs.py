"""Object detection (COCO) in the analysis pass: the detector's box decoding, boxes stored per frame
in full-frame pixels, a per-run summary, reused frames copying boxes, the setting off, and the
weights' failures. Real worker, real RetinaNet architecture (weights none) at a small input side."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from core.errors import IngestError, WeightsUnavailable
from core.inference import detectors
from core.inference.detectors import DETECTORS, Detection, DetectorRunner, build_detector, scale_box
from core.inference.feed import letterbox
from core.inference.runs import RunSettings, request_analysis, summarize_objects
from core.inference.runtime import InferenceRuntime, current_plan
from core.jobs import queue as jobs
from core.media import ingest
from core.worker import Worker
from tests.conftest import SHARED_DATA
from tests.media import write_grey_copy

CLIP = SHARED_DATA / "videos" / "pyscenedetect_issue-195-aspect-ratio.mp4"
"""704×576, 25 fps."""
SIDE = 128
"""A small detector input keeps the CPU test short; the architecture is the preset's."""


@pytest.fixture(scope="module")
def runner() -> DetectorRunner:
    return DetectorRunner(DETECTORS["retinanet"], "none", current_plan(), side=SIDE)


def test_random_weights_build_the_presets_architecture_and_give_boxes_inside_the_input(runner: DetectorRunner) -> None:
    assert runner.detector.count_params() == 34_121_239  # retinanet_resnet50_fpn_coco's published parameter count
    frames = np.random.default_rng(0).integers(0, 256, (detectors.CHUNK + 3, SIDE, SIDE, 3), dtype=np.uint8)
    found = runner(frames)
    assert len(found) == detectors.CHUNK + 3  # two network calls, one list per frame
    assert found[-3:] == runner(frames[-3:])
    for boxes in found:
        assert len(boxes) <= detectors.MAX_OBJECTS
        for d in boxes:
            x, y, w, h = d.box
            assert d.label in runner.names.values() and d.score >= runner.threshold
            assert x >= 0 and y >= 0 and w >= 1 and h >= 1 and x + w <= SIDE and y + h <= SIDE
    assert runner(frames[:0]) == []


def test_the_runtime_runs_the_detector_beside_the_classifiers_on_one_batch(runner: DetectorRunner) -> None:
    runtime = InferenceRuntime(("resnet50",), "none", runner.plan)
    with_objects = runtime.with_detector(runner)
    assert runtime.object_side is None and with_objects.sizes == (224,) and with_objects.object_side == SIDE
    assert with_objects.runners is runtime.runners and runtime.detector is None  # the classifiers are shared, not rebuilt
    rng = np.random.default_rng(1)
    inputs = {224: rng.integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)}
    boxed = rng.integers(0, 256, (2, SIDE, SIDE, 3), dtype=np.uint8)
    output = with_objects.submit(inputs, 3, boxed).result()
    assert output.top_k["resnet50"].indices.shape == (2, 3)
    assert output.objects == runner(boxed)
    assert runtime.submit(inputs, 3, boxed).result().objects is None  # no detector: no objects


def test_decoded_boxes_are_clipped_filtered_and_sorted(runner: DetectorRunner) -> None:
    boxes = np.array([[10, 20, 50, 60], [-30, -30, 200, 90], [5, 5, 5.5, 40], [0, 0, 10, 10], [1, 1, 9, 9]], "float32")  # yxyx, input pixels
    scores = np.array([0.6, 0.9, 0.95, 0.99, 0.2], "float32")
    classes = np.array([1, 3, 1, 0, 1])  # 0: not a COCO class
    found = runner._frame(boxes, scores, classes, count=5)
    # the 0.5-px-wide box, the unnamed class and the low score go; the overflowing box is clipped to the input
    assert found == [Detection("car", pytest.approx(0.9), (0, 0, 90, SIDE)), Detection("person", pytest.approx(0.6), (20, 10, 40, 40))]
    assert runner._frame(boxes, scores, classes, count=0) == []


def test_frames_are_letterboxed_and_boxes_map_back_to_the_frame() -> None:
    frame = np.zeros((576, 704, 3), np.uint8)
    frame[:, :352] = (0, 0, 255)  # left half red (BGR)
    boxed = letterbox(frame, SIDE)
    assert boxed.shape == (SIDE, SIDE, 3) and boxed.dtype == np.uint8
    fit_h = round(576 * SIDE / 704)  # 105: the aspect ratio is kept, the rest is black
    assert (boxed[fit_h:] == 0).all() and boxed[: fit_h - 1, :60, 0].min() > 200  # RGB now: red first
    assert boxed[: fit_h - 1, 70:, 0].max() == 0
    factor = 704 / SIDE  # one factor for both axes
    assert scale_box((32, 64, 16, 32), SIDE, 704, 576) == [
        round(32 * factor),
        round(64 * factor),
        round(48 * factor) - round(32 * factor),
        round(96 * factor) - round(64 * factor),
    ]
    assert scale_box((0, 100, 128, 28), SIDE, 704, 576) == [0, 550, 704, 26]  # clipped at the frame's bottom edge
    assert scale_box((10, 110, 20, 18), SIDE, 704, 576) is None  # wholly in the black padding
    x, y, w, h = scale_box((3, 5, 61, 47), SIDE, 704, 576)
    assert x + w == round(64 * factor) and y + h == round(52 * factor)  # corners are scaled, so nothing spills past them


def test_detector_names_and_old_runs() -> None:
    assert RunSettings().objects is None  # off unless asked: slow on a CPU
    assert RunSettings(objects="retinanet").objects == "retinanet"
    with pytest.raises(IngestError, match="unknown object detector 'yolo'; choose from retinanet"):
        RunSettings(objects="yolo")
    old = {"fps": 1.0, "models": ["resnet50"], "top_k": 5}
    assert RunSettings.from_doc(old).objects is None
    assert RunSettings.from_doc(RunSettings(objects="retinanet").to_doc()).objects == "retinanet"


def test_missing_preset_folder_says_where_to_put_it(tmp_path: Path) -> None:
    spec = DETECTORS["retinanet"]
    with pytest.raises(WeightsUnavailable) as err:
        build_detector(spec, str(tmp_path), SIDE)
    assert f"{tmp_path / spec.preset}" in str(err.value) and spec.url in str(err.value)


def test_objects_are_stored_per_frame_and_summarised_per_run(store, settings) -> None:
    settings = dataclasses.replace(settings, object_side=SIDE)
    video_id, _ = ingest.add_file(store, settings, CLIP)
    rs = RunSettings(fps=2.0, trim_start_s=8.0, trim_end_s=10.0, models=("resnet50",), top_k=1, objects="retinanet", people=False, scenes=None)
    run_id, job_id = request_analysis(store, video_id, rs)
    assert Worker(store, settings, worker_id="test-worker").run(burst=True) == 1
    assert jobs.get_job(store, job_id)["state"] == "done"
    run = store.runs.get(run_id)
    docs = list(store.frames.of_run(run_id))
    assert len(docs) == run["n_frames"] >= 4 and all(isinstance(d["objects"], list) for d in docs)
    for doc in docs:
        for found in doc["objects"]:
            x, y, w, h = found["box"]
            assert x >= 0 and y >= 0 and x + w <= 704 and y + h <= 576  # full-frame pixels
    assert run["objects"] == summarize_objects(store, run_id) and run["objects"]["frames"] == len(docs)
    kept = store.runs.on_screen(run_id, "objects")
    assert kept["frames"] == [d["frame"] for d in docs] and kept["boxes"] == [len(d["objects"]) for d in docs]
    assert kept["classes"] == [list(dict.fromkeys(o["label"] for o in d["objects"])) for d in docs]


def test_the_run_summary_counts_frames_and_boxes_per_class(store) -> None:
    from tests.synthetic import add_run, add_video

    vid = add_video(store, "synthetic:objects", "Objects", view_count=10, seconds=4)
    run_id = add_run(store, vid, 4, top_k=1)
    car = {"label": "car", "score": 0.9, "box": [1, 2, 3, 4]}
    for i, doc in enumerate(store.frames.of_run(run_id, {"_id": 1})):
        store.frames.set(doc["_id"], objects=[car, car] if i % 2 == 0 else [])
    summary = summarize_objects(store, run_id)
    assert summary == {"frames": 4, "with_objects": 0.5, "mean_objects": 1.0, "classes": [{"label": "car", "frames": 2, "boxes": 4}]}


def test_the_detector_side_must_suit_its_feature_pyramid(env) -> None:
    from core.config import load_settings
    from core.errors import ConfigError

    assert load_settings().object_side is None and load_settings(object_side="auto").object_side is None
    assert load_settings(object_side="640").object_side == 640
    for bad in ("500", "32", "4096", "big"):
        with pytest.raises(ConfigError, match="REELSIGHT_OBJECT_SIDE"):
            load_settings(object_side=bad)


def test_a_grayscale_video_is_detected_on_too(store, settings, tmp_path: Path) -> None:
    path = write_grey_copy(CLIP, tmp_path / "grey.avi", 75)
    settings = dataclasses.replace(settings, object_side=SIDE)
    video_id, _ = ingest.add_file(store, settings, path)
    rs = RunSettings(fps=1.0, models=("resnet50",), top_k=1, objects="retinanet", people=False, scenes=None, reuse_threshold=None)
    run_id, job_id = request_analysis(store, video_id, rs)
    assert Worker(store, settings, worker_id="test-worker").run(burst=True) == 2  # the analysis, then its browser copy (MPEG-4 Part 2 copy)
    assert jobs.get_job(store, job_id)["state"] == "done"
    assert store.runs.get(run_id)["objects"]["frames"] == 3
