"""Batch classification of frames with several ImageNet models from one decode.

The inference path uses Keras 3 APIs only (``predict_on_batch`` and each model's
``preprocess_input``), so it runs under TensorFlow, PyTorch or JAX backends alike.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from core import dedup
from core.models import MODELS, ModelSpec, build_model, imagenet_labels

log = logging.getLogger(__name__)

THUMB_WIDTH = 160
"""Thumbnail width in pixels; height keeps the aspect ratio."""


@dataclass(frozen=True)
class FramePayload:
    """One decoded frame, resized once per model input size, plus its JPEG thumbnail."""

    inputs: dict[int, np.ndarray]
    """Input side → RGB uint8, side×side×3."""
    thumb_jpeg: bytes
    signature: np.ndarray
    """32×32 grey float32, for near-duplicate detection (see :mod:`core.dedup`)."""


@dataclass(frozen=True)
class TopK:
    """Top-k predictions of one model for a batch: ``indices`` and ``scores`` are batch×k."""

    indices: np.ndarray
    scores: np.ndarray

    def labels(self) -> list[list[str]]:
        names = imagenet_labels()
        return [[names[i] for i in row] for row in self.indices]


def make_payload(rgb: np.ndarray, sizes: tuple[int, ...]) -> FramePayload:
    """Resize an RGB uint8 H×W×3 frame to each square input size and make a thumbnail."""
    inputs = {s: cv2.resize(rgb, (s, s), interpolation=cv2.INTER_AREA) for s in sizes}
    h, w = rgb.shape[:2]
    thumb = cv2.resize(rgb, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(thumb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return FramePayload(inputs=inputs, thumb_jpeg=jpeg.tobytes() if ok else b"", signature=dedup.signature(inputs[min(sizes)]))


def top_k(probs: np.ndarray, k: int) -> TopK:
    """Top-k of a batch×classes probability array, best first."""
    k = min(k, probs.shape[1])
    part = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(probs, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return TopK(np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1))


class FrameClassifier:
    """Holds the built models; classifies batches of :class:`FramePayload`."""

    def __init__(self, model_names: tuple[str, ...], weights: str) -> None:
        self.specs: tuple[ModelSpec, ...] = tuple(MODELS[n] for n in model_names)
        self.weights = weights
        self.models = {}
        for spec in self.specs:
            log.info("loading %s (weights=%s)", spec.display, weights)
            self.models[spec.name] = build_model(spec, weights)

    def warm_up(self) -> None:
        """Trace each model's inference for batches of 1 and 2 frames. After two sizes TensorFlow
        keeps one graph for every batch size; without this, the first batch of each new size in a
        job re-traces, which took 1.5–3 s per model on 2 CPU cores."""
        for spec in self.specs:
            for n in (1, 2):
                self.models[spec.name].predict_on_batch(spec.preprocess(np.zeros((n, spec.size, spec.size, 3), "float32")))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(sorted({s.size for s in self.specs}))

    def predict(self, batch: list[FramePayload], k: int) -> dict[str, TopK]:
        """Model name → top-k for the batch, in batch order."""
        out: dict[str, TopK] = {}
        for spec in self.specs:
            x = np.stack([p.inputs[spec.size] for p in batch]).astype("float32")
            probs = np.asarray(self.models[spec.name].predict_on_batch(spec.preprocess(x)))
            out[spec.name] = top_k(probs, k)
        return out
