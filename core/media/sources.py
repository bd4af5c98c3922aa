"""Video sources: the sampled frames of one file, in order, as uint8 arrays.

One boundary for everything that decodes a video for analysis, shaped like PySceneDetect's video
backends: a :class:`VideoSource` protocol, implementations in :data:`SOURCES` keyed by name, and
:func:`open_source` that picks one by name (``auto`` picks the fastest that can serve the file).

- ``opencv``: one ``cv2.VideoCapture`` decodes the whole file in order (:func:`core.media.frames.iter_samples`).
- ``opencv-segments``: a pool of captures decodes separate segments of the file in parallel
  threads, each segment starting at a key frame, and the frames are handed back in order. Every
  seek is checked before its segment hands over any frame: the segment before decodes one frame
  past its end, and that frame's timestamp and pixels must equal those of the first frame the
  next segment decoded after its seek. On a mismatch (a file whose seeks are not frame-exact) the
  source starts again in order and skips what it already handed back, so every path yields
  exactly the frames :mod:`core.media.frames` picks.

Another decoder (for example torchcodec with NVDEC on a GPU) is one more class with a ``samples``
method and one line in :data:`SOURCES`; the worker does not change.

A transform receives RGB uint8, H×W×3, unless it has ``bgr_input = True``: then OpenCV sources
pass their native BGR and spare a full-size colour conversion per frame.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Container, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import cv2
import numpy as np

from core.errors import ConfigError, EmptyVideoError, VideoOpenError
from core.media import frames

log = logging.getLogger(__name__)

T = TypeVar("T")

SEEK_PREROLL = 16
"""OpenCV's frame seek lands this many frames before its target and decodes forward, so a
segment that starts ``SEEK_PREROLL`` frames after a key frame costs that many extra decodes."""
MIN_SEGMENT_FRAMES = 48
"""Key frames closer than this to the previous segment start do not start a new segment."""
SEGMENT_QUEUE = 96
"""Decoded frames one segment may hold before its worker waits (bounds memory)."""
SEGMENT_QUEUE_SCANNING = 512
"""The same while a scan sees every frame: frames and scan measures (about 110 kB each) together."""


class VideoSource(Protocol):
    """Gives the sampled frames of a file in order: ``Sample(index, time_s, transform(frame))``."""

    name: str

    def samples(
        self,
        path: str | Path,
        info: frames.VideoInfo,
        plan: frames.SamplePlan,
        transform: Callable[[np.ndarray], T],
        skip: Container[int] = (),
        scan: frames.FrameScan | None = None,
    ) -> Iterator[frames.Sample[T]]:
        """Frames whose index is in ``skip`` are neither converted nor yielded. A ``scan`` sees
        every decoded frame of the file (BGR), in order, in the same pass."""
        ...


def _rgb(transform: Callable[[np.ndarray], T]) -> Callable[[np.ndarray], T]:
    """``transform`` applied to an OpenCV BGR frame: converted to RGB first unless it takes BGR."""
    if getattr(transform, "bgr_input", False):
        return transform
    return lambda bgr: transform(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


@dataclass(frozen=True)
class OpenCVSource:
    """One capture, the whole file in order (the reference every other source must match)."""

    name: str = "opencv"

    def samples(
        self,
        path: str | Path,
        info: frames.VideoInfo,
        plan: frames.SamplePlan,
        transform: Callable[[np.ndarray], T],
        skip: Container[int] = (),
        scan: frames.FrameScan | None = None,
    ) -> Iterator[frames.Sample[T]]:
        return frames.iter_samples(path, info, plan, _rgb(transform), skip, convert=False, scan=scan)


def keyframe_indices(path: str | Path, info: frames.VideoInfo) -> list[int] | None:
    """Display indices of the key frames of ``path`` from one pass over its packets (no
    decoding), or None when the packets do not map one to one onto the decoded frames (other
    frame rate or count than :func:`core.media.frames.probe` found, gaps in the timestamps)."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    try:
        if not cap.isOpened() or abs(cap.get(cv2.CAP_PROP_FPS) - info.fps) > 1e-6:
            return None
        keys, seen = [], set()
        while cap.grab():
            pts = int(cap.get(cv2.CAP_PROP_PTS))  # in frames; the check below catches any other mapping
            seen.add(pts)
            if cap.get(cv2.CAP_PROP_LRF_HAS_KEY_FRAME):
                keys.append(pts)
    finally:
        cap.release()
    if not seen or seen != set(range(len(seen))) or len(seen) != info.frame_count:
        return None
    return sorted(keys)


def segment_starts(keyframes: list[int], first: int, min_frames: int = MIN_SEGMENT_FRAMES) -> list[int]:
    """Frame indices where segments start: 0, then ``SEEK_PREROLL`` frames after each key frame
    that lies past ``first`` (the first sampled frame) and at least ``min_frames`` after the
    previous start. The first segment decodes from the start of the file, so that every seek is
    checked against frames decoded in order."""
    starts = [0]
    for key in keyframes:
        start = key + SEEK_PREROLL
        if start > first and start - starts[-1] >= min_frames:
            starts.append(start)
    return starts


@dataclass
class _Segment:
    """One segment's output: samples in order, then its end marker."""

    start: int
    end: int | None
    """First index of the next segment (decoded once more, for the boundary check); None: the last segment."""
    stop: int | None = None
    """The last segment's last index to decode (None: to the end of the file)."""
    out: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=SEGMENT_QUEUE))


@dataclass(frozen=True)
class _First:
    """Sent before a segment's frames: the digest of its first frame as decoded after the seek."""

    digest: bytes | None


@dataclass(frozen=True)
class _End:
    """Sent after a segment's frames."""

    last_index: int
    """Last frame index this segment decoded."""
    next_digest: bytes | None
    """Digest of the next segment's first frame, as decoded in order by this segment."""


@dataclass(frozen=True)
class _Scanned:
    """A decoded frame's measure for the scan, handed over in frame order."""

    index: int
    measured: Any


class _Mismatch(Exception):
    """A seek did not land on the frame sequential decoding gives at that index."""


def _digest(cap: Any, bgr: np.ndarray) -> bytes:
    """The decoded frame's identity: its presentation timestamp and a hash of its pixels (the
    timestamp tells apart identical frames of a still shot)."""
    pts = f"{cap.get(cv2.CAP_PROP_PTS):.0f}:".encode()
    return pts + hashlib.blake2b(np.ascontiguousarray(bgr).data, digest_size=16).digest()


@dataclass(frozen=True)
class SegmentedOpenCVSource:
    """Several captures decode separate segments of one file in parallel threads (see the module docstring).

    ``workers`` threads each decode and transform one segment at a time, with
    ``threads_per_capture`` FFmpeg threads each; at most ``workers + 1`` segments are decoded
    ahead of the consumer, each holding at most ``SEGMENT_QUEUE`` frames, so memory does not grow
    with the length of the video.
    """

    workers: int = 2
    threads_per_capture: int = 1
    name: str = "opencv-segments"

    def samples(
        self,
        path: str | Path,
        info: frames.VideoInfo,
        plan: frames.SamplePlan,
        transform: Callable[[np.ndarray], T],
        skip: Container[int] = (),
        scan: frames.FrameScan | None = None,
    ) -> Iterator[frames.Sample[T]]:
        keys = keyframe_indices(path, info) if self.workers > 1 else None
        wanted = list(frames.sample_indices(info.frame_count, info.fps, plan)) if keys else []
        if not wanted:  # one worker, a file the scan cannot map, or nothing to sample
            yield from OpenCVSource().samples(path, info, plan, transform, skip, scan)
            return
        # The key-frame scan confirmed the frame count, so decoding may stop once the end trim is
        # proven: frames past the last sample plus the trim are never needed (a scan needs them all).
        need = info.frame_count - 1 if scan else min(info.frame_count - 1, wanted[-1] + math.ceil(plan.trim_end_s * info.fps) + 1)
        starts = [start for start in segment_starts(keys, wanted[0]) if start <= need]
        skip_tail = _Union(skip, _Above(wanted[-1]))  # frames past the last sample are decoded (to prove the end trim), not converted
        if len(starts) < 2:  # too short to split: in order, but stopping as segments do
            yield from frames.iter_samples(path, info, plan, _rgb(transform), skip_tail, convert=False, stop_after=need, scan=scan)
            return
        yielded: set[int] = set()
        try:
            with closing(self._segmented(path, info, plan, _rgb(transform), skip_tail, starts, need, scan)) as segmented:
                for sample in segmented:
                    yielded.add(sample.index)
                    yield sample
        except _Mismatch as err:
            log.warning("%s: %s; decoding it in order instead", Path(path).name, err)
            yield from OpenCVSource().samples(path, info, plan, transform, _Union(skip, yielded), scan)  # the scan ignores frames it has seen

    def _segmented(
        self,
        path: str | Path,
        info: frames.VideoInfo,
        plan: frames.SamplePlan,
        transform: Callable[[np.ndarray], T],
        skip: Container[int],
        starts: list[int],
        need: int,
        scan: frames.FrameScan | None = None,
    ) -> Iterator[frames.Sample[T]]:
        size = SEGMENT_QUEUE if scan is None else SEGMENT_QUEUE_SCANNING
        segments = [_Segment(start, end, out=queue.Queue(maxsize=size)) for start, end in zip(starts, [*starts[1:], None])]
        segments[-1].stop = need
        pickers = _pickers(info.fps, plan, starts)
        stop = threading.Event()
        slots = threading.Semaphore(self.workers + 1)
        todo = iter(range(len(segments)))
        lock = threading.Lock()

        def work() -> None:
            while not stop.is_set():
                slots.acquire()
                with lock:
                    n = next(todo, None)
                if n is None or stop.is_set():
                    slots.release()
                    return
                segment = segments[n]
                try:
                    self._decode(path, segment, pickers[n], transform, skip, stop, scan)
                except BaseException as err:  # handed to the consumer, which re-raises it
                    _put(segment.out, err, stop)

        threads = [threading.Thread(target=work, name=f"decode-{i}", daemon=True) for i in range(self.workers)]
        for thread in threads:
            thread.start()
        pending: deque[frames.Sample[T]] = deque()
        known_end = -1
        previous: _End | None = None
        try:
            for segment in segments:
                if previous is not None:  # check the seek before handing over any of its frames
                    first = _get(segment.out)
                    if not isinstance(first, _First) or first.digest != previous.next_digest:
                        raise _Mismatch(f"seeking to frame {segment.start} gave another frame than decoding in order")
                while not isinstance(item := _get(segment.out), _End):
                    if isinstance(item, _Scanned):
                        assert scan is not None
                        scan.accept(item.index, item.measured)
                        continue
                    pending.append(item)
                    known_end = max(known_end, item.index)
                    yield from frames.release(pending, known_end, info.fps, plan.trim_end_s)
                slots.release()
                if segment.end is not None and item.next_digest is None:
                    raise _Mismatch(f"the file ended before frame {segment.end}, which its key frames promised")
                previous = item
                known_end = max(known_end, item.last_index)
                yield from frames.release(pending, known_end, info.fps, plan.trim_end_s)
            if known_end < 0:
                raise EmptyVideoError(f"{Path(path).name} has no frames that can be decoded.")
        finally:
            stop.set()
            for _ in threads:
                slots.release()
            for segment in segments:
                _drain(segment.out)
            for thread in threads:
                thread.join(timeout=5)

    def _decode(
        self,
        path: str | Path,
        segment: _Segment,
        picker: frames.Picker,
        transform: Callable[[np.ndarray], T],
        skip: Container[int],
        stop: threading.Event,
        scan: frames.FrameScan | None = None,
    ) -> None:
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, self.threads_per_capture])
        if not cap.isOpened():
            raise VideoOpenError(f"{Path(path).name} can no longer be opened. Add the video again.")
        index, next_digest, first = segment.start - 1, None, segment.start > 0
        try:
            if first:
                cap.set(cv2.CAP_PROP_POS_FRAMES, segment.start)
                if int(cap.get(cv2.CAP_PROP_POS_FRAMES)) != segment.start:
                    raise _Mismatch(f"seeking to frame {segment.start} landed elsewhere")
            while not stop.is_set() and (segment.stop is None or index < segment.stop) and cap.grab():
                index += 1
                if index == segment.end:
                    ok, bgr = cap.retrieve()
                    next_digest = _digest(cap, bgr) if ok and bgr is not None else None
                    index -= 1
                    break
                wanted = picker.take(index) and index not in skip
                if wanted or first or scan is not None:
                    ok, bgr = cap.retrieve()
                    ok = ok and bgr is not None
                    if first:  # the consumer checks the seek before it takes any frame of this segment
                        first = False
                        if not _put(segment.out, _First(_digest(cap, bgr) if ok else None), stop):
                            return
                    if scan is not None and ok and not _put(segment.out, _Scanned(index, scan.measure(bgr)), stop):
                        return
                    if wanted and ok and not _put(segment.out, frames.Sample(index, index / picker.fps, transform(bgr)), stop):
                        return
            if first:  # the seek found no frame at all
                _put(segment.out, _First(None), stop)
        finally:
            cap.release()
        _put(segment.out, _End(index, next_digest), stop)


def _pickers(fps: float, plan: frames.SamplePlan, starts: list[int]) -> list[frames.Picker]:
    """The sampling decision state at each segment start (a picker decides frames in order)."""
    picker = frames.Picker(fps, plan)
    out = []
    index = 0
    for start in starts:
        while index < start:
            picker.take(index)
            index += 1
        out.append(copy.copy(picker))
    return out


def _get(out: queue.Queue) -> Any:
    """The next item of a segment; a worker's exception is raised here."""
    item = out.get()
    if isinstance(item, BaseException):
        raise item
    return item


def _put(out: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Put ``item`` unless the consumer has stopped; False when it has."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


def _drain(out: queue.Queue) -> None:
    while True:
        try:
            out.get_nowait()
        except queue.Empty:
            return


@dataclass(frozen=True)
class _Above:
    """The indices above ``last`` (frames past the last sample, within the end trim)."""

    last: int

    def __contains__(self, item: object) -> bool:
        return isinstance(item, int) and item > self.last


@dataclass(frozen=True)
class _Union:
    """Membership in either of two collections (a skip set plus what was already handed back)."""

    a: Container[int]
    b: Container[int]

    def __contains__(self, item: object) -> bool:
        return item in self.a or item in self.b


def default_workers() -> int:
    """Decode workers by default: the cores this process may use, at most 16."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(16, cores))


SOURCES: dict[str, Callable[[int], VideoSource]] = {
    "opencv": lambda workers: OpenCVSource(),
    "opencv-segments": lambda workers: SegmentedOpenCVSource(workers=max(2, workers), threads_per_capture=max(1, default_workers() // max(2, workers))),
}
"""Name → factory taking the number of decode workers. ``auto`` picks ``opencv-segments`` when
there is more than one worker (it falls back to ``opencv`` by itself for files it cannot split)."""


def open_source(name: str = "auto", workers: int | None = None) -> VideoSource:
    """The video source called ``name`` (``auto``, or a key of :data:`SOURCES`) with ``workers``
    decode threads (default: :func:`default_workers`)."""
    workers = workers or default_workers()
    if name == "auto":
        name = "opencv-segments" if workers > 1 else "opencv"
    if name not in SOURCES:
        raise ConfigError(f"Unknown video source {name!r}. Set REELSIGHT_VIDEO_SOURCE to auto or one of: {', '.join(SOURCES)}.")
    return SOURCES[name](workers)
