"""Frame sampling with OpenCV: probe a file, then stream the sampled frames in order.

Sample times are ``trim_start + k / fps``; each is served by the source frame nearest to it, so a
sampled frame lies within half a source frame of its nominal time (a tie goes to the later frame). A frame's timestamp is
``index / source_fps``. The stream never trusts the reported frame count: it reads to the end of
the file and applies the end trim with a delay line (a sample is released only once the decoder
has seen ``trim_end_s`` more seconds of video), so a file with a missing or wrong count still works.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import cv2
import numpy as np

from core.errors import EmptyVideoError, FrameRateError, VideoOpenError

T = TypeVar("T")


class FrameScan(Protocol):
    """Sees every decoded frame of a pass: ``measure`` (any thread) then ``accept`` (in frame order)."""

    def measure(self, bgr: np.ndarray) -> Any: ...

    def accept(self, index: int, measured: Any) -> None: ...


MAX_PLAUSIBLE_FPS = 1000.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container reports, checked by decoding the first frame."""

    path: Path
    fps: float
    frame_count: int
    """As reported by the container: 0 when unknown, possibly wrong."""
    width: int
    height: int

    @property
    def duration_s(self) -> float | None:
        return self.frame_count / self.fps if self.frame_count > 0 else None


@dataclass(frozen=True)
class SamplePlan:
    """Which frames to take: ``fps=None`` means every frame; trims are in seconds."""

    fps: float | None = 1.0
    trim_start_s: float = 0.0
    trim_end_s: float = 0.0

    def __post_init__(self) -> None:
        if self.fps is not None and not (self.fps > 0 and math.isfinite(self.fps)):
            raise ValueError(f"sampling fps must be positive, got {self.fps}")
        if self.trim_start_s < 0 or self.trim_end_s < 0:
            raise ValueError("trims must be zero or positive seconds")

    def expected_count(self, info: VideoInfo) -> int | None:
        """Samples the plan should yield, from the reported frame count (None if unknown)."""
        if info.frame_count <= 0:
            return None
        return sum(1 for _ in sample_indices(info.frame_count, info.fps, self))


@dataclass(frozen=True)
class Sample(Generic[T]):
    """One sampled frame: source frame ``index``, ``time_s = index / fps``, and its payload."""

    index: int
    time_s: float
    payload: T


def _nearest(t: float, fps: float) -> int:
    return int(math.floor(t * fps + 0.5))


def probe(path: str | Path) -> VideoInfo:
    """Open ``path`` and decode its first frame; raise a clear error if that is impossible."""
    path = Path(path)
    if not path.is_file():
        raise VideoOpenError(f"No such file: {path}. Check the path and try again.")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoOpenError(f"{path.name} is not a video OpenCV can read. Use an mp4, mov, avi, mkv or webm file.")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        ok, frame = cap.read()
        if not ok or frame is None:
            raise EmptyVideoError(f"{path.name} has no frames that can be decoded. Check that the file is complete.")
        if not (math.isfinite(fps) and 0 < fps <= MAX_PLAUSIBLE_FPS):
            raise FrameRateError(
                f"{path.name} reports no usable frame rate ({fps}), so frame times cannot be computed. "
                "Re-encode it with a constant frame rate, e.g. `ffmpeg -i IN -r 25 OUT.mp4`."
            )
        height, width = frame.shape[:2]
        return VideoInfo(path=path, fps=fps, frame_count=max(count, 0), width=width, height=height)
    finally:
        cap.release()


def sample_indices(frame_count: int, fps: float, plan: SamplePlan) -> Iterator[int]:
    """Indices the plan takes from a video of ``frame_count`` frames at ``fps`` (no decoding)."""
    end_s = frame_count / fps - plan.trim_end_s
    picker = Picker(fps, plan)
    for index in range(frame_count):
        if picker.take(index) and index / fps < end_s:
            yield index


class Picker:
    """Decides, frame by frame in order, whether a frame is sampled (copy it to resume elsewhere)."""

    def __init__(self, fps: float, plan: SamplePlan) -> None:
        self.fps = fps
        self.period = None if plan.fps is None else 1.0 / plan.fps
        self.next_t = plan.trim_start_s
        self.first = math.ceil(plan.trim_start_s * fps - 1e-9)

    def take(self, index: int) -> bool:
        if self.period is None:
            return index >= self.first
        target = _nearest(self.next_t, self.fps)
        if index < target:
            return False
        # index == target; advance past every nominal time this frame already serves.
        while _nearest(self.next_t, self.fps) <= index:
            self.next_t += self.period
        return True


def iter_samples(
    path: str | Path,
    info: VideoInfo,
    plan: SamplePlan,
    transform: Callable[[np.ndarray], T],
    skip: Container[int] = (),
    convert: bool = True,
    stop_after: int | None = None,
    scan: FrameScan | None = None,
) -> Iterator[Sample[T]]:
    """Decode ``path`` once and yield the sampled frames in order.

    ``transform`` receives each sampled frame as RGB uint8, H×W×3, and its result is the payload
    (resize there, so the end-trim delay line holds small arrays). Frames whose index is in
    ``skip`` (already stored by an earlier attempt) are neither decoded nor yielded.
    Skipped frames use ``grab()`` without ``retrieve()``. ``convert=False`` hands ``transform``
    OpenCV's BGR instead (see :mod:`core.media.sources`, the way analysis reads videos). With
    ``stop_after`` (a frame count confirmed by other means, e.g. :func:`core.media.sources.keyframe_indices`)
    decoding stops after that frame index instead of at the end of the file. A ``scan`` (shot and
    segment detection, :class:`core.media.scenes.SceneScanner`) is handed every decoded frame, BGR, in order.
    """
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoOpenError(f"{Path(path).name} can no longer be opened. Add the video again.")
    picker = Picker(info.fps, plan)
    pending: deque[Sample[T]] = deque()
    index = -1
    try:
        while (stop_after is None or index < stop_after) and cap.grab():
            index += 1
            wanted = picker.take(index) and index not in skip
            bgr = None
            if wanted or scan is not None:
                ok, bgr = cap.retrieve()
                bgr = bgr if ok else None
            if scan is not None and bgr is not None:
                scan.accept(index, scan.measure(bgr))
            if wanted and bgr is not None:
                frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if convert else bgr
                pending.append(Sample(index, index / info.fps, transform(frame)))
            yield from release(pending, index, info.fps, plan.trim_end_s)
    finally:
        cap.release()
    if index < 0:
        raise EmptyVideoError(f"{Path(path).name} has no frames that can be decoded.")


def release(pending: deque[Sample[T]], last_index: int, fps: float, trim_end_s: float) -> Iterator[Sample[T]]:
    """The end-trim delay line: frames 0..``last_index`` exist, so the video lasts at least
    ``(last_index + 1) / fps`` seconds, and every pending sample before that less the trim is final."""
    known_end = (last_index + 1) / fps - trim_end_s
    while pending and pending[0].time_s < known_end:
        yield pending.popleft()


def read_frames(path: str | Path, indices: Collection[int], transform: Callable[[np.ndarray], T]) -> dict[int, T]:
    """Decode ``path`` once and return ``{index: transform(rgb)}`` for the wanted frame ``indices``
    (RGB uint8, H×W×3). Indices past the end are simply absent from the result."""
    wanted = set(indices)
    out: dict[int, T] = {}
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoOpenError(f"{Path(path).name} can no longer be opened. Add the video again.")
    index = -1
    try:
        while len(out) < len(wanted) and cap.grab():
            index += 1
            if index in wanted:
                ok, bgr = cap.retrieve()
                if ok and bgr is not None:
                    out[index] = transform(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    finally:
        cap.release()
    return out
