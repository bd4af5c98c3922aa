"""YouTube-8M: imported datasets, their records, and the models trained on them.

- ``yt8m_datasets``: vocabulary, record files, ``stats`` once imported.
- ``yt8m_videos``: one per (dataset, video): its label indices. ``yt8m_labels``: one per (dataset,
  label, video), so "videos having a label" is one indexed query.
- ``yt8m_models``: multi-label models with metrics, per-class table and two blobs (model, test predictions).
"""

from __future__ import annotations

from typing import Any

from core.store.documents import insert_ignoring_duplicates
from core.store.jobs import JobRepository
from core.store.protocol import Database
from core.store.repository import JobOwnerRepository, Repository


class YT8MDatasetRepository(JobOwnerRepository):
    COLLECTION = "yt8m_datasets"
    MISSING = "YouTube-8M dataset {id} does not exist. Import the records again."
    NOUN = "YouTube-8M import"

    def __init__(self, db: Database, jobs: JobRepository) -> None:
        super().__init__(db, jobs)
        self._videos = db["yt8m_videos"]
        self._labels = db["yt8m_labels"]

    def list(self) -> list[dict[str, Any]]:
        """Every dataset, newest first."""
        return list(self._c.find({}, sort=[("created_at", -1)]))

    def count_imported(self) -> int:
        return self._c.count_documents({"imported_at": {"$exists": True}})

    def add_videos(self, dataset_id: str, videos: list[dict[str, Any]]) -> None:
        """Store ``{"video_id", "labels"}`` records of a dataset (again: skipped), with their (video, label) pairs."""
        docs = [{"_id": f"{dataset_id}:{v['video_id']}", "dataset": dataset_id, "video_id": v["video_id"], "labels": v["labels"]} for v in videos]
        insert_ignoring_duplicates(self._videos, docs)
        pairs = [{"_id": f"{d['_id']}:{label}", "dataset": dataset_id, "label": label, "video_id": d["video_id"]} for d in docs for label in d["labels"]]
        insert_ignoring_duplicates(self._labels, pairs)

    def delete_with_records(self, dataset_id: str) -> None:
        """Delete a dataset and every record stored for it (records first)."""
        self._videos.delete_many({"dataset": dataset_id})
        self._labels.delete_many({"dataset": dataset_id})
        self._c.delete_one({"_id": dataset_id})

    def count_with_labels(self, dataset_id: str, labels: list[int]) -> int:
        """(video, label) pairs of the dataset with one of ``labels``."""
        return self._labels.count_documents({"dataset": dataset_id, "label": {"$in": labels}})

    def videos_with_labels(self, dataset_id: str, labels: list[int], limit: int) -> tuple[int, list[str]]:
        """How many videos have one of ``labels``, and the first ``limit`` of their ids in id order."""
        flt = {"dataset": dataset_id, "label": {"$in": labels}}
        total = len(self._labels.distinct("video_id", flt))
        ids: list[str] = []
        for doc in self._labels.find(flt, {"video_id": 1}, sort=[("video_id", 1)]):
            if doc["video_id"] not in ids:
                ids.append(doc["video_id"])
            if len(ids) == limit:
                break
        return total, ids

    def video_labels(self, dataset_id: str, video_ids: list[str]) -> dict[str, list[int]]:
        """Video id → its label indices, for the given videos of a dataset."""
        return {d["video_id"]: d["labels"] for d in self._videos.find({"_id": {"$in": [f"{dataset_id}:{v}" for v in video_ids]}})}

    def count_videos(self, dataset_id: str) -> int:
        return self._videos.count_documents({"dataset": dataset_id})


class YT8MModelRepository(Repository):
    COLLECTION = "yt8m_models"
    MISSING = "YouTube-8M model {id} does not exist."

    def insert(self, doc: dict[str, Any]) -> str:
        self._c.insert_one(doc)
        return str(doc["_id"])

    def list(self, dataset_id: str) -> list[dict[str, Any]]:
        """Models of a dataset, newest first, without their training history."""
        return list(self._c.find({"dataset": dataset_id}, {"history": 0}, sort=[("created_at", -1)]))
