"""The database: MongoDB through pymongo when a URI is configured, else the embedded store.

Both satisfy :mod:`core.store.protocol`; :class:`Store` puts typed repositories over it, so every
module above this package runs unchanged on either and never writes a query itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import PyMongoError

from core.config import Settings, redact
from core.errors import StoreError
from core.store.blobs import BlobStore, GridFSBlobs, LocalBlobs
from core.store.categories import CategoryMappingRepository
from core.store.embedded import EmbeddedDatabase
from core.store.jobs import JobRepository, WorkerRepository
from core.store.protocol import Database
from core.store.runs import FrameRepository, RunRepository
from core.store.scenes import SceneRepository
from core.store.screentime import ClassifierRepository, LabelSetRepository, ScreenTimeRunRepository
from core.store.videos import VideoRepository
from core.store.yt8m import YT8MDatasetRepository, YT8MModelRepository

log = logging.getLogger(__name__)

INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    "videos": [([("source_key", 1)], True), ([("created_at", -1)], False)],
    "runs": [([("video_id", 1), ("created_at", -1)], False)],
    "frames": [([("run_id", 1), ("frame", 1)], True), ([("video_id", 1)], False)],
    "thumbs": [([("run_id", 1), ("frame", 1)], True)],
    "jobs": [([("state", 1), ("priority", -1), ("created_at", 1)], False), ([("params.run_id", 1)], False)],
    "workers": [([("last_seen", -1)], False)],
    "run_top1": [],
    "scenes": [([("video_id", 1), ("created_at", -1)], False)],
    "run_stats": [],
    "run_on_screen": [([("run_id", 1)], False)],
    "run_fits": [([("created_at", -1)], False)],
    "labelsets": [([("created_at", -1)], False)],
    "classifiers": [([("name", 1), ("version", 1)], True)],
    "screentime_runs": [([("classifier_id", 1), ("created_at", -1)], False)],
    "yt8m_datasets": [([("created_at", -1)], False)],
    "yt8m_videos": [([("dataset", 1), ("video_id", 1)], True)],
    "yt8m_labels": [([("dataset", 1), ("label", 1), ("video_id", 1)], True)],
    "yt8m_models": [([("dataset", 1), ("created_at", -1)], False)],
    "label_categories": [],
}
"""Collection → ``(keys, unique)`` of each index."""


@dataclass
class Store:
    """The repositories over one database, and the blob store; one per process."""

    db: Database
    """The raw database; only :mod:`core.store` (and tests) touch it."""
    blobs: BlobStore
    kind: str
    """``embedded`` or ``mongodb``."""
    location: str
    jobs: JobRepository = field(init=False)
    workers: WorkerRepository = field(init=False)
    runs: RunRepository = field(init=False)
    frames: FrameRepository = field(init=False)
    scenes: SceneRepository = field(init=False)
    videos: VideoRepository = field(init=False)
    labelsets: LabelSetRepository = field(init=False)
    classifiers: ClassifierRepository = field(init=False)
    screentime_runs: ScreenTimeRunRepository = field(init=False)
    yt8m_datasets: YT8MDatasetRepository = field(init=False)
    yt8m_models: YT8MModelRepository = field(init=False)
    label_categories: CategoryMappingRepository = field(init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.jobs = JobRepository(db)
        self.workers = WorkerRepository(db)
        self.runs = RunRepository(db, self.jobs)
        self.frames = FrameRepository(db)
        self.scenes = SceneRepository(db)
        self.videos = VideoRepository(db, self.runs, self.frames, self.jobs, self.blobs, self.scenes)
        self.labelsets = LabelSetRepository(db)
        self.classifiers = ClassifierRepository(db)
        self.screentime_runs = ScreenTimeRunRepository(db, self.jobs)
        self.yt8m_datasets = YT8MDatasetRepository(db, self.jobs)
        self.yt8m_models = YT8MModelRepository(db)
        self.label_categories = CategoryMappingRepository(db)

    def ensure_indexes(self) -> None:
        for coll, specs in INDEXES.items():
            for keys, unique in specs:
                self.db[coll].create_index(keys, unique=unique)


def _brief(err: Exception) -> str:
    """pymongo's reason without the timeouts and topology description it appends (a screenful)."""
    text = str(err)
    for tail in (", Timeout:", " (configured timeouts", ", Topology Description:"):
        text = text.split(tail, 1)[0]
    return text.strip()


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
            where, why = redact(settings.db), redact(_brief(err))
            raise StoreError(f"Cannot reach MongoDB at {where}: {why}. Start MongoDB or unset REELSIGHT_DB to use the embedded store.") from err
        store = Store(db=db, blobs=GridFSBlobs(gridfs.GridFS(db), settings.data_dir / "cache"), kind="mongodb", location=redact(settings.db))
    else:
        try:
            edb = EmbeddedDatabase(settings.db)
        except OSError as err:
            raise StoreError(f"Cannot open the embedded database folder {settings.db}: {err}. Choose a writable folder with REELSIGHT_DB.") from err
        store = Store(db=edb, blobs=LocalBlobs(settings.data_dir / "blobs"), kind="embedded", location=str(edb.path))
    store.ensure_indexes()
    return store
