"""The feed: one resize of the full frame, everything else derived from the model inputs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from core.inference import dedup, feed
from core.media import frames


@pytest.fixture(scope="module")
def frame_1080(shared_data: Path) -> np.ndarray:
    """A real 1920×1080 BGR frame (frame 300 of the throughput clip)."""
    path = shared_data / "videos" / "clip1080.mp4"
    got = frames.read_frames(path, [300], lambda rgb: cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return got[300]


def test_payload_has_every_input_a_thumbnail_and_a_signature(frame_1080: np.ndarray) -> None:
    payload = feed.Preprocessor((224, 299))(frame_1080)
    assert {s: (a.shape, a.dtype) for s, a in payload.inputs.items()} == {224: ((224, 224, 3), np.uint8), 299: ((299, 299, 3), np.uint8)}
    thumb = cv2.imdecode(np.frombuffer(payload.thumb_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape == (90, 160, 3)  # 16:9 kept
    assert np.array_equal(payload.signature, dedup.signature(payload.inputs[224]))


def test_inputs_are_rgb_from_a_bgr_frame() -> None:
    red_bgr = np.zeros((720, 1280, 3), np.uint8)
    red_bgr[..., 2] = 255
    payload = feed.Preprocessor((224, 299))(red_bgr)
    for side, pixels in payload.inputs.items():
        assert pixels[side // 2, side // 2].tolist() == [255, 0, 0]
    assert np.array_equal(feed.make_payload(red_bgr[..., ::-1].copy(), (224,)).inputs[224], payload.inputs[224])


@pytest.mark.parametrize("method", sorted(feed.RESIZERS))
def test_every_resize_stays_close_to_area(frame_1080: np.ndarray, method: str) -> None:
    reference = cv2.resize(frame_1080, (299, 299), interpolation=cv2.INTER_AREA).astype(np.int16)
    diff = np.abs(feed.RESIZERS[method](frame_1080, 299).astype(np.int16) - reference).mean()
    assert diff < 6  # grey levels, 0–255
    if method == "linear-area":  # the default must filter: closer to area than plain bilinear sampling
        plain = np.abs(feed.RESIZERS["linear"](frame_1080, 299).astype(np.int16) - reference).mean()
        assert diff < plain


def test_small_frames_are_resized_once_by_area() -> None:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (360, 480, 3), dtype=np.uint8)
    assert np.array_equal(feed.RESIZERS["linear-area"](small, 299), cv2.resize(small, (299, 299), interpolation=cv2.INTER_AREA))


def test_unknown_resize_method_is_named() -> None:
    with pytest.raises(ConfigError, match="Unknown resize method 'cubic'.*area, linear-area, linear, pyr-area"):
        feed.Preprocessor((224,), "cubic")
