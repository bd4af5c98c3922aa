"""Scene structure per run: ``scenes``, one document per analysis run that detected it.

``_id = run_id``; ``video_id``, ``created_at``, ``fps``, ``frame_count``, ``shots`` (``[start,
end]`` frame pairs, end exclusive), ``segments`` (``{"kind", "start", "end"}``), ``settings``, and
the frame signatures of the first and last minute (``head``/``tail`` bytes with their frame
indices) that intro/outro matching compares across videos. See :mod:`core.media.scenes`.
"""

from __future__ import annotations

from typing import Any

from core.store.repository import Repository

SIGNATURE_FIELDS = ("head", "tail", "head_frames", "tail_frames")
"""The bulky fields, left out unless asked for."""


class SceneRepository(Repository):
    COLLECTION = "scenes"
    MISSING = "No shots or segments are stored for run {id}. Analyse the video again with shot detection on."
    NOUN = "scene structure"

    def save(self, run_id: str, video_id: str, doc: dict[str, Any], created_at: Any) -> None:
        """Store (or replace) the scene structure of a run."""
        self._c.replace_one({"_id": run_id}, {**doc, "_id": run_id, "video_id": video_id, "created_at": created_at}, upsert=True)

    def of_run(self, run_id: str, signatures: bool = False) -> dict[str, Any] | None:
        """The run's document (without the signatures unless asked), else None."""
        return self._c.find_one({"_id": run_id}, None if signatures else dict.fromkeys(SIGNATURE_FIELDS, 0))

    def of_runs(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """``run_id → document`` (no signatures) for the runs that have one."""
        if not run_ids:
            return {}
        return {d["_id"]: d for d in self._c.find({"_id": {"$in": list(run_ids)}}, dict.fromkeys(SIGNATURE_FIELDS, 0))}

    def latest(self, video_id: str, signatures: bool = False) -> dict[str, Any] | None:
        """The newest scene structure of a video, else None."""
        return self._c.find_one({"video_id": video_id}, None if signatures else dict.fromkeys(SIGNATURE_FIELDS, 0), sort=[("created_at", -1)])

    def delete_runs(self, run_ids: list[str]) -> int:
        return int(self._c.delete_many({"_id": {"$in": list(run_ids)}}).deleted_count) if run_ids else 0
