"""The worker's local copies of URL videos: ``<data_dir>/downloads/<video_id>.<ext>``.

A download holds ``<video_id>.lock`` while yt-dlp writes, so :func:`sweep_downloads` (at worker
start-up) can tell the partial files of a killed process from those of a download in progress.
It also removes the copies of videos that were deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yt_dlp

from core.config import Settings
from core.errors import DownloadError
from core.jobs import RunningJob
from core.media.fetch import YDL_OPTIONS, GuardedYoutubeDL, HostNotAllowed, check_url, safe_format
from core.store import Store, file_lock

log = logging.getLogger(__name__)

_PARTIAL_MARKS = (".part", ".ytdl", ".temp.", ".part-Frag")
"""Name parts of the files yt-dlp writes before a download is complete."""


def downloads_folder(settings: Settings) -> Path:
    return settings.data_dir / "downloads"


def _is_partial(path: Path) -> bool:
    return any(mark in path.name for mark in _PARTIAL_MARKS)


def _files_of(folder: Path, video_id: str) -> list[Path]:
    return [p for p in folder.glob(f"{video_id}.*") if p.suffix != ".lock"]


def _finished(folder: Path, video_id: str) -> Path | None:
    done = [p for p in _files_of(folder, video_id) if not _is_partial(p)]
    return done[0] if done else None


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def video_file(ctx: RunningJob, video: dict[str, Any]) -> Path:
    """The local path of a video's file for a running job: its stored upload, or a (cached) download.

    ``ctx`` is the worker's job context (``store``, ``settings``, ``progress``)."""
    if video.get("blob"):
        return Path(ctx.store.blobs.local_path(video["blob"]))
    ctx.progress("download", 0, None)
    return download(video, ctx.settings, lambda done, total: ctx.progress("download", done, total, throttle_s=1.0))


class _TooLarge(yt_dlp.utils.DownloadCancelled):
    """Raised from the progress hook to stop a download that grows past the limit."""

    msg = "the file grew past the size limit"


def download(video: dict[str, Any], settings: Settings, on_progress: Callable[[int, int | None], None]) -> Path:
    """Download a URL video as ``<video_id>.<ext>`` into :func:`downloads_folder` unless it is there.

    Every request is checked against ``settings.allowed_hosts`` as it is made, redirects included.
    A file over ``settings.max_upload_mb`` (announced, or as it grows) or a video longer than
    ``settings.max_duration_s`` is refused with yt-dlp's own filters and its partial file removed.
    ``on_progress(done_bytes, total_bytes)`` is fed by yt-dlp's ``progress_hooks``.
    """
    url = check_url(video["url"], settings.allowed_hosts)  # the allowlist may have changed since the video was added
    folder = downloads_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_mb * 2**20
    too_long = f"{url} is longer than the {settings.max_duration_s / 60:g} min limit. Use a shorter video, or raise REELSIGHT_MAX_DURATION_S."
    too_large = f"{url} is larger than the {settings.max_upload_mb} MB limit; nothing was kept. Use a shorter video, or raise REELSIGHT_MAX_UPLOAD_MB."

    def hook(status: dict[str, Any]) -> None:
        if status.get("status") == "downloading":
            done = int(status.get("downloaded_bytes") or 0)
            if done > limit:
                raise _TooLarge()
            on_progress(done, status.get("total_bytes") or status.get("total_bytes_estimate"))

    opts = {
        **YDL_OPTIONS,
        "outtmpl": str(folder / f"{video['_id']}.%(ext)s"),
        "format": safe_format(),
        "max_filesize": limit,  # refused on the announced size, before any byte is written
        "match_filter": yt_dlp.utils.match_filter_func(f"duration <=? {settings.max_duration_s:g}"),
        "progress_hooks": [hook],
    }
    with file_lock(folder / f"{video['_id']}.lock"):
        cached = _finished(folder, video["_id"])
        if cached:
            return cached
        with GuardedYoutubeDL(opts, settings.allowed_hosts) as ydl:
            try:
                info = ydl.extract_info(url, download=True)
            except _TooLarge as err:
                _remove(_files_of(folder, video["_id"]))
                raise DownloadError(too_large) from err
            except (yt_dlp.utils.DownloadError, HostNotAllowed) as err:  # a refused request may come out unwrapped
                _remove(_files_of(folder, video["_id"]))
                raise ydl.download_error(url, err, "Retry the job later, or upload the file instead.") from err
        path = _finished(folder, video["_id"])
        if path is None:  # yt-dlp skipped it: the match filter (duration) or max_filesize said no
            _remove(_files_of(folder, video["_id"]))
            if info is None or float(info.get("duration") or 0) > settings.max_duration_s:
                raise DownloadError(too_long)
            raise DownloadError(too_large)
        return path


def remove_download(settings: Settings, video_id: str) -> bool:
    """Delete a video's downloaded copy (a deleted video); False if a download of it is running now."""
    folder = downloads_folder(settings)
    if not folder.is_dir():
        return True
    with file_lock(folder / f"{video_id}.lock", wait=False) as free:
        if not free:
            return False
        _remove(_files_of(folder, video_id))
        (folder / f"{video_id}.lock").unlink(missing_ok=True)
    return True


def sweep_downloads(store: Store, settings: Settings) -> int:
    """Remove partial files of downloads whose process died, and the copies of deleted videos.

    Run at worker start-up; returns the number of files removed."""
    folder = downloads_folder(settings)
    if not folder.is_dir():
        return 0
    removed = 0
    for video_id in sorted({p.name.split(".", 1)[0] for p in folder.iterdir() if p.is_file()}):
        files = _files_of(folder, video_id)
        deleted = not store.videos.exists(video_id)
        stale = files if deleted else [p for p in files if _is_partial(p)]
        if not stale and not deleted:
            continue
        with file_lock(folder / f"{video_id}.lock", wait=False) as free:
            if free:
                _remove(stale)
                removed += len(stale)
                if deleted:
                    (folder / f"{video_id}.lock").unlink(missing_ok=True)
    if removed:
        log.info("removed %d leftover download file(s) from %s", removed, folder)
    return removed
