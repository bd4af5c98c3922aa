"""Blob store for uploaded videos and other artifacts: a local folder, or GridFS with MongoDB.

GridFS lets a worker on another machine read a file uploaded through the dashboard.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol

from core.errors import NotFoundError
from core.store.documents import new_id
from core.store.filelock import file_lock, remove_abandoned


class BlobStore(Protocol):
    def put_file(self, path: Path, name: str) -> str: ...
    def local_path(self, key: str) -> Path: ...
    def delete(self, key: str) -> None: ...


def _safe_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ""


def _copy_into(folder: Path, key: str, source: Any) -> Path:
    """Copy ``source`` (a path, or a binary file object) to ``folder/key`` through a locked
    ``.<key>.part`` file, so a crash leaves only a partial file that :func:`_sweep` removes."""
    tmp = folder / f".{key}.part"
    with file_lock(tmp):
        try:
            if isinstance(source, Path):
                shutil.copyfile(source, tmp)
            else:
                with open(tmp, "wb") as fh:
                    shutil.copyfileobj(source, fh)
            tmp.replace(folder / key)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return folder / key


def _sweep(folder: Path) -> None:
    """Remove the partial files of copies whose process died (``kill -9`` mid-``add``)."""
    remove_abandoned(sorted(folder.glob(".*.part")))


class LocalBlobs:
    """Files under one folder, named ``<key><suffix>``. Opening it removes abandoned partial copies."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        _sweep(self.root)

    def put_file(self, path: Path, name: str) -> str:
        key = new_id() + _safe_suffix(name)
        _copy_into(self.root, key, Path(path))
        return key

    def local_path(self, key: str) -> Path:
        path = self.root / key
        if not path.is_file():
            raise NotFoundError(f"The stored file {key} is missing from {self.root}. Add the video again.")
        return path

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class GridFSBlobs:
    """GridFS files, keyed by their filename; read through a local cache folder."""

    def __init__(self, fs: Any, cache: Path) -> None:
        self.fs = fs
        self.cache = Path(cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        _sweep(self.cache)

    def put_file(self, path: Path, name: str) -> str:
        key = new_id() + _safe_suffix(name)
        with open(path, "rb") as fh:
            self.fs.put(fh, filename=key)
        return key

    def local_path(self, key: str) -> Path:
        target = self.cache / key
        if target.is_file():
            return target
        grid_out = self.fs.find_one({"filename": key})
        if grid_out is None:
            raise NotFoundError(f"The stored file {key} is missing from GridFS. Add the video again.")
        return _copy_into(self.cache, key, grid_out)

    def delete(self, key: str) -> None:
        for grid_out in self.fs.find({"filename": key}):
            self.fs.delete(grid_out._id)
        (self.cache / key).unlink(missing_ok=True)
