"""Browser previews: an H.264 copy of an uploaded video whose own file browsers cannot play.

The moment player (``st.video``) hands the stored file to the browser, which plays H.264, VP8,
VP9 and AV1 in MP4 or WebM, and nothing else everywhere: an AVI, an MPEG-4 Part 2 (``mp4v``) file
from OpenCV or a camera, or a phone's HEVC ``.mov`` shows an empty player. After analysing such a
video the worker writes a preview with the ffmpeg binary that ``imageio-ffmpeg`` ships (libx264,
at most :data:`PREVIEW_HEIGHT` lines, AAC sound kept, ``+faststart``), and the player uses it.
Only the worker writes previews; the dashboard reads them.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2

from core.errors import VideoOpenError
from core.store import Store

log = logging.getLogger(__name__)

BROWSER_CODECS = frozenset({"avc1", "avc3", "h264", "x264", "vp08", "vp80", "vp09", "vp90", "av01"})
"""FourCC codes (lower case) of the codecs every current browser plays."""
BROWSER_CONTAINERS = frozenset({".mp4", ".m4v", ".webm"})
"""File types browsers play those codecs in (``video/mp4``, ``video/webm``)."""
PREVIEW_HEIGHT = 480
"""A preview has at most this many lines (smaller videos keep their size)."""
PREVIEW_TIMEOUT_S = 3600
"""ffmpeg is stopped after this long (a 4-hour video at 480p takes about a quarter of it on 2 cores)."""


def fourcc(path: str | Path) -> str:
    """The video codec's FourCC as OpenCV reads it, lower case (``"avc1"``, ``"mp4v"``, ``"hev1"``);
    empty when the file reports none. Raises :class:`VideoOpenError` for a file OpenCV cannot open."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoOpenError(f"{Path(path).name} is not a video OpenCV can read.")
        code = int(cap.get(cv2.CAP_PROP_FOURCC))
    finally:
        cap.release()
    return "".join(chr((code >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ").lower()


def plays_in_browsers(path: str | Path) -> bool:
    """Whether browsers play ``path`` as it is: one of :data:`BROWSER_CODECS` in one of :data:`BROWSER_CONTAINERS`."""
    return Path(path).suffix.lower() in BROWSER_CONTAINERS and fourcc(path) in BROWSER_CODECS


def write_preview(source: Path, target: Path, height: int = PREVIEW_HEIGHT) -> Path:
    """Encode ``source`` as H.264 MP4 (sound as AAC) at most ``height`` lines tall into ``target``
    (both sides even, as H.264's 4:2:0 needs: a 321 × 241 video becomes 320 × 240).
    Raises :class:`VideoOpenError` with ffmpeg's last words when it fails."""
    import imageio_ffmpeg

    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0?", "-vf", f"scale=-2:'trunc(min({height},ih)/2)*2':flags=area,format=yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart",
        str(target),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=PREVIEW_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as err:
        raise VideoOpenError(f"Making a browser copy of {source.name} took over {PREVIEW_TIMEOUT_S // 60} minutes and was stopped.") from err
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        message = done.stderr.decode(errors="replace").strip()[-300:] or "no message"
        raise VideoOpenError(f"Making a browser copy of {source.name} failed (ffmpeg exit {done.returncode}): {message}")
    return target


def ensure_preview(store: Store, video_id: str, on_encode: Callable[[], None] | None = None) -> str | None:
    """Give an uploaded video a browser preview if its own file does not play in browsers.

    Returns the preview's blob key, or None when none is needed (a link, a playable file); the
    answer is remembered on the video (``playable`` or ``preview_blob``), so a second analysis does
    nothing. ``on_encode`` is called just before encoding starts (the worker shows the stage).
    Raises :class:`VideoOpenError` when ffmpeg fails (the video is left as it was)."""
    video = store.videos.find(video_id) or {}
    if not video.get("blob") or video.get("preview_blob") or video.get("playable"):
        return video.get("preview_blob")
    path = Path(store.blobs.local_path(video["blob"]))
    if plays_in_browsers(path):
        store.videos.set(video_id, playable=True)
        return None
    if on_encode is not None:
        on_encode()
    with tempfile.TemporaryDirectory(prefix="reelsight-preview-") as tmp:
        preview = write_preview(path, Path(tmp) / "preview.mp4")
        blob = store.blobs.put_file(preview, "preview.mp4")
    try:
        store.videos.set(video_id, preview_blob=blob)
    except BaseException:
        store.blobs.delete(blob)  # nothing half-written: no preview file without its video
        raise
    log.info("%s: wrote a browser preview (its own file is %s)", video_id, fourcc(path) or "of an unknown codec")
    return blob
