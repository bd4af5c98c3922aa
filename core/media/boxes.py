"""Boxes drawn on stored thumbnails: objects (COCO classes, green, with their names) and the
redraw of a JPEG. People and faces have their own colours in :mod:`core.media.people`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

OBJECT_COLOUR = (80, 200, 60)
"""BGR: green boxes for objects."""
NAMES_FROM_WIDTH = 320
"""Class names are written on images at least this wide; on a stored 160-pixel thumbnail they would cover what they name (the pages list them beside it)."""
JPEG_QUALITY = 85


def draw_objects(bgr: np.ndarray, objects: Sequence[dict[str, Any]], frame_width: int) -> np.ndarray:
    """Draw ``objects`` (``label`` and ``box`` x y w h in pixels of a frame ``frame_width`` wide) on
    ``bgr``, a copy of that frame at any size (a thumbnail), in place: a green box, with the class name
    above it when the image is at least :data:`NAMES_FROM_WIDTH` pixels wide."""
    factor = bgr.shape[1] / frame_width
    thickness = max(1, round(bgr.shape[1] / 320))
    scale = max(0.3, bgr.shape[1] / 600)
    for found in objects:
        x, y, w, h = found["box"]
        top_left = (round(x * factor), round(y * factor))
        cv2.rectangle(bgr, top_left, (round((x + w) * factor), round((y + h) * factor)), OBJECT_COLOUR, thickness)
        if bgr.shape[1] < NAMES_FROM_WIDTH:
            continue
        text = str(found["label"]).replace("_", " ")
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        tx, ty = top_left[0], max(th + base, top_left[1])
        cv2.rectangle(bgr, (tx, ty - th - base), (tx + tw, ty), OBJECT_COLOUR, cv2.FILLED)
        cv2.putText(bgr, text, (tx, ty - base), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
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
