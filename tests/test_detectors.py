"""Object detectors from keras-hub (core.inference.detectors): random-weights builds offline,
weights from a preset folder, clear refusals, and the shape of what :func:`detect` returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.errors import WeightsUnavailable

pytest.importorskip("keras_hub", reason="object detection is optional: pip install keras-hub==0.32.0")

from core.inference import detectors

SIDE = 128
"""Small inputs keep the 34-million-parameter detector quick on a CPU."""


@pytest.fixture
def model():
    return detectors.build_detector("retinanet_resnet50", "none", side=SIDE)


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (2, SIDE, SIDE, 3), dtype=np.uint8)


def test_random_weights_build_offline_with_the_presets_architecture(model) -> None:
    assert model.count_params() == 34_121_239  # the published retinanet_resnet50_fpn_coco preset's count


def test_detect_gives_coco_objects_best_first_inside_the_frame(model, frames: np.ndarray) -> None:
    for weight in model.box_head.weights:  # zero offsets: every box is its anchor, inside the frame or overlapping it
        weight.assign(np.zeros(weight.shape, weight.dtype))
    found = detectors.detect(model, frames, threshold=0.0, limit=10)
    assert len(found) == 2
    for objects in found:
        assert 0 < len(objects) <= 10
        assert [o.score for o in objects] == sorted((o.score for o in objects), reverse=True)
        for o in objects:
            assert o.label in {detectors.coco_name(i) for i in range(1, 91)} - {None}
            x, y, w, h = o.box
            assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= SIDE and y + h <= SIDE
    assert detectors.detect(model, frames, threshold=1.01) == [[], []]


def test_class_names() -> None:
    assert detectors.coco_name(1) == "person" and detectors.coco_name(3) == "car"
    assert detectors.coco_name(0) is None and detectors.coco_name(999) is None  # "unlabeled", and past the 91 ids


def test_weights_from_a_preset_folder_give_the_same_detections(model, frames: np.ndarray, tmp_path: Path) -> None:
    model.save_to_preset(str(tmp_path / "retinanet_resnet50_fpn_coco"))
    loaded = detectors.build_detector("retinanet_resnet50", str(tmp_path))
    assert detectors.detect(loaded, frames, threshold=0.0, limit=5) == detectors.detect(model, frames, threshold=0.0, limit=5)


@pytest.mark.parametrize(
    ("name", "weights", "words"),
    [
        pytest.param("yolo9000", "none", "Unknown object detector", id="unknown detector"),
        pytest.param("retinanet_resnet50", "/nonexistent/weights", "holds no preset folder retinanet_resnet50_fpn_coco", id="empty folder"),
    ],
)
def test_refusals_say_what_to_do(name: str, weights: str, words: str) -> None:
    with pytest.raises(WeightsUnavailable, match=words):
        detectors.build_detector(name, weights)


def test_detect_refuses_a_batch_that_is_not_square_rgb_uint8(model) -> None:
    with pytest.raises(ValueError, match="batch×side×side×3"):
        detectors.detect(model, np.zeros((1, 64, 96, 3), np.uint8))
