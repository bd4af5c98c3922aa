"""Storage: one store protocol (:mod:`~core.store.protocol`) that MongoDB and the embedded SQLite
store both satisfy, typed repositories over it, and a blob store (a folder, or GridFS).

Offers :class:`Store` (``store.videos``, ``.runs``, ``.frames``, ``.scenes``, ``.jobs``, ``.workers``,
``.labelsets``, ``.classifiers``, ``.screentime_runs``, ``.yt8m_datasets``, ``.yt8m_models``, ``.label_categories``,
``.blobs``), :func:`open_store`, :func:`new_id`, :func:`utcnow`, :func:`new_job`, and
:class:`VersionConflict`, and :func:`file_lock` (a lock that dies with its process, for partial files). Operations on several documents are one repository method each: a
document and its job, and a versioned insert, succeed together or leave nothing; a delete with its
children removes the children first, so an interrupted delete can be repeated.
"""

from core.store.database import Store, open_store
from core.store.documents import new_id, utcnow
from core.store.filelock import file_lock
from core.store.jobs import DEFAULT_MAX_ATTEMPTS, new_job
from core.store.screentime import VERSION_ATTEMPTS, VersionConflict

__all__ = ["DEFAULT_MAX_ATTEMPTS", "VERSION_ATTEMPTS", "Store", "VersionConflict", "file_lock", "new_id", "new_job", "open_store", "utcnow"]
