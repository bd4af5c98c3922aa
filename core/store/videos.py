"""Videos: one document per added video (metadata, ``source_key``, ``views_override``, ``blob``)."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from core.store.blobs import BlobStore
from core.store.jobs import JobRepository
from core.store.protocol import Database
from core.store.repository import Repository
from core.store.runs import FrameRepository, RunRepository
from core.store.scenes import SceneRepository


class VideoRepository(Repository):
    COLLECTION = "videos"
    MISSING = "No video with id {id}. Run `python -m core videos` (or open the Videos page) to see the ids."

    def __init__(
        self, db: Database, runs: RunRepository, frames: FrameRepository, jobs: JobRepository, blobs: BlobStore, scenes: SceneRepository | None = None
    ) -> None:
        super().__init__(db)
        self._runs, self._frames, self._jobs, self._blobs, self._scenes = runs, frames, jobs, blobs, scenes

    def list(self) -> list[dict[str, Any]]:
        """Every video, newest first."""
        return list(self._c.find({}, sort=[("created_at", -1)]))

    def ids(self) -> list[str]:
        """Every video id, oldest first (the order analyses and exports list videos in)."""
        return [v["_id"] for v in self._c.find({}, {"_id": 1}, sort=[("created_at", 1)])]

    def id_by_source(self, source_key: str) -> str | None:
        """The id of the video added from the same source (URL key or file hash), if any."""
        doc = self._c.find_one({"source_key": source_key}, {"_id": 1})
        return doc["_id"] if doc else None

    def insert_unique(self, doc: dict[str, Any]) -> tuple[str, bool]:
        """Insert, or return the id of the video with the same ``source_key``: ``(video_id, created)``.

        Two adds of one source at once both get the one document (the unique index decides)."""
        existing = self.id_by_source(doc["source_key"])
        if existing:
            return existing, False
        try:
            self._c.insert_one(doc)
        except DuplicateKeyError:
            existing = self.id_by_source(doc["source_key"])
            if existing is None:
                raise
            return existing, False
        return doc["_id"], True

    def delete_with_results(self, video_id: str) -> dict[str, int]:
        """Delete a video with its runs, frames, thumbnails, jobs and stored file (and its browser copy).

        Running jobs are asked to cancel first; children go before the video document, so an
        interrupted delete can simply be repeated. Returns counts of what was removed.
        """
        video = self.get(video_id)
        run_ids = self._runs.ids_for_video(video_id)
        self._jobs.cancel_for_video(video_id)
        counts = self._frames.delete_runs(run_ids)
        counts["run_top1"] = self._runs.delete_top1(run_ids)
        if self._scenes is not None:
            counts["scenes"] = self._scenes.delete_runs(run_ids)
        counts["runs"] = self._runs.delete_for_video(video_id)
        counts["jobs"] = self._jobs.delete_for_video(video_id)
        for key in ("blob", "preview_blob"):  # the file and its browser copy
            if video.get(key):
                self._blobs.delete(video[key])
        self._c.delete_one({"_id": video_id})
        return counts
