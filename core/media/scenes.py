"""Scene structure of a video from its decoded frames: shots, black segments and static segments.

A pure function of the frames, fed one frame at a time so that it runs inside the analysis decode
pass (:mod:`core.media.sources` hands every decoded frame to a :class:`SceneScanner`):

- :meth:`SceneScanner.measure` (any decode thread, per frame): the frame downscaled as
  PySceneDetect's ``SceneManager`` does by default (to about 256 pixels wide, bilinear), its mean
  luma, and a 16×16 grey signature.
- :meth:`SceneScanner.accept` (one thread, frames in order): feeds PySceneDetect's
  ``ContentDetector`` through its library API (``process_frame``), and keeps the luma, the change
  from the previous frame and the signatures of the first and last :data:`SIGNATURE_WINDOW_S` seconds.
  The detector is :class:`ContentScore`, PySceneDetect's own class with its frame score computed in
  two OpenCV calls instead of six NumPy passes: the same score to the last bit, a fifth of the time.
- :meth:`SceneScanner.result`: a :class:`SceneResult` with shots, black and static segments.

Shots equal ``scenedetect.detect(path, ContentDetector())`` on the same frames, except that a
video without a cut is one shot (PySceneDetect returns an empty list there). Frame ranges are
``(start, end)`` with ``end`` exclusive, as PySceneDetect's scene list.
"""

from __future__ import annotations

import inspect
import io
import math
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
from scenedetect import ContentDetector, FrameTimecode
from scenedetect.output import write_scene_list
from scenedetect.scene_manager import compute_downscale_factor

from core.errors import IngestError

DEFAULT_SHOT_THRESHOLD = float(inspect.signature(ContentDetector).parameters["threshold"].default)
"""PySceneDetect's ``ContentDetector`` default (27.0): a frame whose weighted HSV change from the
previous one reaches this starts a new shot."""
DEFAULT_MIN_SHOT_FRAMES = int(inspect.signature(ContentDetector).parameters["min_scene_len"].default)
"""PySceneDetect's default minimum shot length in frames (15)."""
SIGNATURE_SIDE = 16
"""Side of the grey signature in pixels (uint8, SIGNATURE_SIDE² bytes per frame)."""
SIGNATURE_RATE = 4.0
"""Signatures kept per second of video for intro/outro matching (at the frames nearest to k / SIGNATURE_RATE s)."""
SIGNATURE_WINDOW_S = 60.0
"""Seconds at the start and at the end of a video whose signatures are kept."""
SEGMENT_KINDS = ("black", "static")
BLIP_FACTOR = 4.0
"""One frame between still ones that changes by less than this many times ``static_diff`` (an
encoder's key-frame refresh, not a cut) keeps a still picture going."""


@dataclass(frozen=True)
class SceneSettings:
    """What counts as a cut, a black frame and a still picture. Luma and differences are grey
    levels 0–255; durations in seconds."""

    shot_threshold: float = DEFAULT_SHOT_THRESHOLD
    min_shot_frames: int = DEFAULT_MIN_SHOT_FRAMES
    black_luma: float = 12.0
    """A frame whose mean luma is under this is black (PySceneDetect's ThresholdDetector default); fades count."""
    black_min_s: float = 0.5
    static_diff: float = 1.0
    """A frame whose grey image (at the detector's size) differs from the previous frame's by less
    than this (mean absolute difference) is still; moving footage measures 1 or more."""
    static_min_s: float = 2.0

    def __post_init__(self) -> None:
        checks = [
            (0 < self.shot_threshold <= 255, f"The cut threshold must be above 0 and at most 255, not {self.shot_threshold}."),
            (0 <= self.min_shot_frames <= 10_000, f"The minimum shot length must be 0 to 10000 frames, not {self.min_shot_frames}."),
            (0 < self.black_luma <= 255, f"The black level must be above 0 and at most 255, not {self.black_luma}."),
            (0 < self.static_diff <= 255, f"The still-picture threshold must be above 0 and at most 255, not {self.static_diff}."),
            (0 <= self.black_min_s <= 3600 and 0 <= self.static_min_s <= 3600, "Minimum segment durations must be 0 to 3600 seconds."),
        ]
        for ok, message in checks:
            if not (ok and all(math.isfinite(v) for v in asdict(self).values())):
                raise IngestError(message if not ok else "Scene settings must be finite numbers.")

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> SceneSettings | None:
        """None (detection off) for a missing document."""
        if doc is None:
            return None
        return cls(**{k: v for k, v in doc.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class FrameMeasure:
    """What the scanner needs of one decoded frame (computed in a decode thread)."""

    small: np.ndarray
    """BGR uint8, downscaled as PySceneDetect's SceneManager does (the detector's input)."""
    luma: float
    """Mean grey level of the frame, 0–255."""
    signature: np.ndarray
    """SIGNATURE_SIDE × SIGNATURE_SIDE grey uint8."""
    grey: np.ndarray
    """``small`` in grey, uint8 (for the still-picture check)."""


@dataclass(frozen=True)
class Segment:
    """Frames ``start`` to ``end`` (exclusive) of one kind (``black``, ``static``, ``intro``, ``outro``)."""

    kind: str
    start: int
    end: int


@dataclass
class SceneResult:
    """The scene structure of frames ``0 .. frame_count - 1`` at ``fps``."""

    fps: float
    frame_count: int
    shots: list[tuple[int, int]]
    segments: list[Segment]
    head: np.ndarray
    """Signatures of the first SIGNATURE_WINDOW_S seconds: n × SIGNATURE_SIDE² uint8."""
    head_frames: list[int]
    tail: np.ndarray
    """Signatures of the last SIGNATURE_WINDOW_S seconds: n × SIGNATURE_SIDE² uint8."""
    tail_frames: list[int]
    settings: SceneSettings = field(default_factory=SceneSettings)

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0

    def to_doc(self) -> dict[str, Any]:
        """A storable document (signatures as bytes)."""
        return {
            "fps": self.fps, "frame_count": self.frame_count, "shots": [list(s) for s in self.shots],
            "segments": [asdict(s) for s in self.segments], "settings": self.settings.to_doc(),
            "head": self.head.tobytes(), "head_frames": self.head_frames, "tail": self.tail.tobytes(), "tail_frames": self.tail_frames,
        }  # fmt: skip

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SceneResult:
        side2 = SIGNATURE_SIDE * SIGNATURE_SIDE

        def sigs(key: str) -> np.ndarray:
            return np.frombuffer(bytes(doc.get(key) or b""), np.uint8).reshape(-1, side2)

        return cls(
            fps=float(doc["fps"]), frame_count=int(doc["frame_count"]), shots=[(int(a), int(b)) for a, b in doc["shots"]],
            segments=[Segment(**s) for s in doc["segments"]], head=sigs("head"), head_frames=list(doc.get("head_frames") or []),
            tail=sigs("tail"), tail_frames=list(doc.get("tail_frames") or []), settings=SceneSettings.from_doc(doc.get("settings")) or SceneSettings(),
        )  # fmt: skip


def mean_distance(a: np.ndarray, b: np.ndarray) -> tuple[float, ...]:
    """Mean absolute difference per channel of two uint8 images of one shape (H×W or H×W×C).

    The exact sum of differences (``cv2.sumElems`` adds integers in doubles, exact below 2⁵³) over
    the pixel count: the same float as PySceneDetect's NumPy ``sum(abs(a - b)) / n``."""
    n = float(a.shape[0] * a.shape[1])
    sums = cv2.sumElems(cv2.absdiff(a, b))
    return tuple(sums[c] / n for c in range(1 if a.ndim == 2 else a.shape[2]))


class ContentScore(ContentDetector):
    """PySceneDetect's ``ContentDetector`` (same thresholds, flash filter and cuts) whose frame
    score is computed in two OpenCV calls on the HSV frame instead of a split and three NumPy
    passes. The score is the same float; with edge weights or a stats manager the library's own
    computation runs unchanged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_hsv: np.ndarray | None = None

    def _calculate_frame_score(self, timecode: FrameTimecode, frame_img: np.ndarray) -> float:
        weights = self._weights
        if weights.delta_edges > 0.0 or self.stats_manager is not None:
            return super()._calculate_frame_score(timecode, frame_img)
        hsv = cv2.cvtColor(frame_img, cv2.COLOR_BGR2HSV)
        last, self._last_hsv = self._last_hsv, hsv
        if last is None:
            return 0.0
        components = (*mean_distance(hsv, last), 0.0)  # delta_hue, delta_sat, delta_lum, delta_edges: the library's order and sum
        return sum(c * w for c, w in zip(components, weights, strict=True)) / sum(abs(w) for w in weights)


def small_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` of the detector's input: PySceneDetect's automatic downscale."""
    factor = compute_downscale_factor(max(width, height))
    if factor <= 1.0:
        return width, height
    return max(1, round(width / factor)), max(1, round(height / factor))


class SceneScanner:
    """Shots, black and static segments of one video, fed every decoded frame in order.

    ``width``/``height``: the video's frame size (every frame is brought to the same detector input
    size, so a stream that changes size mid-way cannot break the comparison)."""

    def __init__(self, fps: float, width: int, height: int, settings: SceneSettings | None = None) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise IngestError(f"Shots need a frame rate above 0, not {fps}.")
        self.fps, self.settings = fps, settings or SceneSettings()
        self.size = small_size(width, height)
        self._detector = ContentScore(threshold=self.settings.shot_threshold, min_scene_len=self.settings.min_shot_frames)
        self._cuts: list[int] = []
        self._luma: list[float] = []
        self._diff: list[float] = []
        self._last_grey: np.ndarray | None = None
        self._last = -1
        self._next_signature = 0  # signatures are kept at the frames nearest to k / SIGNATURE_RATE seconds, so videos of any frame rate align
        window = math.ceil(SIGNATURE_WINDOW_S * SIGNATURE_RATE)
        self._head: list[tuple[int, np.ndarray]] = []
        self._head_until = round(SIGNATURE_WINDOW_S * fps)
        self._tail: deque[tuple[int, np.ndarray]] = deque(maxlen=window)

    bgr_input = True

    def measure(self, bgr: np.ndarray) -> FrameMeasure:
        """One decoded BGR uint8 H×W×3 frame → its :class:`FrameMeasure` (thread-safe)."""
        h, w = bgr.shape[:2]
        small = bgr if (w, h) == self.size else cv2.resize(bgr, self.size, interpolation=cv2.INTER_LINEAR)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        signature = cv2.resize(grey, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
        return FrameMeasure(small=small, luma=float(grey.mean()), signature=signature, grey=grey)

    def accept(self, index: int, m: FrameMeasure) -> None:
        """Frame ``index`` (0, 1, 2, … in order). A frame already accepted is ignored, so a source
        that starts again from the beginning may hand over the same frames twice."""
        if index <= self._last:
            return
        self._last = index
        for cut in self._detector.process_frame(FrameTimecode(index, self.fps), m.small):
            self._cuts.append(cut.frame_num)
        grey = m.grey
        self._diff.append(math.inf if self._last_grey is None or self._last_grey.shape != grey.shape else mean_distance(grey, self._last_grey)[0])
        self._last_grey = grey
        self._luma.append(m.luma)
        if index >= round(self._next_signature * self.fps / SIGNATURE_RATE):
            while round(self._next_signature * self.fps / SIGNATURE_RATE) <= index:
                self._next_signature += 1
            flat = m.signature.reshape(-1).copy()
            if index < self._head_until:
                self._head.append((index, flat))
            self._tail.append((index, flat))

    @property
    def frames_seen(self) -> int:
        return self._last + 1

    def result(self) -> SceneResult:
        """The scene structure of every frame accepted so far (no frame: no shot, no segment)."""
        n = self.frames_seen
        if n > 0:
            self._cuts += [c.frame_num for c in self._detector.post_process(FrameTimecode(n - 1, self.fps))]
        cuts = sorted({c for c in self._cuts if 0 < c < n})
        bounds = [0, *cuts, n] if n else []
        shots = list(zip(bounds[:-1], bounds[1:]))
        luma, diff = np.asarray(self._luma, float), np.asarray(self._diff, float)
        black = luma < self.settings.black_luma
        same = (diff < self.settings.static_diff) & ~black  # frame i repeats frame i - 1 (and is not black)
        blip = (diff < BLIP_FACTOR * self.settings.static_diff) & ~black
        same[1:-1] |= same[:-2] & same[2:] & blip[1:-1]  # a key frame's small refresh does not end a still picture
        segments = [Segment("black", a, b) for a, b in runs(black, math.ceil(self.settings.black_min_s * self.fps))]
        # n repeating frames make a still picture of n + 1 frames, from the frame they repeat
        segments += [Segment("static", a - 1, b) for a, b in runs(same, math.ceil(self.settings.static_min_s * self.fps) - 1)]
        side2 = SIGNATURE_SIDE * SIGNATURE_SIDE

        def stack(items: Any) -> np.ndarray:
            items = list(items)
            return np.stack([s for _, s in items]) if items else np.zeros((0, side2), np.uint8)

        tail = [(i, s) for i, s in self._tail if i >= n - self._head_until]
        return SceneResult(
            fps=self.fps, frame_count=n, shots=shots, segments=sorted(segments, key=lambda s: (s.start, s.kind)),
            head=stack(self._head), head_frames=[i for i, _ in self._head], tail=stack(tail), tail_frames=[i for i, _ in tail], settings=self.settings,
        )  # fmt: skip


def runs(mask: np.ndarray, min_length: int) -> list[tuple[int, int]]:
    """``(start, end)`` (end exclusive) of every run of True in ``mask`` at least ``min_length`` long (and at least 1)."""
    if mask.size == 0:
        return []
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    return [(int(a), int(b)) for a, b in zip(starts, ends) if b - a >= max(1, min_length)]


SCENE_LIST_COLUMNS = (
    "Scene Number", "Start Frame", "Start Timecode", "Start Time (seconds)", "End Frame", "End Timecode", "End Time (seconds)",
    "Length (frames)", "Length (timecode)", "Length (seconds)",
)  # fmt: skip
"""The columns of PySceneDetect's scene list CSV (``scenedetect … list-scenes``), frames counted from 1."""


def scene_list_csv(result: SceneResult) -> str:
    """The shots as PySceneDetect's own scene list CSV (written by its ``write_scene_list``,
    without the leading cut-list row, so the file is plain RFC 4180 with :data:`SCENE_LIST_COLUMNS`)."""
    scene_list = [(FrameTimecode(a, result.fps), FrameTimecode(b, result.fps)) for a, b in result.shots]
    out = io.StringIO()
    write_scene_list(out, scene_list, include_cut_list=False)
    return out.getvalue()


def segment_rows(result: SceneResult) -> list[dict[str, Any]]:
    """One row per segment: ``kind, start_frame, end_frame`` (end exclusive), ``start_s, end_s, length_s``."""
    fps = result.fps
    return [
        {"kind": s.kind, "start_frame": s.start, "end_frame": s.end, "start_s": s.start / fps, "end_s": s.end / fps, "length_s": (s.end - s.start) / fps}
        for s in result.segments
    ]
