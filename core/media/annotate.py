"""Annotated videos: each frame with its label and confidence drawn on it, encoded as H.264 MP4.

OpenCV's own writers cannot produce H.264 in the pip wheels, and browsers do not play MPEG-4
Part 2, so frames are piped to the ffmpeg binary that ``imageio-ffmpeg`` ships (libx264,
yuv420p, ``+faststart``): the result plays in browsers, QuickTime, VLC and Windows' player.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from core.errors import ScreenTimeError

MAX_WIDTH = 854
"""Annotated videos are scaled down to at most this width (480p), which keeps files small."""


def output_size(width: int, height: int) -> tuple[int, int]:
    """Even dimensions (H.264 with yuv420p needs them), at most :data:`MAX_WIDTH` wide."""
    scale = min(1.0, MAX_WIDTH / width)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def draw_label(bgr: np.ndarray, text: str, note: str = "") -> np.ndarray:
    """Draw ``text`` (and a smaller ``note`` under it) on a dark banner at the top left, in place."""
    h = bgr.shape[0]
    scale = max(0.5, h / 480)
    thickness = max(1, round(scale * 1.5))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    note_scale = scale * 0.55
    (nw, nh), _ = cv2.getTextSize(note, cv2.FONT_HERSHEY_SIMPLEX, note_scale, 1) if note else ((0, 0), 0)
    pad = round(8 * scale)
    box_w, box_h = max(tw, nw) + 2 * pad, th + base + 2 * pad + (nh + pad if note else 0)
    region = bgr[:box_h, :box_w]
    region[:] = (region * 0.35).astype(np.uint8)
    cv2.putText(bgr, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    if note:
        cv2.putText(bgr, note, (pad, pad + th + base + pad + nh), cv2.FONT_HERSHEY_SIMPLEX, note_scale, (120, 200, 255), 1, cv2.LINE_AA)
    return bgr


def write_h264(path: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float) -> Path:
    """Encode BGR uint8 frames (each already ``size`` = (width, height)) at ``fps`` into ``path``."""
    import imageio_ffmpeg

    width, height = size
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", f"{fps:.6f}", "-i", "-",
        "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        str(path),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    try:
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame).tobytes())
    except BrokenPipeError:
        pass  # ffmpeg stopped early; its message is read below
    except BaseException:
        proc.kill()  # the job was cancelled or failed: leave no encoder behind
        proc.wait()
        raise
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    stderr = proc.stderr.read().decode(errors="replace")
    code = proc.wait()
    if code != 0 or not path.is_file():
        raise ScreenTimeError(f"Encoding the annotated video failed (ffmpeg exit {code}): {stderr.strip()[-300:] or 'no message'}.")
    return path
