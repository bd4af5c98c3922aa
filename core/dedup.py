"""Near-duplicate frames: reuse the last classified frame's predictions instead of running the models.

A frame's signature is its grey image at 32 × 32 pixels (area interpolation, so noise averages
out). Two frames are near duplicates when the mean absolute difference of their signatures is
below the threshold, on the 0–255 scale. The default, 2.0, is about 1% of the grey range: a
static shot or a slow pan stays under it, a cut or a new object in the frame does not. A frame is
compared with the last *classified* frame, not with its neighbour, so slow drift cannot chain
reuses forever.
"""
from __future__ import annotations

import cv2
import numpy as np

SIDE = 32
DEFAULT_THRESHOLD = 2.0
"""Mean absolute grey difference (0–255) under which a frame reuses the last classified frame's labels."""


def signature(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 H×W×3 → float32 SIDE×SIDE grey."""
    small = cv2.resize(rgb, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


def plan_reuse(signatures: list[np.ndarray], last: np.ndarray | None, threshold: float | None) -> tuple[list[int], np.ndarray | None]:
    """For each frame of a batch, in order: its own position when it must be classified, the
    position of the earlier frame of the batch whose predictions it reuses, or -1 to reuse the
    last classified frame of an earlier batch (whose signature is ``last``).

    Returns the plan and the signature of the last classified frame after this batch.
    ``threshold=None`` classifies every frame.
    """
    plan: list[int] = []
    ref = -1
    for i, sig in enumerate(signatures):
        if threshold is not None and last is not None and float(np.mean(np.abs(sig - last))) < threshold:
            plan.append(ref)
        else:
            plan.append(i)
            ref, last = i, sig
    return plan, last
