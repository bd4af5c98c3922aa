"""Screen time: labelled training sets, trained classifiers and screen-time runs.

- ``labelsets``: labelled images (classes, items, notes, counts, a ZIP ``blob`` of the images).
- ``classifiers``: trained character classifiers, unique by ``(name, version)``; ``blob`` holds the model.
- ``screentime_runs``: a classifier applied to a video or an image folder; ``result`` holds per-frame probabilities.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from core.errors import StoreError
from core.store.documents import new_id
from core.store.repository import JobOwnerRepository, Repository

VERSION_ATTEMPTS = 5
"""Tries at the next free version number before a classifier's insert gives up."""


class VersionConflict(StoreError):
    """Every version number tried was taken by another insert of the same name first."""


class LabelSetRepository(Repository):
    COLLECTION = "labelsets"
    MISSING = "Training set {id} does not exist (it may have been deleted). Upload the training images again."

    def insert(self, doc: dict[str, Any]) -> str:
        self._c.insert_one(doc)
        return str(doc["_id"])

    def list(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Sets (of one kind, or all), newest first, without their items."""
        return list(self._c.find({"kind": kind} if kind else {}, {"items": 0}, sort=[("created_at", -1)]))


class ClassifierRepository(Repository):
    COLLECTION = "classifiers"
    MISSING = "No classifier with id {id}."

    def insert_versioned(self, doc: dict[str, Any]) -> None:
        """Insert ``doc`` as the next version of its name; sets ``_id`` and ``version``.

        Another insert of the same name may take a version first; after :data:`VERSION_ATTEMPTS`
        such races it raises :class:`VersionConflict` and nothing is stored."""
        for _ in range(VERSION_ATTEMPTS):
            latest = self._c.find_one({"name": doc["name"]}, {"version": 1}, sort=[("version", -1)])
            doc.update(_id=new_id(), version=(latest["version"] + 1) if latest else 1)
            try:
                self._c.insert_one(doc)
                return
            except DuplicateKeyError:
                continue
        raise VersionConflict(f"other inserts of {doc['name']} took each of {VERSION_ATTEMPTS} version numbers first")

    def latest(self, name: str, version: int | None = None) -> dict[str, Any] | None:
        """The newest version of a name, or the given version."""
        query: dict[str, Any] = {"name": name} if version is None else {"name": name, "version": version}
        return self._c.find_one(query, sort=[("version", -1)])

    def names(self) -> list[str]:
        """Every classifier name, sorted."""
        return sorted({d["name"] for d in self._c.find({}, {"name": 1})})

    def list(self) -> list[dict[str, Any]]:
        """Every classifier, newest first, without its training history."""
        return list(self._c.find({}, {"metrics.history": 0}, sort=[("created_at", -1)]))


class ScreenTimeRunRepository(JobOwnerRepository):
    COLLECTION = "screentime_runs"
    MISSING = "Screen-time run {id} does not exist."
    NOUN = "screen-time run"

    def list(self) -> list[dict[str, Any]]:
        """Every run, newest first, without the per-frame arrays."""
        return list(self._c.find({}, {"result": 0, "labels": 0}, sort=[("created_at", -1)]))

    def finished(self) -> list[dict[str, Any]]:
        """Finished runs, latest first, without labels and probabilities."""
        return list(self._c.find({"finished_at": {"$exists": True}}, {"labels": 0, "result.probs": 0}, sort=[("finished_at", -1)]))

    def count_finished(self) -> int:
        return self._c.count_documents({"finished_at": {"$exists": True}})
