"""Labelled training images for screen-time classifiers: read, validate, store, and load back.

Three sources, one result (:class:`TrainingSet`):
- a mapping CSV (``Image_ID,Class``, as in the Tom & Jerry tutorial) plus a folder or ZIP of images;
- a folder or ZIP with one sub-folder per class (as in the lecture's sports images);
- labels an analyst gave to sampled frames of an analysed video (see :func:`from_frame_labels`).

Validation collects every problem, each naming the CSV rows (line numbers as a spreadsheet shows
them, the header being line 1) or files, and raises one :class:`TrainingSetError`. Duplicate ids
with conflicting classes are dropped by default and reported in :attr:`TrainingSet.notes`.

A stored set is a document in ``labelsets`` plus, for image sets, one ZIP blob of its images, so
a worker on another machine can train from it.

Uploads are hostile until checked (:class:`Limits`): a ZIP is unpacked by
:func:`core.screentime.archive.extract_zip` (image entries only, capped in size, entry count and
compression ratio), and an image's pixel count is read from its header before it is decoded
(:func:`pixel_size`), so a small file cannot claim gigabytes of memory or disk.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import warnings
import weakref
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np
from PIL import Image

from core.config import MAX_ARCHIVE_ENTRIES, MAX_ARCHIVE_MB, MAX_COMPRESSION_RATIO, MAX_IMAGE_MP, Settings
from core.errors import TrainingSetError
from core.screentime import archive, matching
from core.store import Store, new_id, utcnow

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
ID_COLUMNS = ("image_id", "image", "filename", "file", "frame")
CLASS_COLUMNS = ("class", "label", "class_id")
MIN_PER_CLASS = 2
"""A class needs one image for training and one for validation."""
MAX_LISTED = 6
"""Problem messages list at most this many rows, then say how many more."""


@dataclass(frozen=True)
class Limits:
    """What unpacking and decoding one upload's images may cost; the defaults are the settings' defaults."""

    archive_mb: float = MAX_ARCHIVE_MB
    """Total unpacked size of a ZIP's images, in MB (2²⁰ bytes)."""
    archive_entries: int = MAX_ARCHIVE_ENTRIES
    """Entries of any kind in a ZIP."""
    compression_ratio: float = MAX_COMPRESSION_RATIO
    """Unpacked ÷ packed size of one image entry."""
    image_mp: float = MAX_IMAGE_MP
    """Pixels of one image, in megapixels (10⁶ pixels)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured by ``REELSIGHT_MAX_ARCHIVE_MB``, ``_ARCHIVE_ENTRIES``, ``_COMPRESSION_RATIO`` and ``_IMAGE_MP``."""
        return cls(settings.max_archive_mb, settings.max_archive_entries, settings.max_compression_ratio, settings.max_image_mp)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class LabelledImage:
    """One training example: ``image`` is a path relative to :attr:`TrainingSet.image_dir` (mapping
    sets: the file name, or ``folder/name`` for an image in a sub-folder; folder sets: ``class/file``)
    or ``video_id:frame`` (frame sets); ``class_id`` indexes :attr:`TrainingSet.classes`."""

    image: str
    class_id: int


@dataclass
class TrainingSet:
    kind: str
    """``mapping``, ``folders`` or ``frames``."""
    classes: dict[int, str]
    """Class id → display name, e.g. ``{0: "neither", 1: "Jerry", 2: "Tom"}``."""
    items: list[LabelledImage]
    image_dir: Path | None = None
    """Folder holding every ``item.image`` (None for frame sets)."""
    notes: list[str] = field(default_factory=list)
    """What validation changed, in plain words (e.g. dropped conflicting rows)."""

    def counts(self) -> dict[str, int]:
        """Class name → number of images."""
        tally = defaultdict(int)
        for item in self.items:
            tally[item.class_id] += 1
        return {self.classes[c]: tally[c] for c in sorted(self.classes)}


def _cell(row: list[str], col: int) -> str:
    """A CSV row's cell, stripped; empty when the row is short."""
    return row[col].strip() if col < len(row) else ""


def _rows(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:MAX_LISTED])
    more = f" and {len(lines) - MAX_LISTED} more" if len(lines) > MAX_LISTED else ""
    return f"row{'s' if len(lines) > 1 else ''} {shown}{more}"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def parse_classes(text: str | None) -> dict[int, str] | None:
    """``"0=neither,1=Jerry,2=Tom"`` → ``{0: "neither", 1: "Jerry", 2: "Tom"}``; empty → None."""
    if not text or not text.strip():
        return None
    classes: dict[int, str] = {}
    for part in text.split(","):
        key, sep, name = part.partition("=")
        try:
            class_id = int(key.strip())
        except ValueError as err:
            raise TrainingSetError(f"Class list {text!r}: {part.strip()!r} is not ID=NAME with an integer ID, e.g. 0=neither,1=Jerry,2=Tom.") from err
        if not sep or not name.strip():
            raise TrainingSetError(f"Class list {text!r}: {part.strip()!r} has no name; write it as ID=NAME, e.g. 1=Jerry.")
        if class_id in classes:
            raise TrainingSetError(f"Class list {text!r} names class {class_id} twice.")
        classes[class_id] = name.strip()
    if len(set(classes.values())) < len(classes):
        raise TrainingSetError(f"Class list {text!r} gives two classes the same name; names must be unique.")
    return classes


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def unpack_images(source: Path, into: Path, *, limits: Limits = DEFAULT_LIMITS) -> Path:
    """A folder as is, or the image entries of a ZIP unpacked into ``into``; returns the folder of images.

    A ZIP whose entries all sit under one top folder is entered, so ``frames.zip`` holding
    ``train_frames/frame0.jpg`` works like the folder ``train_frames``. A ZIP over ``limits`` is
    refused before anything is written (see :func:`core.screentime.archive.extract_zip`).
    """
    source = Path(source)
    if source.is_dir():
        return source
    if not source.is_file():
        raise TrainingSetError(f"No such folder or ZIP file: {source}.")
    into.mkdir(parents=True, exist_ok=True)
    archive.extract_zip(source, into, is_image_name, max_mb=limits.archive_mb, max_entries=limits.archive_entries, max_ratio=limits.compression_ratio)
    root = into
    while True:
        entries = [p for p in root.iterdir() if not _hidden(p.name)]
        if len(entries) == 1 and entries[0].is_dir():
            root = entries[0]
        else:
            return root


def is_image_name(name: str) -> bool:
    """True for a path ending in one of :data:`IMAGE_SUFFIXES` with no hidden or ``__MACOSX`` part."""
    return name.lower().endswith(IMAGE_SUFFIXES) and not _hidden(name)


def _hidden(path: str) -> bool:
    return any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(path).parts)


def _unpacked(source: Path, workdir: Path | None, limits: Limits, build: Callable[[Path], TrainingSet]) -> TrainingSet:
    """``build`` applied to the folder of ``source``'s images, a ZIP being unpacked under ``workdir``.

    Without ``workdir``, a ZIP goes to a new temporary folder, removed at once if ``build`` fails and
    otherwise when the returned set is garbage-collected (or the process exits).
    """
    source = Path(source)
    if source.is_dir():
        return build(source)
    scratch = Path(tempfile.mkdtemp(prefix="reelsight-set-")) if workdir is None else None
    try:
        result = build(unpack_images(source, scratch or Path(workdir), limits=limits))
    except BaseException:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    if scratch is not None:
        weakref.finalize(result, shutil.rmtree, scratch, True)
    return result


def images_in(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not _hidden(str(p.relative_to(folder)))),
        key=lambda p: _natural_key(str(p.relative_to(folder))),
    )


def pixel_size(path: Path, max_mp: float = MAX_IMAGE_MP) -> tuple[int, int] | None:
    """``(width, height)`` in pixels from the header of ``path``, decoding nothing; None when it is not an image Pillow knows.

    Raises :class:`TrainingSetError`, naming the file, when the image has more than ``max_mp``
    megapixels (10⁶ pixels), or more than Pillow's own decompression-bomb limit.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # this function sets the limit
            with Image.open(path) as img:
                width, height = img.size
    except Image.DecompressionBombError as err:  # over twice Pillow's own limit, which no setting raises
        pillow_mp = 2 * Image.MAX_IMAGE_PIXELS / 1e6
        raise TrainingSetError(_too_large(path, f"over {pillow_mp:.0f} megapixels", min(max_mp, round(pillow_mp)))) from err
    except (OSError, ValueError):  # UnidentifiedImageError is an OSError
        return None
    if width * height > max_mp * 1e6:
        raise TrainingSetError(_too_large(path, f"{width}×{height} pixels ({width * height / 1e6:.3g} megapixels)", max_mp))
    return width, height


def _too_large(path: Path, size: str, max_mp: float) -> str:
    """The message for an image of ``size`` (words) over ``max_mp`` megapixels."""
    return (
        f"{path.name} is {size}, more than the {max_mp:g} megapixels allowed for one image; decoding it could exhaust memory. "
        "Scale it down (a video frame of 1920×1080 is 2 megapixels), or raise REELSIGHT_MAX_IMAGE_MP."
    )


def decodes(path: Path, *, max_mp: float = MAX_IMAGE_MP) -> bool:
    """True when ``path`` is an image whose header Pillow reads and OpenCV decodes (at quarter size,
    which is enough to check). Raises :class:`TrainingSetError` over ``max_mp`` megapixels (see :func:`pixel_size`)."""
    if pixel_size(path, max_mp) is None:
        return False
    data = np.fromfile(path, dtype=np.uint8)
    return data.size > 0 and cv2.imdecode(data, cv2.IMREAD_REDUCED_COLOR_4) is not None


def _pick_column(header: list[str], choices: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for choice in choices:
        if choice in lowered:
            return lowered.index(choice)
    return None


def read_mapping(text: str, source_name: str) -> list[tuple[int, str, str]]:
    """``(line, image id, class text)`` per data row of an ``Image_ID,Class``-like CSV."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise TrainingSetError(f"{source_name} is empty. It needs a header row Image_ID,Class and one row per image.")
    id_col, class_col = _pick_column(header, ID_COLUMNS), _pick_column(header, CLASS_COLUMNS)
    if id_col is None or class_col is None:
        missing = " and ".join(n for n, col in (("an image column (Image_ID)", id_col), ("a class column (Class)", class_col)) if col is None)
        raise TrainingSetError(f"{source_name} has columns {', '.join(repr(h) for h in header)}: it lacks {missing}. Use a header like Image_ID,Class.")
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        rows.append((line, _cell(row, id_col), _cell(row, class_col)))
    if not rows:
        raise TrainingSetError(f"{source_name} has a header but no rows. Add one row per labelled image.")
    return rows


def from_mapping(
    mapping: Path | str | bytes,
    images: Path,
    classes: dict[int, str] | None = None,
    drop_conflicts: bool = True,
    mapping_name: str | None = None,
    workdir: Path | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> TrainingSet:
    """Read a mapping CSV (a path, or its bytes) and the images it names (a folder or ZIP, unpacked
    under ``workdir``: see :func:`_unpacked`; refused beyond ``limits``)."""
    if isinstance(mapping, bytes):
        name, text = mapping_name or "the mapping CSV", mapping.decode("utf-8-sig", errors="replace")
    else:
        path = Path(mapping)
        if not path.is_file():
            raise TrainingSetError(f"No such mapping CSV: {path}.")
        name, text = mapping_name or path.name, path.read_text(encoding="utf-8-sig", errors="replace")
    rows = read_mapping(text, name)
    return _unpacked(Path(images), workdir, limits, lambda folder: _mapping_set(rows, name, Path(images), folder, classes, drop_conflicts, limits.image_mp))


def _mapping_set(
    rows: list[tuple[int, str, str]], name: str, images: Path, folder: Path, classes: dict[int, str] | None, drop_conflicts: bool, max_mp: float
) -> TrainingSet:
    """Validate the mapping's ``rows`` against the images in ``folder`` (from ``images``).

    A row's name means the image at that path under ``folder`` or the one image of that file name in
    any sub-folder (see :class:`~core.screentime.matching.ImageNames`); each item's ``image`` is that
    image's path relative to ``folder``, so :func:`save` finds it wherever it sits.
    """
    where = Path(images).name
    index = matching.ImageNames(p.relative_to(folder).as_posix() for p in images_in(folder))
    if not index.paths:
        raise TrainingSetError(f"{where} holds no images ({', '.join(IMAGE_SUFFIXES)}). Check that it is the folder or ZIP of the frames the CSV names.")

    problems: list[str] = []
    bad_class: list[int] = []
    unknown_class: dict[int, list[int]] = defaultdict(list)
    parsed: list[tuple[int, str, int]] = []
    for line, image, text_class in rows:
        try:
            class_id = int(float(text_class)) if re.fullmatch(r"-?\d+(\.0+)?", text_class) else int(text_class)
        except ValueError:
            bad_class.append(line)
            continue
        if classes is not None and class_id not in classes:
            unknown_class[class_id].append(line)
            continue
        parsed.append((line, image, class_id))
    if bad_class:
        problems.append(f"{_rows(bad_class)}: the class is not an integer (classes are numbers such as 0, 1, 2)")
    for class_id, lines in sorted(unknown_class.items()):
        problems.append(f"{_rows(lines)}: class {class_id} is not in the class list ({', '.join(f'{k}={v}' for k, v in classes.items())})")  # type: ignore[union-attr]

    by_image: dict[str, list[tuple[int, int]]] = defaultdict(list)  # keyed by the image's path when the name finds one
    for line, image, class_id in parsed:
        by_image[index.resolve(image) or image].append((line, class_id))
    notes: list[str] = []
    conflicts = {img: entries for img, entries in by_image.items() if len({c for _, c in entries}) > 1}
    for image, entries in conflicts.items():
        detail = f"{image} is labelled {' and '.join(str(c) for _, c in entries)} on {_rows([line for line, _ in entries])}"
        if drop_conflicts:
            notes.append(f"Dropped {detail}: with conflicting labels it cannot teach the classifier anything.")
        else:
            problems.append(f"{detail}; keep one label per image")
    duplicates = sum(len(entries) - 1 for img, entries in by_image.items() if img not in conflicts and len(entries) > 1)
    if duplicates:
        notes.append(f"Ignored {duplicates} repeated row(s) that agree with an earlier row.")

    problems.extend(_unmatched_names(rows, index, where))
    found = {img: index.resolve(img) for img in by_image}
    undecodable = sorted(entries[0][0] for img, entries in by_image.items() if found[img] and not decodes(folder / found[img], max_mp=max_mp))
    if undecodable:
        names = [img for img, entries in by_image.items() if entries[0][0] in undecodable]
        problems.append(f"{_rows(undecodable)}: {_names(names)} do{'es' if len(names) == 1 else ''} not decode as an image")
    listed = {path for _, image, _ in rows for path in index.candidates(image)}
    unlisted = [path for path in index.paths if path not in listed]
    if unlisted and len(unlisted) < len(index.paths):
        n = len(unlisted)
        notes.append(
            f"{n} image{'s' if n != 1 else ''} in {where} {'is' if n == 1 else 'are'} not listed in {name} and {'was' if n == 1 else 'were'} left out: {_names(unlisted)}."
        )
    if problems:  # every problem together, and the notes beside them, not instead of them
        also = (" Also: " + " ".join(notes)) if notes else ""
        raise TrainingSetError(f"{name} cannot be used: " + "; ".join(problems) + "." + also)

    items = [LabelledImage(image, entries[0][1]) for image, entries in by_image.items() if image not in conflicts or not drop_conflicts]
    used = sorted({item.class_id for item in items})
    classes = classes or {c: str(c) for c in used}
    result = TrainingSet("mapping", dict(sorted(classes.items())), items, folder, notes)
    check_trainable(result)
    return result


def _unmatched_names(rows: list[tuple[int, str, str]], index: matching.ImageNames, where: str) -> list[str]:
    """Problems with the rows whose name finds no image, or several, in ``where``: how many matched, and which did not."""
    problems = []
    match = matching.match_images([image for _, image, _ in rows], index, f"an image in {where}")
    missing: dict[str, int] = {}  # name → its first row
    ambiguous: dict[str, list[int]] = defaultdict(list)
    for line, image, _ in rows:
        found = index.candidates(image)
        if not found:
            missing.setdefault(image, line)
        elif len(found) > 1:
            ambiguous[image].append(line)
    if missing and match.matched == 0:
        problems.append(f"{match.count()} ({match.naming()}); check that the CSV and the images belong together")
    elif missing:
        problems.append(f"{match.count()}; {_rows(sorted(missing.values()))}: no image named {_names(list(missing))}")
    if ambiguous:
        first = index.candidates(next(iter(ambiguous)))
        lines = sorted(line for lines in ambiguous.values() for line in lines)
        problems.append(
            f"{_rows(lines)}: {_names(list(ambiguous))} {'is' if len(ambiguous) == 1 else 'are'} the name of images in several folders of {where} "
            f"({', '.join(first[:MAX_LISTED])}); write the folder too, as in {first[0]}, or give the images different names"
        )
    return problems


def from_folders(source: Path, workdir: Path | None = None, *, limits: Limits = DEFAULT_LIMITS) -> TrainingSet:
    """A folder or ZIP with one sub-folder of images per class; class ids follow the folder names' order.
    A ZIP is unpacked under ``workdir`` (see :func:`_unpacked`) and refused beyond ``limits``."""
    return _unpacked(Path(source), workdir, limits, lambda folder: _folders_set(Path(source), folder, limits.image_mp))


def _folders_set(source: Path, folder: Path, max_mp: float) -> TrainingSet:
    """The class folders under ``folder`` (from ``source``), validated."""
    class_dirs = sorted((d for d in folder.iterdir() if d.is_dir() and not _hidden(d.name)), key=lambda d: _natural_key(d.name))
    if not class_dirs:
        loose = images_in(folder)
        hint = f" It holds {len(loose)} images but no sub-folders." if loose else ""
        raise TrainingSetError(f"{Path(source).name} has no class folders.{hint} Put each class's images in a sub-folder named after the class.")
    items, undecodable = [], []
    classes = {i: d.name for i, d in enumerate(class_dirs)}
    for class_id, class_dir in enumerate(class_dirs):
        for path in images_in(class_dir):
            rel = str(path.relative_to(folder))
            if decodes(path, max_mp=max_mp):
                items.append(LabelledImage(rel, class_id))
            else:
                undecodable.append(rel)
    if undecodable:
        raise TrainingSetError(
            f"{Path(source).name} cannot be used: {_names(undecodable)} do{'es' if len(undecodable) == 1 else ''} not decode as an image. Remove or replace them."
        )
    if not items:
        raise TrainingSetError(f"{Path(source).name} holds no images ({', '.join(IMAGE_SUFFIXES)}) in its class folders.")
    result = TrainingSet("folders", classes, items, folder)
    check_trainable(result)
    return result


def from_frame_labels(labels: list[tuple[str, int, int]], classes: dict[int, str]) -> TrainingSet:
    """Labels given in the dashboard: ``(video_id, frame index, class id)`` per labelled frame."""
    unknown = sorted({c for _, _, c in labels if c not in classes})
    if unknown:
        raise TrainingSetError(f"Classes {unknown} are not in the class list.")
    items = [LabelledImage(f"{video_id}:{frame}", class_id) for video_id, frame, class_id in labels]
    result = TrainingSet("frames", dict(sorted(classes.items())), items)
    check_trainable(result)
    return result


def check_trainable(training_set: TrainingSet) -> None:
    """At least two classes with images, and every used class with enough images to split."""
    counts = training_set.counts()
    used = {name: n for name, n in counts.items() if n > 0}
    if len(used) < 2:
        raise TrainingSetError(
            f"A classifier needs images of at least two classes; this set has {', '.join(f'{n} of {k!r}' for k, n in counts.items()) or 'none'}. Label images of another class."
        )
    few = {name: n for name, n in used.items() if n < MIN_PER_CLASS}
    if few:
        raise TrainingSetError(
            f"Too few images to split into training and validation: {', '.join(f'{k!r} has {n}' for k, n in few.items())}. "
            f"Each class needs at least {MIN_PER_CLASS}; label more images of it, or remove it from the class list."
        )


def put_images(store: Store, folder: Path, names: list[str]) -> str:
    """Store ``folder/<name>`` for each name as one ZIP blob (entries named ``name``); returns its key."""
    with tempfile.TemporaryDirectory() as tmp:
        packed = Path(tmp) / "images.zip"
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_STORED) as out:  # JPEGs do not compress further
            for name in names:
                out.write(folder / name, name)
        return store.blobs.put_file(packed, "images.zip")


def extract_images(store: Store, blob: str, into: Path, *, limits: Limits = DEFAULT_LIMITS) -> Path:
    """Unpack a blob written by :func:`put_images` into ``into``, within ``limits``; returns ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive.extract_zip(
        Path(store.blobs.local_path(blob)), into, is_image_name,
        max_mb=limits.archive_mb, max_entries=limits.archive_entries, max_ratio=limits.compression_ratio, name=f"the stored images ({blob})",
    )  # fmt: skip
    return into


def save(store: Store, training_set: TrainingSet, name: str) -> str:
    """Store the set (document plus a ZIP blob of its images); returns its id."""
    set_id = new_id()
    blob = None
    if training_set.image_dir is not None:
        blob = put_images(store, training_set.image_dir, [item.image for item in training_set.items])
    store.labelsets.insert(
        {
            "_id": set_id,
            "name": name,
            "kind": training_set.kind,
            "classes": [{"id": k, "name": v} for k, v in training_set.classes.items()],
            "items": [{"image": i.image, "class": i.class_id} for i in training_set.items],
            "notes": training_set.notes,
            "counts": training_set.counts(),
            "blob": blob,
            "created_at": utcnow(),
        }
    )
    return set_id


def load(store: Store, set_id: str, workdir: Path, *, limits: Limits = DEFAULT_LIMITS) -> TrainingSet:
    """A stored set, with its images unpacked under ``workdir`` within ``limits`` (frame sets have no images)."""
    doc = store.labelsets.get(set_id)
    image_dir = extract_images(store, doc["blob"], workdir / "images", limits=limits) if doc.get("blob") else None
    classes = {c["id"]: c["name"] for c in doc["classes"]}
    items = [LabelledImage(i["image"], i["class"]) for i in doc["items"]]
    return TrainingSet(doc["kind"], classes, items, image_dir, list(doc.get("notes", [])))
