"""The feed: one decoded frame → the models' inputs, a thumbnail and a near-duplicate signature.

Per frame the CPU resizes the full frame once, to the largest model input, and derives the rest
from that small square: the other model inputs, the thumbnail and the 32×32 signature. The colour
conversion happens at that size too (OpenCV decodes BGR). At 1080p the full-frame resize is what
costs, so its method is a setting (``REELSIGHT_RESIZE``), chosen by measurement (BENCHMARKS.md):

- ``area``: ``INTER_AREA`` from the full frame (the reference; what the worker did before).
- ``linear-area`` (default): ``INTER_LINEAR`` to twice the side, then ``INTER_AREA`` halving it: an
  area filter over 2×2 bilinear samples, close to ``area`` at a fraction of its cost.
- ``linear``: ``INTER_LINEAR`` straight to the side (fastest; aliases on fine detail).
- ``pyr-area``: Gaussian ``pyrDown`` halvings while the frame is twice the side or more, then ``INTER_AREA``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import ConfigError
from core.inference import dedup
from core.media.people import PeopleFound

THUMB_WIDTH = 160
"""Thumbnail width in pixels; height keeps the frame's aspect ratio."""
THUMB_QUALITY = 80
"""JPEG quality of thumbnails."""


@dataclass(frozen=True)
class FramePayload:
    """One decoded frame ready for the models."""

    inputs: dict[int, np.ndarray]
    """Input side → RGB uint8, side×side×3."""
    thumb_jpeg: bytes
    signature: np.ndarray
    """32×32 grey float32, for near-duplicate detection (see :mod:`core.inference.dedup`)."""
    people: PeopleFound | None = None
    """Faces and people on the full frame, when the run counts them."""
    letterboxed: np.ndarray | None = None
    """The object detector's input, when the run detects objects: RGB uint8 side×side, the frame
    scaled to fit with its aspect ratio kept, at the top left, black below or to the right (:func:`letterbox`)."""


def letterbox(bgr: np.ndarray, side: int) -> np.ndarray:
    """A BGR uint8 H×W×3 frame → RGB uint8 side×side: scaled by ``side / max(H, W)`` (area filter),
    placed at the top left, the rest black, as keras-hub's detectors were trained (aspect ratio kept).
    A box on it maps back to the frame by multiplying by ``max(H, W) / side``."""
    h, w = bgr.shape[:2]
    scale = side / max(h, w)
    fit_w, fit_h = max(1, min(side, round(w * scale))), max(1, min(side, round(h * scale)))
    out = np.zeros((side, side, 3), np.uint8)
    out[:fit_h, :fit_w] = cv2.cvtColor(cv2.resize(bgr, (fit_w, fit_h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    return out


def _area(frame: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)


def _linear(frame: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(frame, (side, side), interpolation=cv2.INTER_LINEAR)


def _pyr_area(frame: np.ndarray, side: int) -> np.ndarray:
    while min(frame.shape[:2]) >= 2 * side:  # each halving leaves at least the side
        frame = cv2.pyrDown(frame)
    return _area(frame, side)


def _linear_area(frame: np.ndarray, side: int) -> np.ndarray:
    h, w = frame.shape[:2]
    if h < 2 * side or w < 2 * side:  # too small for a 2× step: one area resize is cheap here
        return _area(frame, side)
    return _area(cv2.resize(frame, (2 * side, 2 * side), interpolation=cv2.INTER_LINEAR), side)


RESIZERS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {"area": _area, "linear-area": _linear_area, "linear": _linear, "pyr-area": _pyr_area}
"""``REELSIGHT_RESIZE`` name → full frame (H×W×C uint8) and side → side×side×C uint8."""
DEFAULT_RESIZE = "linear-area"


def resizer(name: str) -> Callable[[np.ndarray, int], np.ndarray]:
    if name not in RESIZERS:
        raise ConfigError(f"Unknown resize method {name!r}. Set REELSIGHT_RESIZE to one of: {', '.join(RESIZERS)}.")
    return RESIZERS[name]


@dataclass(frozen=True)
class Preprocessor:
    """Turns a decoded BGR uint8 H×W×3 frame into a :class:`FramePayload` for model inputs of
    ``sizes`` (square sides in pixels). A video source hands it BGR (``bgr_input``). With a
    ``people`` detector it also counts faces and people on the full frame; with ``letterbox`` (a
    side in pixels) it makes the object detector's input from the full frame too."""

    sizes: tuple[int, ...]
    resize: str = DEFAULT_RESIZE
    people: Callable[[np.ndarray], PeopleFound] | None = None
    letterbox: int | None = None
    bgr_input = True

    def __post_init__(self) -> None:
        resizer(self.resize)

    def __call__(self, bgr: np.ndarray) -> FramePayload:
        sizes = sorted(set(self.sizes), reverse=True)
        big_bgr = resizer(self.resize)(bgr, sizes[0])
        big = cv2.cvtColor(big_bgr, cv2.COLOR_BGR2RGB)
        inputs = {sizes[0]: big} | {s: _area(big, s) for s in sizes[1:]}
        h, w = bgr.shape[:2]
        thumb = cv2.resize(big_bgr, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", thumb, [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
        found = self.people(bgr) if self.people is not None else None
        boxed = letterbox(bgr, self.letterbox) if self.letterbox else None
        return FramePayload(
            inputs=inputs, thumb_jpeg=jpeg.tobytes() if ok else b"", signature=dedup.signature(inputs[sizes[-1]]), people=found, letterboxed=boxed
        )


def make_payload(rgb: np.ndarray, sizes: tuple[int, ...], resize: str = DEFAULT_RESIZE) -> FramePayload:
    """:class:`Preprocessor` for an RGB uint8 H×W×3 frame."""
    return Preprocessor(tuple(sizes), resize)(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
