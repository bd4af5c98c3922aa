"""Boxes drawn on stored thumbnails: objects (COCO classes, green; the pages name them beside
the picture, since a name would cover most of a 160-pixel thumbnail), and the redraw of a JPEG.
People and faces have their own colours in :mod:`core.media.people`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

OBJECT_COLOUR = (80, 200, 60)
"""BGR: green boxes for objects."""
JPEG_QUALITY = 85


def draw_objects(bgr: np.ndarray, objects: Sequence[dict[str, Any]], frame_width: int) -> np.ndarray:
    """Draw the ``box`` (x y w h in pixels of a frame ``frame_width`` wide) of each of ``objects`` on
    ``bgr``, a copy of that frame at any size (a thumbnail), in place, in green."""
    factor = bgr.shape[1] / frame_width
    thickness = max(1, round(bgr.shape[1] / 320))
    for found in objects:
        x, y, w, h = found["box"]
        cv2.rectangle(bgr, (round(x * factor), round(y * factor)), (round((x + w) * factor), round((y + h) * factor)), OBJECT_COLOUR, thickness)
    return bgr


def redraw_jpeg(jpeg: bytes, draw: Callable[[np.ndarray], Any]) -> bytes:
    """``jpeg`` decoded, passed to ``draw`` (which draws on the BGR image in place) and encoded again;
    the JPEG back unchanged when it cannot be decoded."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return jpeg
    draw(image)
    ok, out = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return out.tobytes() if ok else jpeg
