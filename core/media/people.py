"""People and faces on screen: counts and boxes per frame, from detectors that ship inside the
OpenCV wheel, so the results are real on a machine without internet.

- Faces: OpenCV's Haar frontal-face cascade (``cv2.data.haarcascades``, Viola–Jones), on a grey
  copy of the frame scaled to :data:`FACE_WIDTH`.
- People: OpenCV's HOG people detector (``cv2.HOGDescriptor_getDefaultPeopleDetector``, Dalal–
  Triggs, trained on upright pedestrians), on a copy scaled to :data:`PERSON_WIDTH`.

Both run on downscaled copies of one halved frame, so a 720p frame costs 22–25 ms of one core on
the 2-core CI-class machine, up to 50 ms on the slower hosts of that class (BENCHMARKS.md).
The price: a face smaller than ``FACE_MIN_PX × width / FACE_WIDTH`` pixels (89 on a 1280-wide
frame), or a person whose box is shorter than ``128 × width / PERSON_WIDTH`` (HOG's window: 410
pixels on a 1280-wide frame, the body inside it about three quarters of that), is not found; seated, cropped or sideways people and
profile faces are often missed (precision and recall on a labelled set: BENCHMARKS.md).

Boxes are ``[x, y, w, h]`` in pixels of the full frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.errors import FrameError

Box = list[int]
"""``[x, y, w, h]`` in full-frame pixels."""

FACE_CASCADE = "haarcascade_frontalface_alt2.xml"
"""Of the wheel's frontal-face cascades, the one with the fewest false alarms on the labelled set (BENCHMARKS.md)."""
FACE_WIDTH = 288
"""Faces are searched in a copy of the frame this wide (pixels); narrower frames are used as they are."""
FACE_MIN_PX = 20
"""Smallest face searched, in pixels of that copy: the cascade's own 20 × 20 window (89 pixels
tall on a 1280×720 frame, an eighth of its height)."""
FACE_SCALE_STEP = 1.15
FACE_MIN_NEIGHBORS = 3
PERSON_WIDTH = 400
"""People are searched in a copy of the frame this wide (pixels)."""
PERSON_SCALE_STEP = 1.15
PERSON_MIN_WEIGHT = 0.3
"""HOG detections with a lower SVM score are dropped (false alarms on textures and railings)."""
FACE_TO_PERSON = 3
"""A face with no person box around it counts as a person too (close-ups, seated people: HOG sees
only upright bodies); the person box drawn is the face box widened this many times."""


@dataclass(frozen=True)
class PeopleFound:
    """The faces and people found on one frame."""

    faces: list[Box] = field(default_factory=list)
    persons: list[Box] = field(default_factory=list)

    def to_doc(self) -> dict[str, list[Box]]:
        """``{"faces": [[x, y, w, h], …], "persons": […]}``, as stored in a frame document."""
        return {"faces": [list(b) for b in self.faces], "persons": [list(b) for b in self.persons]}

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> PeopleFound | None:
        """The stored form back; None for a frame analysed without people detection."""
        if not doc:
            return None
        return cls([list(map(int, b)) for b in doc.get("faces", [])], [list(map(int, b)) for b in doc.get("persons", [])])


def _checked(frame: np.ndarray) -> np.ndarray:
    """``frame`` as BGR uint8 H×W×3; grey H×W (or H×W×1) and BGRA frames are converted. Raises
    :class:`FrameError` for anything else."""
    if not isinstance(frame, np.ndarray) or frame.size == 0:
        raise FrameError("The frame is empty (no pixels), so no faces or people can be counted on it. Check that the video decodes.")
    if frame.dtype != np.uint8:
        raise FrameError(f"The frame holds {frame.dtype} values; people detection needs 8-bit pixels (0–255).")
    if frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 1):
        return cv2.cvtColor(frame.reshape(frame.shape[:2]), cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    raise FrameError(f"The frame has shape {frame.shape}; people detection needs an image of height × width × 3 colours, or grey.")


def _halved(frame: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """``frame`` halved (a 2×2 mean, OpenCV's fast integer ``INTER_AREA`` path) while it stays at
    least ``width`` wide, and the factor back to full-frame pixels. A 1280×720 frame becomes
    640×360 in about 0.6 ms, so the detectors' own non-integer downscales work on a quarter of the
    pixels (together 6–8 ms less per 720p frame; the copies differ from direct ``INTER_AREA`` ones
    by at most 3–5 grey levels)."""
    factor = 1.0
    while frame.shape[1] >= 2 * width and frame.shape[0] >= 2:
        h, w = frame.shape[:2]
        frame = cv2.resize(frame, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        factor *= w / (w // 2)
    return frame, factor


def _scaled(frame: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """``frame`` scaled down to ``width`` (never up) and the factor back to ``frame``'s pixels."""
    h, w = frame.shape[:2]
    if w <= width:
        return frame, 1.0
    height = max(1, round(h * width / w))
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA), w / width


def _boxes(rects: Any, factor: float) -> list[Box]:
    return [[round(x * factor), round(y * factor), round(w * factor), round(h * factor)] for x, y, w, h in np.asarray(rects).reshape(-1, 4)]


def _inside(inner: Box, outer: Box) -> bool:
    """Whether the centre of ``inner`` lies in ``outer``."""
    cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


def _body(face: Box, shape: tuple[int, ...]) -> Box:
    """A person box for a face alone: :data:`FACE_TO_PERSON` face widths wide, from the face's top
    down to as far, clipped to the frame (``shape`` = H, W, …)."""
    x, y, w, h = face
    bw, bh = w * FACE_TO_PERSON, h * FACE_TO_PERSON * 2
    left = max(0, x + w // 2 - bw // 2)
    return [left, y, min(bw, shape[1] - left), min(bh, shape[0] - y)]


def cascade_path() -> Path:
    """The frontal-face cascade file inside the OpenCV wheel."""
    return Path(cv2.data.haarcascades) / FACE_CASCADE


class PeopleDetector:
    """Counts faces and people on BGR frames. Safe to share between threads: each thread gets its
    own OpenCV detectors (they keep scratch buffers)."""

    def __init__(self) -> None:
        path = cascade_path()
        if not path.is_file():
            raise FrameError(f"OpenCV's face model {path} is missing; reinstall the opencv-python-headless package from requirements.txt.")
        self._path = str(path)
        self._local = threading.local()

    def _detectors(self) -> tuple[cv2.CascadeClassifier, cv2.HOGDescriptor]:
        local = self._local
        if not hasattr(local, "face"):
            local.face = cv2.CascadeClassifier(self._path)
            if local.face.empty():
                raise FrameError(f"OpenCV could not read its face model {self._path}; reinstall opencv-python-headless.")
            local.hog = cv2.HOGDescriptor()
            local.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        return local.face, local.hog

    def _faces(self, bgr: np.ndarray, factor: float) -> list[Box]:
        """Face boxes on ``bgr``, in pixels of a frame ``factor`` times larger."""
        face, _ = self._detectors()
        small, scale = _scaled(bgr, FACE_WIDTH)
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
        found = face.detectMultiScale(grey, scaleFactor=FACE_SCALE_STEP, minNeighbors=FACE_MIN_NEIGHBORS, minSize=(FACE_MIN_PX, FACE_MIN_PX))
        return _boxes(found, factor * scale)

    def _persons(self, bgr: np.ndarray, factor: float) -> list[Box]:
        """Person boxes on ``bgr``, in pixels of a frame ``factor`` times larger."""
        _, hog = self._detectors()
        small, scale = _scaled(bgr, PERSON_WIDTH)
        if small.shape[0] < 128 or small.shape[1] < 64:  # smaller than the detector's window
            return []
        rects, weights = hog.detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=PERSON_SCALE_STEP)
        keep = [r for r, s in zip(np.asarray(rects).reshape(-1, 4), np.asarray(weights).reshape(-1)) if s >= PERSON_MIN_WEIGHT]
        return _boxes(keep, factor * scale)

    def __call__(self, frame: np.ndarray) -> PeopleFound:
        """Faces and people on one frame: BGR uint8 H×W×3 (grey H×W and BGRA are accepted)."""
        bgr = _checked(frame)
        base, factor = _halved(bgr, max(FACE_WIDTH, PERSON_WIDTH))
        faces = self._faces(base, factor)
        persons = self._persons(base, factor)
        return PeopleFound(faces, persons + [_body(f, bgr.shape) for f in faces if not any(_inside(f, p) for p in persons)])


def summarize(faces: list[int], persons: list[int]) -> dict[str, float | int | None]:
    """Per video, from the per-frame counts: ``frames``, ``face_share`` and ``person_share`` (share
    of frames with at least one, 0–1), ``mean_faces`` and ``mean_persons`` (per frame); shares and
    means are None for no frames."""
    n = len(faces)
    if n != len(persons):
        raise ValueError(f"{n} face counts but {len(persons)} person counts")
    if n == 0:
        return {"frames": 0, "face_share": None, "person_share": None, "mean_faces": None, "mean_persons": None}
    return {
        "frames": n,
        "face_share": sum(c > 0 for c in faces) / n,
        "person_share": sum(c > 0 for c in persons) / n,
        "mean_faces": sum(faces) / n,
        "mean_persons": sum(persons) / n,
    }


FACE_COLOUR = (0, 215, 255)
"""BGR: amber boxes for faces."""
PERSON_COLOUR = (255, 160, 0)
"""BGR: blue boxes for people."""


def draw(bgr: np.ndarray, found: PeopleFound, frame_width: int) -> np.ndarray:
    """Draw ``found`` (boxes in pixels of a frame ``frame_width`` wide) on ``bgr``, a copy of that
    frame at any size (a thumbnail), in place: people in blue, faces in amber."""
    factor = bgr.shape[1] / frame_width
    thickness = max(1, round(bgr.shape[1] / 320))
    for boxes, colour in ((found.persons, PERSON_COLOUR), (found.faces, FACE_COLOUR)):
        for x, y, w, h in boxes:
            top_left = (round(x * factor), round(y * factor))
            bottom_right = (round((x + w) * factor), round((y + h) * factor))
            cv2.rectangle(bgr, top_left, bottom_right, colour, thickness)
    return bgr
