"""The video catalogue: list, look up, set the business view count, delete with all results."""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.config import Settings
from core.errors import IngestError, NotFoundError
from core.media.downloads import remove_download
from core.store import Store, utcnow

VIDEO_COLUMNS = [
    "video_id",
    "title",
    "channel",
    "source",
    "duration_s",
    "views",
    "views_source",
    "view_count",
    "like_count",
    "upload_date",
    "url",
    "created_at",
]


def effective_views(video: dict[str, Any]) -> int | None:
    """The analyst's figure when set, else YouTube's ``view_count`` (None when neither exists)."""
    if video.get("views_override") is not None:
        return int(video["views_override"])
    if video.get("view_count") is not None:
        return int(video["view_count"])
    return None


def get_video(store: Store, video_id: str) -> dict[str, Any]:
    """The video document, or :class:`NotFoundError` saying where to find the ids."""
    return store.videos.get(video_id)


def list_videos(store: Store) -> pd.DataFrame:
    """One row per video, newest first, with the columns of :data:`VIDEO_COLUMNS`."""
    rows = []
    for v in store.videos.list():
        rows.append(
            {
                "video_id": v["_id"],
                "title": v.get("title"),
                "channel": v.get("channel"),
                "source": v.get("source"),
                "duration_s": v.get("duration"),
                "views": effective_views(v),
                "views_source": "analyst" if v.get("views_override") is not None else ("YouTube" if v.get("view_count") is not None else "none"),
                "view_count": v.get("view_count"),
                "like_count": v.get("like_count"),
                "upload_date": v.get("upload_date"),
                "url": v.get("webpage_url") or v.get("url"),
                "created_at": v.get("created_at"),
            }
        )
    return pd.DataFrame(rows, columns=VIDEO_COLUMNS)


def set_views(store: Store, video_id: str, views: int | None) -> None:
    """Set (or with None, clear) the analyst's view count for a video."""
    if views is not None and int(views) < 0:
        raise IngestError(f"Views must be zero or more, not {views}.")
    if not store.videos.set(video_id, views_override=None if views is None else int(views), updated_at=utcnow()):
        raise NotFoundError(f"No video with id {video_id}.")


def delete_video(store: Store, settings: Settings, video_id: str) -> dict[str, int]:
    """Delete a video with its runs, frames, thumbnails, jobs, stored file and downloaded copy;
    counts of what was removed (see :meth:`core.store.videos.VideoRepository.delete_with_results`).
    A copy being downloaded right now is removed by the next worker's start-up sweep."""
    counts = store.videos.delete_with_results(video_id)
    remove_download(settings, video_id)
    return counts
