"""Advisory file locks that die with their process, for partial files left by a crash.

A writer holds :func:`file_lock` on a partial file (or on a lock file beside it) while it writes;
a sweep that can take the same lock without waiting knows the writer is gone and removes what it
left. POSIX ``flock``; where it is missing (Windows) the lock is a no-op and sweeps take every file.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created if missing) inside the block.

    Yields True when held; with ``wait=False`` yields False at once if another process holds it."""
    with open(path, "a+b") as fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
        yield True


def remove_abandoned(paths: list[Path]) -> list[Path]:
    """Delete each file in ``paths`` that no live process holds locked; returns those deleted."""
    removed = []
    for path in paths:
        try:
            with file_lock(path, wait=False) as free:
                if free:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        except OSError as err:
            log.warning("could not remove the partial file %s: %s", path, err)
    if removed:
        log.info("removed %d partial file(s) left by an interrupted copy: %s", len(removed), ", ".join(p.name for p in removed))
    return removed
