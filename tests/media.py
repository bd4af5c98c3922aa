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
