"""Object detectors (COCO classes): a registry like :mod:`core.inference.models`, and the runner
that turns uint8 frames into boxes.

A detector is a keras-hub ``ObjectDetector``. Its weights resolve as the classifiers' do:

- ``imagenet`` (the default setting: "the published weights"): ``from_preset`` downloads the
  preset from Kaggle once (``kagglehub`` keeps it in its cache);
- a folder: ``REELSIGHT_WEIGHTS=<folder>`` holding the unpacked preset in ``<folder>/<preset>/``
  (``config.json``, ``model.weights.h5``, …), for machines without internet;
- ``none``: the same architecture built from its constructor arguments with random weights
  (results are labelled "random weights" like the classifiers').

Importing this module does not import Keras or keras-hub; :func:`build_detector` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.config import redact
from core.errors import WeightsUnavailable

log = logging.getLogger(__name__)

CHUNK = 16
"""Frames per detector call: its activations at 512 px take about 0.1 GiB per frame, so a GPU batch of 256 frames is run in chunks."""
MAX_OBJECTS = 20
"""Most boxes kept per frame, best first."""
DEFAULT_THRESHOLD = 0.5
"""Least score of a kept box (0–1)."""
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class DetectorSpec:
    """One COCO object detector from keras-hub."""

    name: str
    display: str
    preset: str
    """keras-hub preset name: the Kaggle handle's last part, and the folder name under a weights folder."""
    size: int
    """Default square input side in pixels (frames are resized to size×size RGB, like the classifiers')."""
    url: str
    """Where a person downloads the preset by hand."""
    build_random: Callable[[int], Any]
    """Side → the detector with random weights, built offline from its constructor arguments."""


def _retinanet_resnet50(side: int) -> Any:
    """keras-hub's ``retinanet_resnet50_fpn_coco`` architecture (34,121,239 parameters, like the preset) at side×side."""
    from keras_hub.models import ResNetBackbone, RetinaNetBackbone, RetinaNetObjectDetector

    encoder = ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[7], stackwise_num_filters=[64, 128, 256, 512],
        stackwise_num_blocks=[3, 4, 6, 3], stackwise_num_strides=[1, 2, 2, 2], block_type="bottleneck_block",
        use_pre_activation=False, image_shape=(side, side, 3),
    )  # fmt: skip
    backbone = RetinaNetBackbone(image_encoder=encoder, min_level=3, max_level=7, use_p5=False, image_shape=(side, side, 3))
    return RetinaNetObjectDetector(backbone=backbone, num_classes=91, bounding_box_format="yxyx")


DETECTORS: dict[str, DetectorSpec] = {
    "retinanet": DetectorSpec(
        name="retinanet",
        display="RetinaNet (ResNet50, COCO)",
        preset="retinanet_resnet50_fpn_coco",
        size=512,
        url="https://www.kaggle.com/models/keras/retinanet/keras/retinanet_resnet50_fpn_coco",
        build_random=_retinanet_resnet50,
    ),
}
"""Registry name → detector. 512 px: trained at 800×800, but 512 costs 0.9 s per frame on a 2-core CPU against 2.1 s (BENCHMARKS.md).
Sides are multiples of 32 (the feature pyramid halves the input five times)."""
DEFAULT_DETECTOR = "retinanet"


def parse_detector(name: str | None) -> str | None:
    """A registry name, or None for "no object detection"; unknown names raise ``ValueError``."""
    if name in (None, "", "none", "off"):
        return None
    if name not in DETECTORS:
        raise ValueError(f"unknown object detector {name!r}; choose from {', '.join(DETECTORS)}")
    return name


@dataclass(frozen=True)
class Detection:
    """One box on a frame: COCO class name, score 0–1, and ``box`` as ``(x, y, w, h)`` in pixels of the frame it was asked for."""

    label: str
    score: float
    box: tuple[int, int, int, int]

    def to_doc(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 6), "box": list(self.box)}


def build_detector(spec: DetectorSpec, weights: str, side: int) -> Any:
    """The keras-hub detector with ``weights`` (``imagenet``: download the preset; a folder; ``none``).

    Raises :class:`WeightsUnavailable` with what to do when the weights cannot be had; never falls
    back to random weights."""
    if weights == "none":
        return spec.build_random(side)
    from keras_hub.models import ObjectDetector

    if weights == "imagenet":
        source = spec.preset
        try:
            return ObjectDetector.from_preset(source)
        # kagglehub raises its own, requests' and OSError types for a network failure, keras-hub others for a bad download.
        except Exception as err:
            raise WeightsUnavailable(
                f"Could not get the {spec.display} weights from Kaggle ({type(err).__name__}: {redact(str(err))}). If this machine is offline, "
                f"download the preset {spec.preset} from {spec.url} elsewhere, unpack it into <folder>/{spec.preset}/ here and set "
                "REELSIGHT_WEIGHTS to that folder. For a trial with random weights set REELSIGHT_WEIGHTS=none; such results are labelled 'random weights'."
            ) from err
    folder = Path(weights).expanduser() / spec.preset
    if not (folder / "config.json").is_file():
        raise WeightsUnavailable(
            f"REELSIGHT_WEIGHTS={weights} holds no {spec.preset}/config.json for {spec.display}. Download the preset from {spec.url} and unpack it "
            f"into {folder}, or turn object detection off."
        )
    try:
        return ObjectDetector.from_preset(str(folder))
    except (OSError, ValueError, KeyError) as err:
        raise WeightsUnavailable(f"{folder} could not be loaded into {spec.display} ({err}). Download a fresh copy from {spec.url}.") from err


def _coco_names() -> dict[int, str]:
    from keras_hub.utils import coco_id_to_name

    names = {}
    for i in range(91):
        try:
            names[i] = coco_id_to_name(i)
        except KeyError:  # 11 of the 91 ids were never used by COCO's 80 classes
            continue
    return {i: n for i, n in names.items() if n and n != "unlabeled"}


class DetectorRunner:
    """Runs one detector on uint8 N×S×S×3 RGB batches (letterboxed frames, :func:`core.inference.feed.letterbox`):
    the network by the plan's call path, then keras-hub's box decoding and non-max suppression.
    Boxes come back in pixels of the S×S input."""

    def __init__(self, spec: DetectorSpec, weights: str, plan: Any, side: int | None = None, threshold: float = DEFAULT_THRESHOLD) -> None:
        import keras
        from keras_hub.layers import NonMaxSuppression

        self.spec, self.plan, self.threshold = spec, plan, threshold
        self.size = side or spec.size
        self.detector = build_detector(spec, weights, self.size)
        fixed = self.detector.inputs[0].shape[1]
        if fixed is not None and fixed != self.size:  # a preset built for one input size: use it
            log.info("%s takes %d×%d inputs only; using that instead of %d", spec.display, fixed, fixed, self.size)
            self.size = int(fixed)
        self.detector.prediction_decoder = NonMaxSuppression(
            bounding_box_format=self.detector.bounding_box_format, from_logits=True, confidence_threshold=threshold, max_detections=MAX_OBJECTS
        )
        converter = getattr(getattr(self.detector, "preprocessor", None), "image_converter", None)
        if converter is not None:  # a preset carries its own normalization: pixel × scale + offset
            scale, offset = getattr(converter, "scale", None), getattr(converter, "offset", None)
            self._scale = np.asarray(1.0 if scale is None else scale, "float32")
            self._offset = np.asarray(0.0 if offset is None else offset, "float32")
        else:  # the random architecture gets ImageNet's mean and deviation, as RetinaNet's presets use
            self._scale = np.asarray([1 / (255 * s) for s in IMAGENET_STD], "float32")
            self._offset = np.asarray([-m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD, strict=True)], "float32")
        self._network = keras.Model(self.detector.inputs, self.detector.output)  # the raw heads, compiled by predict_on_batch
        self.names = _coco_names()

    def warm_up(self) -> None:
        """Trace the network for batches of 1 and 2 frames (see :meth:`core.inference.runtime.InferenceRuntime.warm_up`)."""
        for n in (1, 2):
            self(np.zeros((n, self.size, self.size, 3), np.uint8))

    def raw(self, pixels: np.ndarray) -> tuple[dict[str, Any], Any]:
        """The heads' outputs (box deltas, class logits per anchor) and the normalized input, for uint8 N×S×S×3 RGB."""
        if self.plan.call == "direct":
            import torch

            device = torch.device("cuda" if self.plan.accelerator else "cpu")
            xt = torch.from_numpy(np.ascontiguousarray(pixels)).to(device).float()  # uint8 over the bus: a quarter of float32's bytes
            xt = xt * torch.from_numpy(self._scale).to(device) + torch.from_numpy(self._offset).to(device)
            with torch.no_grad():
                return self._network(xt, training=False), xt
        x = pixels.astype("float32") * self._scale + self._offset
        return self._network.predict_on_batch(x), x

    def __call__(self, pixels: np.ndarray) -> list[list[Detection]]:
        """Per frame of uint8 N×S×S×3 RGB, its boxes scoring at least the threshold, best first (at
        most :data:`MAX_OBJECTS`), :data:`CHUNK` frames per network call."""
        found: list[list[Detection]] = []
        for start in range(0, len(pixels), CHUNK):
            chunk = pixels[start : start + CHUNK]
            outputs, x = self.raw(chunk)
            decoded = self.detector.decode_predictions(outputs, x)
            boxes, scores = _numpy(decoded["boxes"]), _numpy(decoded["confidence"])
            classes, counts = _numpy(decoded["labels"]), _numpy(decoded["num_detections"])
            found.extend(self._frame(boxes[i], scores[i], classes[i], int(counts[i])) for i in range(len(chunk)))
        return found

    def _frame(self, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, count: int) -> list[Detection]:
        found = []
        side = self.size
        for (y0, x0, y1, x1), score, cls in zip(boxes[:count], scores[:count], classes[:count], strict=True):
            name = self.names.get(int(cls))
            left, top = max(0.0, min(float(x0), side)), max(0.0, min(float(y0), side))
            right, bottom = max(0.0, min(float(x1), side)), max(0.0, min(float(y1), side))
            if name is None or score < self.threshold or right - left < 1 or bottom - top < 1:
                continue  # not a COCO class, or a box wholly outside the frame
            found.append(Detection(name, float(score), (round(left), round(top), round(right - left), round(bottom - top))))
        return sorted(found, key=lambda d: -d.score)[:MAX_OBJECTS]


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def scale_box(box: tuple[int, int, int, int] | list[int], side: int, width: int, height: int) -> list[int] | None:
    """A box ``(x, y, w, h)`` in pixels of the letterboxed side×side input (:func:`core.inference.feed.letterbox`)
    → ``[x, y, w, h]`` in pixels of the width×height frame, clipped to it; None when nothing of it is on the frame."""
    factor = max(width, height) / side
    x, y, w, h = box
    left, top = min(width, round(x * factor)), min(height, round(y * factor))
    right, bottom = min(width, round((x + w) * factor)), min(height, round((y + h) * factor))
    if right - left < 1 or bottom - top < 1:
        return None
    return [left, top, right - left, bottom - top]
