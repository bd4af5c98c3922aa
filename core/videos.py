"""The video catalogue: list, look up, set the business view count, delete with all results."""
from __future__ import annotations

from typing import Any

import pandas as pd

from core.errors import IngestError, NotFoundError
from core.jobs import utcnow

VIDEO_COLUMNS = ["video_id", "title", "channel", "source", "duration_s", "views", "views_source", "view_count", "like_count", "upload_date", "url", "created_at"]


def effective_views(video: dict[str, Any]) -> int | None:
    """The analyst's figure when set, else YouTube's ``view_count`` (None when neither exists)."""
    if video.get("views_override") is not None:
        return int(video["views_override"])
    if video.get("view_count") is not None:
        return int(video["view_count"])
    return None


def get_video(store: Any, video_id: str) -> dict[str, Any]:
    video = store.videos.find_one({"_id": video_id})
    if video is None:
        raise NotFoundError(f"No video with id {video_id}. Run `python -m core videos` (or open the Videos page) to see the ids.")
    return video


def list_videos(store: Any) -> pd.DataFrame:
    """One row per video, newest first, with the columns of :data:`VIDEO_COLUMNS`."""
    rows = []
    for v in store.videos.find({}, sort=[("created_at", -1)]):
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


def set_views(store: Any, video_id: str, views: int | None) -> None:
    """Set (or with None, clear) the analyst's view count for a video."""
    if views is not None and int(views) < 0:
        raise IngestError(f"Views must be zero or more, not {views}.")
    res = store.videos.update_one({"_id": video_id}, {"$set": {"views_override": None if views is None else int(views), "updated_at": utcnow()}})
    if not res.matched_count:
        raise NotFoundError(f"No video with id {video_id}.")


def delete_video(store: Any, video_id: str) -> dict[str, int]:
    """Delete a video with its runs, frames, thumbnails, jobs and stored file.

    Running jobs are asked to cancel first; children go before the video document, so an
    interrupted delete can simply be repeated. Returns counts of what was removed.
    """
    video = get_video(store, video_id)
    run_ids = [r["_id"] for r in store.runs.find({"video_id": video_id}, {"_id": 1})]
    store.jobs.update_many({"params.video_id": video_id, "state": "running"}, {"$set": {"cancel_requested": True}})
    store.jobs.update_many({"params.video_id": video_id, "state": "queued"}, {"$set": {"state": "cancelled", "finished_at": utcnow()}})
    counts = {
        "frames": store.frames.delete_many({"run_id": {"$in": run_ids}}).deleted_count if run_ids else 0,
        "thumbs": store.thumbs.delete_many({"run_id": {"$in": run_ids}}).deleted_count if run_ids else 0,
        "run_top1": store.run_top1.delete_many({"_id": {"$in": run_ids}}).deleted_count if run_ids else 0,
        "runs": store.runs.delete_many({"video_id": video_id}).deleted_count,
        "jobs": store.jobs.delete_many({"params.video_id": video_id, "state": {"$ne": "running"}}).deleted_count,
    }
    if video.get("blob"):
        store.blobs.delete(video["blob"])
    store.videos.delete_one({"_id": video_id})
    return counts
