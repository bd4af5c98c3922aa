"""The database: MongoDB through pymongo when a URI is configured, else the embedded store.

Both expose the same collection API, so every module above this one runs unchanged on either.

Collections (documents are keyed by short string ids):
- ``videos``: one per video; metadata, ``views_override``, ``blob`` for uploads.
- ``runs``: one per analysis of a video; ``settings``, ``state``, ``summary`` per model.
- ``frames``: one per (run, sampled frame), ``_id = "<run_id>:<frame>"``; ``preds[model]`` holds
  top-k ``labels`` and ``scores``.
- ``thumbs``: JPEG thumbnails, same ``_id`` as the frame.
- ``run_top1``: one per finished run, ``_id = run_id``: the top-1 label and score of every
  frame and model as parallel arrays, so analytics read one document per run, not every frame.
- ``labelsets``: labelled training images (see :mod:`core.trainingset`); ``classifiers``: trained
  screen-time classifiers, unique by ``(name, version)``; ``screentime_runs``: a classifier applied
  to a video or an image folder (see :mod:`core.screentime`).
- ``yt8m_datasets``, ``yt8m_videos``, ``yt8m_labels``, ``yt8m_models``: imported YouTube-8M
  records (statistics, one document per video and per (video, label) pair) and the multi-label
  models trained on them (see :mod:`core.yt8m`).
- ``jobs``: the work queue (see :mod:`core.jobs`); ``workers``: heartbeats (see :mod:`core.worker`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pymongo.errors import BulkWriteError, PyMongoError

from core.blobs import BlobStore, GridFSBlobs, LocalBlobs
from core.config import Settings
from core.docstore import EmbeddedDatabase
from core.errors import StoreError

log = logging.getLogger(__name__)

_INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    "videos": [([("source_key", 1)], True), ([("created_at", -1)], False)],
    "runs": [([("video_id", 1), ("created_at", -1)], False)],
    "frames": [([("run_id", 1), ("frame", 1)], True), ([("video_id", 1)], False)],
    "thumbs": [([("run_id", 1), ("frame", 1)], True)],
    "jobs": [([("state", 1), ("priority", -1), ("created_at", 1)], False), ([("params.run_id", 1)], False)],
    "workers": [([("last_seen", -1)], False)],
    "run_top1": [],
    "labelsets": [([("created_at", -1)], False)],
    "classifiers": [([("name", 1), ("version", 1)], True)],
    "screentime_runs": [([("classifier_id", 1), ("created_at", -1)], False)],
    "yt8m_datasets": [([("created_at", -1)], False)],
    "yt8m_videos": [([("dataset", 1), ("video_id", 1)], True)],
    "yt8m_labels": [([("dataset", 1), ("label", 1), ("video_id", 1)], True)],
    "yt8m_models": [([("dataset", 1), ("created_at", -1)], False)],
}


@dataclass
class Store:
    """Handles to every collection and the blob store, one per process."""

    db: Any
    blobs: BlobStore
    kind: str
    """``embedded`` or ``mongodb``."""
    location: str

    def __getattr__(self, name: str) -> Any:
        if name in _INDEXES:
            return self.db[name]
        raise AttributeError(name)

    def ensure_indexes(self) -> None:
        for coll, specs in _INDEXES.items():
            for keys, unique in specs:
                self.db[coll].create_index(keys, unique=unique)


def open_store(settings: Settings) -> Store:
    """Connect (or open the folder), create indexes, and return the :class:`Store`."""
    if settings.uses_mongo:
        import gridfs
        from pymongo import MongoClient

        try:
            client: Any = MongoClient(settings.db, tz_aware=True, serverSelectionTimeoutMS=5000)
            db = client.get_default_database("reelsight")
            db.command("ping")
        except PyMongoError as err:
            raise StoreError(f"Cannot reach MongoDB at {settings.db}: {err}. Start MongoDB or unset REELSIGHT_DB to use the embedded store.") from err
        store = Store(db=db, blobs=GridFSBlobs(gridfs.GridFS(db), settings.data_dir / "cache"), kind="mongodb", location=settings.db)
    else:
        try:
            db = EmbeddedDatabase(settings.db)
        except OSError as err:
            raise StoreError(f"Cannot open the embedded database folder {settings.db}: {err}. Choose a writable folder with REELSIGHT_DB.") from err
        store = Store(db=db, blobs=LocalBlobs(settings.data_dir / "blobs"), kind="embedded", location=str(db.path))
    store.ensure_indexes()
    return store


def insert_ignoring_duplicates(collection: Any, docs: list[dict[str, Any]]) -> int:
    """Bulk insert; documents whose ``_id`` or unique key already exists are skipped.

    Returns the number inserted. This is what makes a resumed job idempotent.
    """
    if not docs:
        return 0
    try:
        return len(collection.insert_many(docs, ordered=False).inserted_ids)
    except BulkWriteError as err:
        errors = err.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        return int(err.details.get("nInserted", len(docs) - len(errors)))
