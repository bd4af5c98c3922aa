"""Stored thumbnails with what the analysis found on them drawn: people (blue), faces (amber) and
objects (green), each where the run detected them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

from core.analysis.objects import frame_objects
from core.analysis.people import boxes as people_boxes
from core.media.boxes import draw_objects, redraw_jpeg
from core.media.people import PeopleFound, draw
from core.store import Store


def _painter(people: PeopleFound | None, objects: list[dict[str, Any]], width: int) -> Callable[[np.ndarray], None]:
    """Draws objects, then people and faces over them, on a BGR thumbnail of a frame ``width`` pixels wide."""

    def paint(image: np.ndarray) -> None:
        draw_objects(image, objects, width)
        if people is not None:
            draw(image, people, width)

    return paint


def thumbnails_with_boxes(store: Store, run_id: str, frames: list[int]) -> dict[int, str]:
    """Frame index → ``data:image/jpeg;base64,…`` thumbnail with its people, faces and objects
    drawn, for the frames asked; frames with nothing detected keep their plain thumbnail."""
    run = store.runs.find(run_id, {"video_id": 1}) or {}
    width = (store.videos.find(run.get("video_id", "")) or {}).get("width")
    people = people_boxes(store, run_id, frames) if width else {}
    objects = frame_objects(store, run_id, frames) if width else {}
    out = {}
    for doc in store.frames.thumbs(run_id, frames):
        frame, jpeg = doc["frame"], doc["jpeg"]
        if frame in people or objects.get(frame):
            jpeg = redraw_jpeg(jpeg, _painter(people.get(frame), objects.get(frame, []), int(width)))
        out[frame] = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return out
