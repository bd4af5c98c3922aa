"""Which image each name in a labels CSV means, and how many of the names matched.

A mapping CSV for training and a labels CSV for accuracy both name images by file name. A name
means the image at that path relative to the folder (``frame0.jpg``, or ``part1/frame0.jpg`` for an
image in a sub-folder) or, failing that, the one image of that file name in any sub-folder. When
several sub-folders hold an image of that name, the name is ambiguous and means none of them.

:class:`LabelMatch` counts the labels that matched and keeps an example of each naming, so a user
whose labels name ``frame0.jpg…`` while the images are ``test0.jpg…`` reads both in one sentence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


class ImageNames:
    """The images of one folder, looked up by relative path or by file name."""

    def __init__(self, paths: Iterable[str]) -> None:
        """``paths``: each image's POSIX path relative to the folder, in the order to show them."""
        self.paths = list(paths)
        self._exact = set(self.paths)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for path in self.paths:
            self._by_name[path.rsplit("/", 1)[-1]].append(path)

    def candidates(self, name: str) -> list[str]:
        """The images ``name`` may mean: one path when it matches, several when it is ambiguous, none when no image has it."""
        if name in self._exact:
            return [name]
        return list(self._by_name.get(name, []))

    def resolve(self, name: str) -> str | None:
        """The one image ``name`` means, or None (no image, or several: see :meth:`candidates`)."""
        found = self.candidates(name)
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class LabelMatch:
    """How many of a CSV's labels named an image (or a sampled frame) of the source."""

    given: int
    """Labels in the CSV (data rows)."""
    matched: int
    """Labels that named an image (or frame) of the source."""
    unmatched_example: str = ""
    """The first label that matched nothing, as the CSV names it (e.g. ``frame0.jpg``, ``frame 900``)."""
    source_example: str = ""
    """How the source names its images or frames (e.g. ``test0.jpg``, ``0 to 238``)."""
    target: str = "an image"
    """What a label should match, with its article: ``an image`` or ``a sampled frame``."""
    source_noun: str = "images"
    """What the source's items are called: ``images`` or ``sampled frames``."""

    @property
    def complete(self) -> bool:
        return self.matched == self.given

    def count(self) -> str:
        """``"0 of 186 labels matched an image"``."""
        return f"{self.matched} of {self.given} label{'s' if self.given != 1 else ''} matched {self.target}"

    def naming(self, labels: str = "labels") -> str:
        """``"labels name frame0.jpg, images are test0.jpg"``, with an unmatched label as the example."""
        return f"{labels} name {self.unmatched_example}, {self.source_noun} are {self.source_example}"

    def accuracy_note(self) -> str | None:
        """What the labels mean for accuracy, in one sentence; None when every label matched."""
        if self.complete:
            return None
        if self.matched == 0:
            return f"{self.count()} ({self.naming()}), so accuracy cannot be measured. Check that the labels CSV names these {self.source_noun}."
        return f"{self.count()}; accuracy is measured on the {self.matched} that did ({self.naming('unmatched labels')})."


def match_images(names: list[str], images: ImageNames, target: str = "an image") -> LabelMatch:
    """Count the ``names`` (one per label) that mean exactly one of ``images``; the example of an
    unmatched label is the first that names no image at all, else the first ambiguous one."""
    unresolved = [name for name in names if images.resolve(name) is None]
    absent = [name for name in unresolved if not images.candidates(name)]
    example = (absent or unresolved or [""])[0]
    return LabelMatch(len(names), len(names) - len(unresolved), example, images.paths[0] if images.paths else "none", target)
