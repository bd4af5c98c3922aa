"""Adding videos: YouTube URLs through yt-dlp's Python API, local files and dashboard uploads.

Adding reads metadata only (``extract_info(download=False)`` for URLs, a probe for files); the
worker downloads. Nothing is written to the database until every check has passed.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any

import yt_dlp

from core.config import Settings
from core.errors import IngestError
from core.media import frames
from core.media.fetch import YDL_OPTIONS, GuardedYoutubeDL, HostNotAllowed, check_url, fetchable, safe_format
from core.store import Store, new_id, utcnow

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = ("mp4", "mov", "avi", "mkv", "webm")
METADATA_FIELDS = ("title", "description", "tags", "channel", "upload_date", "duration", "view_count", "like_count", "webpage_url")


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.0f} MB"


def is_url(source: str) -> bool:
    return "://" in source


def _views(views: int | None) -> int | None:
    if views is None:
        return None
    if int(views) < 0:
        raise IngestError(f"Views must be zero or more, not {views}.")
    return int(views)


def add_url(store: Store, settings: Settings, url: str, views: int | None = None, title: str | None = None) -> tuple[str, bool]:
    """Read a URL's metadata with yt-dlp and store the video. Returns ``(video_id, created)``.

    Raises :class:`~core.errors.HostUnreachable` when the server cannot reach the host (the link
    may be fine), :class:`~core.errors.DownloadError` when the site refuses the link (both with
    yt-dlp's text as ``detail``), and :class:`~core.errors.IngestError` for a refused host or limit.

    A playlist or feed is read flat (its entries are listed, not fetched) and refused. The URL the
    user gave is stored; the worker downloads it again through the same checks."""
    url = check_url(url, settings.allowed_hosts)
    views = _views(views)
    opts = {**YDL_OPTIONS, "extract_flat": "in_playlist", "format": safe_format()}
    with GuardedYoutubeDL(opts, settings.allowed_hosts) as ydl:
        try:
            info = ydl.sanitize_info(ydl.extract_info(url, download=False))
        except (yt_dlp.utils.DownloadError, HostNotAllowed) as err:  # a refused request may come out unwrapped
            raise ydl.download_error(url, err, "Check that the link opens in a browser.") from err
    if info.get("_type") in ("playlist", "multi_video") or info.get("entries") is not None:
        n = len(info.get("entries") or [])
        raise IngestError(f"{url} is a playlist or feed of {n} video(s), not one video. Paste the links of the videos you want, one per line.")
    _check_limits(url, info, settings)
    meta = {k: info.get(k) for k in METADATA_FIELDS}
    page = meta.get("webpage_url")
    meta["webpage_url"] = page if page and fetchable(page, settings.allowed_hosts) else url
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


def _check_limits(url: str, info: dict[str, Any], settings: Settings) -> None:
    """Refuse a video longer than ``max_duration_s`` or, when yt-dlp knows its size, larger than ``max_upload_mb``."""
    duration = info.get("duration")
    if duration is not None and float(duration) > settings.max_duration_s:
        raise IngestError(
            f"{url} is {float(duration) / 60:.0f} min long, over the {settings.max_duration_s / 60:.0f} min limit. "
            "Use a shorter video, or raise REELSIGHT_MAX_DURATION_S."
        )
    size = info.get("filesize") or info.get("filesize_approx")
    if size is not None and size > settings.max_upload_mb * 2**20:
        raise IngestError(f"{url} is about {_mb(size)}, over the {settings.max_upload_mb} MB limit. Use a shorter video, or raise REELSIGHT_MAX_UPLOAD_MB.")


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
