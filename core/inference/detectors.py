"""Object detectors (COCO classes) from keras-hub: the optional third model family.

Step 1 of issue 18, item 2 (BENCHMARKS.md, "Object detection"): a registry of detectors, their
weights resolved like the classifiers' (``REELSIGHT_WEIGHTS``: ``imagenet`` downloads the
published preset, a folder holds preset folders, ``none`` builds the architecture with random
weights, offline), and :func:`detect`, a uint8 batch in and boxes, classes and scores above a
threshold out. The analysis pass does not call it yet.

keras-hub is optional: it loads on first use, and :func:`build_detector` says how to install it
when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import WeightsUnavailable

KERAS_HUB = "keras-hub==0.32.0"
"""The version this module was written and measured against (with ``tensorflow-text==2.21.1``)."""
DEFAULT_THRESHOLD = 0.5
"""Detections scoring below this are dropped."""
MAX_PER_FRAME = 100


@dataclass(frozen=True)
class Detection:
    """One object on a frame: a COCO class name, its score (0–1) and its box ``[x, y, w, h]`` in
    pixels of the detector's square input."""

    label: str
    score: float
    box: list[int]


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector: display name, keras-hub preset, input side (pixels) and the
    constructor of its architecture with random weights, ``side → model``."""

    name: str
    display: str
    preset: str
    side: int
    build_random: Callable[[int], Any]


def _keras_hub() -> Any:
    try:
        import keras_hub
    except ImportError as err:
        raise WeightsUnavailable(f"Object detection needs the keras-hub package, which is not installed. Install it with `pip install {KERAS_HUB}`.") from err
    return keras_hub


def _retinanet_resnet50(side: int) -> Any:
    """RetinaNet with a ResNet50 FPN backbone and 91 COCO ids, as the ``retinanet_resnet50_fpn_coco``
    preset (34,121,239 parameters), with random weights; images are scaled to ``side``×``side``."""
    hub = _keras_hub()
    encoder = hub.models.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[7], stackwise_num_filters=[64, 128, 256, 512], stackwise_num_blocks=[3, 4, 6, 3],
        stackwise_num_strides=[1, 2, 2, 2], block_type="bottleneck_block", use_pre_activation=False, image_shape=(None, None, 3),
    )  # fmt: skip
    backbone = hub.models.RetinaNetBackbone(image_encoder=encoder, min_level=3, max_level=7, use_p5=False, image_shape=(None, None, 3))
    converter = hub.layers.RetinaNetImageConverter(image_size=(side, side), scale=1 / 255.0)
    preprocessor = hub.models.RetinaNetObjectDetectorPreprocessor(image_converter=converter)
    return hub.models.RetinaNetObjectDetector(backbone=backbone, num_classes=91, preprocessor=preprocessor)


DETECTORS: dict[str, DetectorSpec] = {
    "retinanet_resnet50": DetectorSpec("retinanet_resnet50", "RetinaNet (ResNet50, COCO)", "retinanet_resnet50_fpn_coco", 512, _retinanet_resnet50),
}
"""Detector name → its spec."""


def build_detector(name: str, weights: str, side: int | None = None) -> Any:
    """The keras-hub detector ``name`` with ``weights``: ``imagenet`` (download the published
    preset), ``none`` (random weights) or a folder holding the preset's folder (``<folder>/<preset>/``,
    as ``save_to_preset`` writes it). ``side`` overrides the input side of a random-weights build.
    Raises :class:`WeightsUnavailable` with instructions; never falls back to random weights."""
    if name not in DETECTORS:
        raise WeightsUnavailable(f"Unknown object detector {name!r}; choose from {', '.join(DETECTORS)}.")
    spec = DETECTORS[name]
    hub = _keras_hub()
    if weights == "none":
        return spec.build_random(side or spec.side)
    if weights == "imagenet":
        try:
            return hub.models.ObjectDetector.from_preset(spec.preset)
        # kagglehub raises its own and requests' errors, unrelated to each other, when it cannot download.
        except Exception as err:
            raise WeightsUnavailable(
                f"Could not download the {spec.display} weights (preset {spec.preset}: {err}). This machine may be offline. "
                f"On a machine with internet run `python -c \"import keras_hub; keras_hub.models.ObjectDetector.from_preset('{spec.preset}')"
                f".save_to_preset('{spec.preset}')\"`, copy the folder {spec.preset} into a folder here and set REELSIGHT_WEIGHTS "
                "to that folder. For a trial with random weights set REELSIGHT_WEIGHTS=none; such results are labelled 'random weights'."
            ) from err
    folder = Path(weights).expanduser() / spec.preset
    if not (folder / "config.json").is_file():
        raise WeightsUnavailable(
            f"REELSIGHT_WEIGHTS={weights} holds no preset folder {spec.preset} (with its config.json) for {spec.display}. "
            "Save the preset there with keras-hub's save_to_preset, or set REELSIGHT_WEIGHTS=imagenet or none."
        )
    try:
        return hub.models.ObjectDetector.from_preset(str(folder))
    except (OSError, ValueError) as err:
        raise WeightsUnavailable(f"{folder} could not be loaded as {spec.display} ({err}). Save a fresh copy of the preset.") from err


def coco_name(class_id: int) -> str | None:
    """The COCO class name of a detector's class id (``1`` → ``"person"``); None for ids without one."""
    from keras_hub.utils import coco_id_to_name

    try:
        name = coco_id_to_name(int(class_id))
    except KeyError:
        return None
    return None if name == "unlabeled" else name


def detect(model: Any, pixels: np.ndarray, threshold: float = DEFAULT_THRESHOLD, limit: int = MAX_PER_FRAME) -> list[list[Detection]]:
    """Objects on a batch of square frames: ``pixels`` RGB uint8, batch×side×side×3 → per frame the
    detections scoring at least ``threshold`` (0–1), best first, at most ``limit``; boxes are
    ``[x, y, w, h]`` in input pixels, clipped to the frame."""
    if pixels.ndim != 4 or pixels.shape[-1] != 3 or pixels.shape[1] != pixels.shape[2] or pixels.dtype != np.uint8:
        raise ValueError(f"detect needs an RGB uint8 batch of square frames, batch×side×side×3, not {pixels.dtype} {pixels.shape}")
    side = pixels.shape[1]
    out = model.predict(pixels.astype("float32"), verbose=0)
    boxes, scores, classes, counts = (np.asarray(out[k]) for k in ("boxes", "confidence", "labels", "num_detections"))
    frames = []
    for i in range(len(pixels)):
        found = []
        for j in np.argsort(-scores[i, : counts[i]], kind="stable"):
            name = coco_name(classes[i, j])
            if scores[i, j] < threshold or name is None:
                continue
            y0, x0, y1, x1 = (round(float(v)) for v in np.clip(boxes[i, j], 0, side))  # keras-hub's default box format: yxyx, input pixels
            if x1 <= x0 or y1 <= y0:  # wholly outside the frame, or under a pixel
                continue
            found.append(Detection(name, round(float(scores[i, j]), 4), [x0, y0, x1 - x0, y1 - y0]))
            if len(found) == limit:
                break
        frames.append(found)
    return frames
