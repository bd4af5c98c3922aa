"""Adding videos: YouTube URLs through yt-dlp's Python API, local files and dashboard uploads.

Adding reads metadata only (``extract_info(download=False)`` for URLs, a probe for files); the
worker downloads. Nothing is written to the database until every check has passed.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yt_dlp

from core.config import Settings
from core.errors import DownloadError, IngestError
from core.jobs import RunningJob
from core.media import frames
from core.store import Store, new_id, utcnow

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = ("mp4", "mov", "avi", "mkv", "webm")
METADATA_FIELDS = ("title", "description", "tags", "channel", "upload_date", "duration", "view_count", "like_count", "webpage_url")


class _YdlLogger:
    """Routes yt-dlp's messages to our log, so it never prints to the user's terminal itself."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    info = debug

    def warning(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)  # raised to the caller as DownloadError, with the reason


_YDL_BASE: dict[str, Any] = {"quiet": True, "no_warnings": True, "noprogress": True, "noplaylist": True, "socket_timeout": 30, "logger": _YdlLogger()}


def is_url(source: str) -> bool:
    return "://" in source


def check_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """Return the URL if it is http(s) on an allowed host (or a sub-domain of one); else raise."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https"):
        raise IngestError(f"{url} is not an http(s) URL. Paste a link such as https://www.youtube.com/watch?v=…")
    host = (parsed.hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in allowed_hosts):
        raise IngestError(f"{host or url} is not an allowed host ({', '.join(allowed_hosts)}). Use a YouTube link, or add the host to REELSIGHT_ALLOWED_HOSTS.")
    return url.strip()


def _views(views: int | None) -> int | None:
    if views is None:
        return None
    if int(views) < 0:
        raise IngestError(f"Views must be zero or more, not {views}.")
    return int(views)


def add_url(store: Store, settings: Settings, url: str, views: int | None = None, title: str | None = None) -> tuple[str, bool]:
    """Read a URL's metadata with yt-dlp and store the video. Returns ``(video_id, created)``."""
    url = check_url(url, settings.allowed_hosts)
    views = _views(views)
    try:
        with yt_dlp.YoutubeDL(dict(_YDL_BASE)) as ydl:
            info = ydl.sanitize_info(ydl.extract_info(url, download=False))
    except yt_dlp.utils.DownloadError as err:
        reason = str(err).removeprefix("ERROR: ").strip()
        raise DownloadError(f"Could not read {url}: {reason}. Check that the link opens in a browser.") from err
    if info.get("_type") == "playlist" or info.get("entries"):
        raise IngestError(f"{url} is a playlist. Paste the links of its videos one per line.")
    meta = {k: info.get(k) for k in METADATA_FIELDS}
    meta["webpage_url"] = meta.get("webpage_url") or url
    doc = {
        "_id": new_id(),
        "source": "url",
        "source_key": f"url:{info.get('extractor_key', 'generic')}:{info.get('id') or url}",
        "url": url,
        "yt_id": info.get("id"),
        **meta,
        "title": title or meta.get("title") or url,
        "views_override": views,
        "created_at": utcnow(),
    }
    return store.videos.insert_unique(doc)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def add_file(
    store: Store, settings: Settings, path: str | Path, views: int | None = None, title: str | None = None, name: str | None = None
) -> tuple[str, bool]:
    """Probe a local video file, copy it into the blob store and store the video."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise IngestError(f"No such file: {path}. Check the path and try again.")
    ext = Path(name).suffix.lower().lstrip(".")
    if ext not in VIDEO_EXTENSIONS:
        raise IngestError(f"{name} is not a supported video type. Use one of: {', '.join(VIDEO_EXTENSIONS)}.")
    size_mb = path.stat().st_size / 2**20
    if size_mb > settings.max_upload_mb:
        raise IngestError(
            f"{name} is {size_mb:.0f} MB, over the {settings.max_upload_mb} MB upload limit. Trim the video, or raise server.maxUploadSize in .streamlit/config.toml."
        )
    views = _views(views)
    info = frames.probe(path)
    source_key = f"sha256:{_sha256(path)}"
    existing = store.videos.id_by_source(source_key)
    if existing:
        return existing, False
    blob = store.blobs.put_file(path, name)
    doc = {
        "_id": new_id(),
        "source": "upload",
        "source_key": source_key,
        "blob": blob,
        "filename": name,
        "title": title or Path(name).stem,
        "duration": info.duration_s,
        "fps": info.fps,
        "frame_count": info.frame_count,
        "width": info.width,
        "height": info.height,
        "views_override": views,
        "created_at": utcnow(),
    }
    try:
        video_id, created = store.videos.insert_unique(doc)
    except Exception:
        store.blobs.delete(blob)
        raise
    if not created:
        store.blobs.delete(blob)
    return video_id, created


def add_upload(store: Store, settings: Settings, name: str, data: bytes, views: int | None = None) -> tuple[str, bool]:
    """Store bytes uploaded through the dashboard (same checks as :func:`add_file`)."""
    ext = Path(name).suffix.lower()
    if len(data) / 2**20 > settings.max_upload_mb:
        raise IngestError(
            f"{name} is {len(data) / 2**20:.0f} MB, over the {settings.max_upload_mb} MB upload limit. Trim the video, or raise server.maxUploadSize in .streamlit/config.toml."
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(name).name or f"upload{ext}")  # errors then name the user's file
        path.write_bytes(data)
        return add_file(store, settings, path, views=views, name=name)


def add_source(store: Store, settings: Settings, source: str, views: int | None = None, title: str | None = None) -> tuple[str, bool]:
    """A URL or a local path, as typed on the command line."""
    if is_url(source):
        return add_url(store, settings, source, views=views, title=title)
    return add_file(store, settings, source, views=views, title=title)


def video_file(ctx: RunningJob, video: dict[str, Any]) -> Path:
    """The local path of a video's file for a running job: its stored upload, or a (cached) download.

    ``ctx`` is the worker's job context (``store``, ``settings``, ``progress``)."""
    if video.get("blob"):
        return Path(ctx.store.blobs.local_path(video["blob"]))
    ctx.progress("download", 0, None)
    return download(video, ctx.settings.data_dir / "downloads", lambda done, total: ctx.progress("download", done, total, throttle_s=1.0))


def download(video: dict[str, Any], folder: Path, on_progress: Callable[[int, int | None], None]) -> Path:
    """Download a URL video into ``folder`` as ``<video_id>.<ext>`` unless it is already there.

    ``on_progress(done_bytes, total_bytes)`` is fed by yt-dlp's ``progress_hooks``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cached = [p for p in folder.glob(f"{video['_id']}.*") if not p.name.endswith((".part", ".ytdl"))]
    if cached:
        return cached[0]

    def hook(status: dict[str, Any]) -> None:
        if status.get("status") == "downloading":
            on_progress(int(status.get("downloaded_bytes") or 0), status.get("total_bytes") or status.get("total_bytes_estimate"))

    opts = {
        **_YDL_BASE,
        "outtmpl": str(folder / f"{video['_id']}.%(ext)s"),
        "format": "b[height<=720]/bv*[height<=720]/b/bv*",
        "progress_hooks": [hook],
    }
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(video["url"], download=True)
            path = Path(ydl.prepare_filename(info))
    except yt_dlp.utils.DownloadError as err:
        reason = str(err).removeprefix("ERROR: ").strip()
        raise DownloadError(f"Could not download {video['url']}: {reason}. Retry the job later, or upload the file instead.") from err
    if not path.is_file():
        found = [p for p in folder.glob(f"{video['_id']}.*") if not p.name.endswith((".part", ".ytdl"))]
        if not found:
            raise DownloadError(f"yt-dlp reported success for {video['url']} but wrote no file. Retry the job.")
        path = found[0]
    return path
