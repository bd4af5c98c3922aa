"""The base of every repository: typed methods over one collection of the store protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import StoreError
from core.store.documents import found
from core.store.protocol import Collection, Database

if TYPE_CHECKING:
    from core.store.jobs import JobRepository


class Repository:
    """One collection. Subclasses name it (``COLLECTION``) and say what "not found" means."""

    COLLECTION: str = ""
    MISSING = "No document with id {id}."
    """The :class:`~core.errors.NotFoundError` message of :meth:`get`; ``{id}`` is the id asked."""
    NOUN = "document"
    """What one document is, in the user's words (for messages)."""

    def __init__(self, db: Database) -> None:
        self._c: Collection = db[self.COLLECTION]

    def find(self, doc_id: str, fields: dict[str, int] | None = None) -> dict[str, Any] | None:
        """The document with ``_id == doc_id`` (only ``fields`` when given), else None."""
        return self._c.find_one({"_id": doc_id}, fields)

    def get(self, doc_id: str) -> dict[str, Any]:
        """The document, or :class:`~core.errors.NotFoundError` with a message saying what to do."""
        return found(self._c.find_one({"_id": doc_id}), self.MISSING.format(id=doc_id))

    def exists(self, doc_id: str) -> bool:
        return self._c.find_one({"_id": doc_id}, {"_id": 1}) is not None

    def set(self, doc_id: str, **fields: Any) -> bool:
        """``$set`` fields (dotted names through ``**{"a.b": v}``); False when there is no such document."""
        return self._c.update_one({"_id": doc_id}, {"$set": fields}).matched_count == 1

    def count(self, **equal: Any) -> int:
        """Documents whose fields equal the given values (all documents without arguments)."""
        return self._c.count_documents(dict(equal))

    def by_job(self, job_id: str) -> dict[str, Any] | None:
        """The document a job created (``job_id`` field), if it has been stored."""
        return self._c.find_one({"job_id": job_id})


class JobOwnerRepository(Repository):
    """A collection whose documents are each created together with the job that processes them."""

    def __init__(self, db: Database, jobs: JobRepository) -> None:
        super().__init__(db)
        self._jobs = jobs

    def create_with_job(self, doc: dict[str, Any], job: dict[str, Any]) -> str:
        """Store ``doc`` with ``job_id`` set, then queue ``job``: both or neither; returns the job id.

        When the job cannot be stored, ``doc`` is deleted again and :class:`StoreError` raised."""
        doc["job_id"] = job["_id"]
        self._c.insert_one(doc)
        try:
            self._jobs.insert(job)
        except Exception as err:  # whatever failed, the document must not stay without its job
            self._c.delete_one({"_id": doc["_id"]})
            raise StoreError(
                f"Could not queue the {self.NOUN}: the database did not take its job ({type(err).__name__}). Nothing was saved; try again."
            ) from err
        return str(job["_id"])
