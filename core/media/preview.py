"""Browser copies: an H.264 copy of an uploaded video whose own file browsers cannot play.

The moment player (``st.video``) hands the stored file to the browser, which plays H.264, VP8,
VP9 and AV1 in MP4 or WebM, and nothing else everywhere: an AVI, an MPEG-4 Part 2 file from
OpenCV or a camera, a phone's HEVC ``.mov``, or H.264 in 10 bits or 4:2:2/4:4:4 colour (from
editing software) shows an empty player. Such a video gets a copy
made by a job of its own (:data:`COPY_JOB`), queued by the worker after an analysis or by the
dashboard's button, so a slow or failed copy never touches the analysis. The copy is made with the
ffmpeg binary that ``imageio-ffmpeg`` ships: libx264, fitting in :data:`COPY_BOX` × :data:`COPY_BOX`
pixels (480 lines for a landscape video, 480 columns for a portrait one), AAC sound kept,
``+faststart``. Only the worker reads and writes video files here; the dashboard only queues.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from core.errors import NotFoundError, VideoOpenError
from core.jobs import enqueue
from core.store import Store

log = logging.getLogger(__name__)

COPY_JOB = "browser_copy"
"""Job kind: make a video's browser copy."""
H264_CODECS = frozenset({"avc1", "avc3", "h264", "x264"})
BROWSER_CODECS = H264_CODECS | {"vp08", "vp80", "vp09", "vp90", "av01"}
"""FourCC codes (lower case) of the codecs every current browser plays."""
BROWSER_CONTAINERS = frozenset({".mp4", ".m4v", ".webm"})
"""File types browsers play those codecs in (``video/mp4``, ``video/webm``)."""
COPY_BOX = 854
"""A copy fits in a square this many pixels wide (854 × 480 for 16:9, 480 × 854 for 9:16); smaller videos keep their size."""
COPY_MIN_TIMEOUT_S = 900
"""ffmpeg is stopped after this long, or after twice the video's duration if that is longer (480p
encodes at 40–70 frames/s on 2 busy cores, so 30 fps video takes about half to three quarters of
its duration)."""

H264_BROWSER_PIXELS = frozenset({"i420", "yv12", "nv12"})
"""Pixel formats (OpenCV's FourCC of the decoder's output, lower case) in which every browser plays
H.264: 8-bit 4:2:0. Chrome and Firefox do not decode High 10 (``yuv420p10le``), 4:2:2 (``y42b``)
or 4:4:4 (``444p``) H.264 in software, so those get a copy; VP9 and AV1 play in 10 bits too."""


def _tag(code: int) -> str:
    """A FourCC number as its four characters, lower case, without padding."""
    return "".join(chr((code >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ").lower()


def stream_format(path: str | Path) -> tuple[str, str]:
    """``(codec, pixels)``: the video codec's FourCC (``"avc1"``, ``"fmp4"``, ``"hev1"``) and the
    decoder's pixel format (``"i420"`` for 8-bit 4:2:0), as OpenCV reads them, lower case; empty
    when the file reports none. Raises :class:`VideoOpenError` for a file OpenCV cannot open."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoOpenError(f"{Path(path).name} is not a video OpenCV can read.")
        codec, pixels = int(cap.get(cv2.CAP_PROP_FOURCC)), int(cap.get(cv2.CAP_PROP_CODEC_PIXEL_FORMAT))
    finally:
        cap.release()
    return _tag(codec), _tag(pixels) if pixels > 0 else ""


def fourcc(path: str | Path) -> str:
    """The video codec's FourCC as OpenCV reads it, lower case (see :func:`stream_format`)."""
    return stream_format(path)[0]


def plays_in_browsers(path: str | Path) -> bool:
    """Whether browsers play ``path`` as it is: one of :data:`BROWSER_CODECS` in one of
    :data:`BROWSER_CONTAINERS`, and for H.264 a pixel format of :data:`H264_BROWSER_PIXELS` (or
    one OpenCV does not report)."""
    if Path(path).suffix.lower() not in BROWSER_CONTAINERS:
        return False
    codec, pixels = stream_format(path)
    if codec in H264_CODECS:
        return not pixels or pixels in H264_BROWSER_PIXELS
    return codec in BROWSER_CODECS


def write_copy(source: Path, target: Path, duration_s: float = 0.0, on_progress: Callable[[float], None] | None = None, box: int = COPY_BOX) -> Path:
    """Encode ``source`` as H.264 MP4 (sound as AAC), fitting in ``box`` × ``box`` with both sides
    even (H.264's 4:2:0 needs them: 321 × 241 becomes 320 × 240), into ``target``.

    ``on_progress(seconds_encoded)`` is called as ffmpeg reports (about twice a second); an
    exception it raises (a cancelled job) stops ffmpeg and goes up. ffmpeg is stopped after
    :data:`COPY_MIN_TIMEOUT_S` or twice ``duration_s``. Raises :class:`VideoOpenError` when it
    fails; its own message goes to the log, not to the user."""
    import imageio_ffmpeg

    scale = f"scale=w='min(iw,{box})':h='min(ih,{box})':force_original_aspect_ratio=decrease:force_divisible_by=2:flags=area,format=yuv420p"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0?", "-vf", scale,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart",
        str(target),
    ]  # fmt: skip
    limit = max(COPY_MIN_TIMEOUT_S, 2 * duration_s)
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
        timed_out = threading.Event()

        def stop() -> None:  # a stalled or endless encode is stopped
            timed_out.set()
            proc.kill()

        watchdog = threading.Timer(limit, stop)
        watchdog.start()
        assert proc.stdout is not None
        try:
            for line in proc.stdout:  # key=value lines, a block about twice a second
                key, _, value = line.decode(errors="replace").strip().partition("=")
                if key == "out_time_us" and value.isdigit() and on_progress is not None:
                    on_progress(int(value) / 1e6)
            code = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:  # stopped early (a cancelled job): leave no encoder behind
                proc.kill()
                proc.wait()
        stderr.seek(0)
        message = stderr.read().decode(errors="replace").strip()
    if code != 0 or not target.is_file() or target.stat().st_size == 0:
        log.warning("ffmpeg exit %s on %s: %s", code, source.name, message[-2000:] or "no message")
        if timed_out.is_set():
            raise VideoOpenError(f"Making a browser copy of {source.name} took over {limit / 60:.0f} minutes and was stopped.")
        raise VideoOpenError(f"ffmpeg could not convert {source.name} for the browser (exit {code}); the worker's log has its message.")
    return target


def unchecked(video: dict[str, Any]) -> bool:
    """Whether a video document is an upload whose file has not been checked yet: no browser copy,
    and not known to play as it is."""
    return bool(video.get("blob")) and not video.get("preview_blob") and not video.get("playable")


def needs_copy(store: Store, video_id: str) -> bool:
    """Whether a video needs a browser copy: an upload without one whose file browsers do not play
    (checked once, from the file's header, and remembered as ``playable``). Worker side: it opens the file."""
    video = store.videos.find(video_id) or {}
    if not unchecked(video):
        return False
    if plays_in_browsers(store.blobs.local_path(video["blob"])):
        store.videos.set(video_id, playable=True)
        return False
    return True


def request_copy(store: Store, video_id: str) -> str | None:
    """Queue a browser copy of a video unless one is queued or running; returns the job id, or
    None when one is already on its way. Below analyses in the queue (priority −1)."""
    if store.jobs.pending(COPY_JOB, video_id):
        return None
    return enqueue(store, COPY_JOB, {"video_id": video_id}, priority=-1)


def request_unchecked_copies(store: Store) -> list[str]:
    """Queue a copy job for every upload not yet checked (no copy, not known to play), e.g. those
    analysed before browser copies existed; the worker makes a copy only where one is needed.
    Returns the new job ids."""
    queued = (request_copy(store, v["_id"]) for v in store.videos.list() if unchecked(v))
    return [job for job in queued if job is not None]


def run_copy_job(ctx: Any) -> None:
    """A :data:`COPY_JOB`: make and store the video's browser copy if it still needs one.
    ``ctx`` is the worker's job context (``store``, ``job``, ``progress``)."""
    store, video_id = ctx.store, ctx.job["params"]["video_id"]
    video = store.videos.find(video_id)
    if video is None:
        raise NotFoundError("The video was deleted before its browser copy was made.")
    if not needs_copy(store, video_id):
        return
    source = Path(store.blobs.local_path(video["blob"]))
    duration = float(video.get("duration") or 0.0)
    total = max(1, round(duration))
    ctx.progress("browser copy", 0, total)
    with tempfile.TemporaryDirectory(prefix="reelsight-copy-") as tmp:
        copy = write_copy(source, Path(tmp) / "copy.mp4", duration, lambda s: ctx.progress("browser copy", min(total, round(s)), total, throttle_s=1.0))
        blob = store.blobs.put_file(copy, "copy.mp4")
    current = store.videos.find(video_id)
    if current is None or current.get("preview_blob") or not store.videos.set(video_id, preview_blob=blob):
        store.blobs.delete(blob)  # deleted meanwhile, or another copy got there first: keep no stray file
        return
    ctx.progress("browser copy", total, total)
    log.info("%s: browser copy stored", video_id)
