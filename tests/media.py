"""Generated media with known content: each frame carries its own index as a block pattern."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

BITS = 12
BLOCK = 16
"""Each bit is a BLOCK×BLOCK square, black or white, robust to MPEG-4 compression."""


def index_frame(index: int, width: int = 320, height: int = 240) -> np.ndarray:
    """A BGR frame whose top row of blocks spells ``index`` in binary; the rest is a colour ramp."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[:, :, 0] = (index * 7) % 256
    frame[:, :, 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    frame[:, :, 2] = 128
    for bit in range(BITS):
        value = 255 if (index >> bit) & 1 else 0
        frame[0:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = value
    return frame


def read_index(rgb: np.ndarray) -> int:
    """Inverse of :func:`index_frame` (accepts RGB or BGR: the blocks are grey)."""
    index = 0
    for bit in range(BITS):
        block = rgb[4 : BLOCK - 4, bit * BLOCK + 4 : (bit + 1) * BLOCK - 4]
        if block.mean() > 127:
            index |= 1 << bit
    return index


def write_clip(path: Path, n_frames: int, fps: float, width: int = 320, height: int = 240, fourcc: str = "mp4v") -> Path:
    """Write ``n_frames`` index frames at ``fps``; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"cannot write {path}"
    for i in range(n_frames):
        writer.write(index_frame(i, width, height))
    writer.release()
    return path


def write_zero_frame_avi(path: Path) -> Path:
    """An AVI container that opens but holds no frame."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (64, 48))
    writer.release()
    return path


CHARACTERS = ("neither", "red_disc", "blue_square")
"""Classes of :func:`character_frame`: grey noise only, a large red disc, a large blue square."""


def character_frame(class_id: int, rng: np.random.Generator, width: int = 160, height: int = 120) -> np.ndarray:
    """A BGR frame of grey noise with the class's shape at a random place (class 0: no shape)."""
    frame = rng.integers(60, 190, (height, width, 1), dtype=np.uint8).repeat(3, axis=2)
    side = height // 2
    x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
    if class_id == 1:
        cv2.circle(frame, (x + side // 2, y + side // 2), side // 2, (30, 30, 230), -1)
    elif class_id == 2:
        cv2.rectangle(frame, (x, y), (x + side, y + side), (230, 60, 20), -1)
    return frame


def write_character_images(folder: Path, per_class: int, seed: int = 0) -> list[tuple[str, int]]:
    """``per_class`` JPEGs of each class as ``img<N>.jpg``; returns ``(name, class)`` pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pairs = []
    for n in range(per_class * len(CHARACTERS)):
        class_id = n % len(CHARACTERS)
        name = f"img{n}.jpg"
        cv2.imwrite(str(folder / name), character_frame(class_id, rng))
        pairs.append((name, class_id))
    return pairs


def write_character_clip(path: Path, segments: list[tuple[int, float]], fps: float, seed: int = 1) -> Path:
    """A clip of consecutive ``(class, seconds)`` segments at ``fps`` (shapes move every frame)."""
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    assert writer.isOpened(), f"cannot write {path}"
    for class_id, seconds in segments:
        for _ in range(round(seconds * fps)):
            writer.write(character_frame(class_id, rng))
    writer.release()
    return path


def _texture(seed: int, width: int, height: int) -> np.ndarray:
    """A BGR picture of random coloured blocks, softened (a distinct 'shot' per seed), twice the frame size for panning."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (height // 10, width // 10, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.resize(blocks, (2 * width, 2 * height), interpolation=cv2.INTER_NEAREST), (5, 5), 0)


def structured_frames(parts: list[tuple[str, float, int]], fps: float, width: int = 320, height: int = 240) -> list[np.ndarray]:
    """Frames of consecutive ``(kind, seconds, seed)`` parts: ``moving`` (a picture panning 3 px a
    frame), ``static`` (one still picture), ``black``, ``fade`` (a still picture fading to black),
    ``intro`` (a new picture every 0.5 s, the same sequence for the same seed: a show's opening)."""
    out = []
    for kind, seconds, seed in parts:
        n = round(seconds * fps)
        picture = _texture(seed, width, height)
        for i in range(n):
            if kind == "black":
                frame = np.zeros((height, width, 3), np.uint8)
            elif kind == "static":
                frame = picture[:height, :width]
            elif kind == "fade":
                frame = (picture[:height, :width].astype(np.float32) * (1 - i / max(1, n - 1))).astype(np.uint8)
            elif kind == "intro":
                frame = _texture(seed * 1000 + int(i / (fps / 2)), width, height)[:height, :width]
            elif kind == "moving":
                x = (3 * i) % width
                frame = picture[(i % height) // 2 : (i % height) // 2 + height, x : x + width]
            else:
                raise ValueError(kind)
            out.append(np.ascontiguousarray(frame))
    return out


def write_frames(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """Write BGR frames (all one size) as an MPEG-4 clip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened(), f"cannot write {path}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_grey_copy(source: Path, path: Path, n_frames: int, start: int = 0, fps: float = 25) -> Path:
    """``n_frames`` frames of ``source`` from frame ``start``, written as a single-channel (grayscale) MJPG AVI."""
    cap = cv2.VideoCapture(str(source))
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height), isColor=False)
    for _ in range(n_frames):
        ok, frame = cap.read()
        assert ok, f"{source} has fewer than {start + n_frames} frames"
        writer.write(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    writer.release()
    cap.release()
    return path
