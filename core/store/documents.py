"""Small helpers every repository shares: ids, timestamps, idempotent bulk inserts, get-or-raise."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pymongo.errors import BulkWriteError

from core.errors import NotFoundError
from core.store.protocol import Collection

ID_LETTERS = frozenset("abcdf")
"""Every new id holds at least one of these hex letters (not ``e``), so no CSV reader or spreadsheet
takes it for a number: ``123456789012`` would lose its digits' meaning, ``534e24119183`` would read
as 5.34 × 10^24119183."""


def new_id() -> str:
    """A 12-hex-digit random id, short enough to type in the CLI, that never reads as a number
    (:data:`ID_LETTERS`; about 1 draw in 90 is drawn again)."""
    while True:
        candidate = uuid.uuid4().hex[:12]
        if not ID_LETTERS.isdisjoint(candidate):
            return candidate


def utcnow() -> dt.datetime:
    """Now, timezone-aware UTC (what both stores return)."""
    return dt.datetime.now(dt.UTC)


def insert_ignoring_duplicates(collection: Collection, docs: list[dict[str, Any]]) -> int:
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


def found(doc: dict[str, Any] | None, message: str) -> dict[str, Any]:
    """``doc``, or :class:`NotFoundError` with ``message`` (which says what to do) when it is None."""
    if doc is None:
        raise NotFoundError(message)
    return doc
