"""Label categories: the user's own mapping of ImageNet labels to categories.

``label_categories`` holds one document per named mapping; the product uses one, ``custom`` ("My
categories"). Saving replaces the whole document in one write, so a mapping is either the old one
or the new one, never a mix.
"""

from __future__ import annotations

from typing import Any

from core.store.documents import utcnow
from core.store.repository import Repository

CUSTOM = "custom"
"""Id of the user's mapping."""


class CategoryMappingRepository(Repository):
    COLLECTION = "label_categories"
    MISSING = "There is no category mapping {id}. Upload a category CSV on the Label categories page."
    NOUN = "category mapping"

    def mapping(self, name: str = CUSTOM) -> dict[str, str] | None:
        """Label name → category of the stored mapping, or None when none is stored."""
        doc = self._c.find_one({"_id": name}, {"pairs": 1})
        return {label: category for label, category in doc["pairs"]} if doc else None

    def info(self, name: str = CUSTOM) -> dict[str, Any] | None:
        """The mapping's ``file_name``, ``saved_at``, ``labels`` and ``categories`` (counts), without its pairs."""
        return self._c.find_one({"_id": name}, {"pairs": 0})

    def save(self, mapping: dict[str, str], file_name: str, name: str = CUSTOM) -> None:
        """Store ``mapping`` (label name → category) under ``name``, replacing any stored one in one write.

        Pairs are stored as a list (label names may hold characters MongoDB keys may not)."""
        doc = {
            "_id": name,
            "pairs": [[label, category] for label, category in sorted(mapping.items())],
            "file_name": file_name,
            "labels": len(mapping),
            "categories": len(set(mapping.values())),
            "saved_at": utcnow(),
        }
        self._c.replace_one({"_id": name}, doc, upsert=True)

    def delete(self, name: str = CUSTOM) -> bool:
        """Remove the mapping; False when none was stored."""
        return self._c.delete_one({"_id": name}).deleted_count == 1
