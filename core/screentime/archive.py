"""ZIP files of images, unpacked within limits, so that an upload can neither fill the disk nor end in a traceback.

Only the entries the caller wants (images) are written; the others are skipped. Before anything is
written, the headers of the ZIP's central directory are checked: the number of entries, the total
unpacked size of the wanted entries and each one's compression ratio (unpacked ÷ packed size), unsafe
paths (``../``, absolute), encryption, compression methods Python cannot read, and a file standing
where another entry needs a folder. While unpacking, an entry that yields more bytes than its
header declared is stopped. Every problem is a :class:`~core.errors.TrainingSetError` that names the
ZIP and the entry; a partly written file is removed.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

from core.config import MAX_ARCHIVE_ENTRIES, MAX_ARCHIVE_MB, MAX_COMPRESSION_RATIO
from core.errors import TrainingSetError

MB = 2**20
"""Bytes in a MB, as in the upload limit."""
CHUNK = MB
"""Bytes copied at a time while unpacking one entry."""
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
"""Compression methods Python's zipfile reads."""
ENCRYPTED = 0x1 | 0x40
"""General-purpose flag bits of an encrypted entry (traditional or strong encryption)."""
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)
"""What reading a damaged entry raises (bzip2 raises OSError)."""


def extract_zip(
    source: Path,
    into: Path,
    wanted: Callable[[str], bool],
    *,
    max_mb: float = MAX_ARCHIVE_MB,
    max_entries: int = MAX_ARCHIVE_ENTRIES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
    name: str | None = None,
) -> list[str]:
    """Unpack the entries of the ZIP ``source`` whose names ``wanted`` accepts under ``into``; returns their names.

    ``max_mb`` caps the wanted entries' total unpacked size (MB, 2²⁰ bytes), ``max_entries`` the
    number of entries of any kind, ``max_ratio`` each wanted entry's unpacked ÷ packed size.
    ``name`` is how messages call the ZIP (default: its file name).
    """
    label = name or source.name
    try:
        opened = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, NotImplementedError, ValueError) as err:  # an unknown ZIP version; a name that is not UTF-8
        raise TrainingSetError(f"{label} is neither a folder nor a valid ZIP file ({err}).") from err
    with opened as archive:
        members = checked_members(archive, label, wanted, max_mb=max_mb, max_entries=max_entries, max_ratio=max_ratio)
        for member in members:
            _extract(archive, member, into, label)
    return [m.filename for m in members]


def checked_members(
    archive: zipfile.ZipFile,
    label: str,
    wanted: Callable[[str], bool],
    *,
    max_mb: float = MAX_ARCHIVE_MB,
    max_entries: int = MAX_ARCHIVE_ENTRIES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
) -> list[zipfile.ZipInfo]:
    """The wanted file entries of ``archive``, once their headers pass every check (see the module docstring)."""
    entries = archive.infolist()
    if len(entries) > max_entries:
        raise TrainingSetError(
            f"{label} holds {len(entries):,} entries, more than the {max_entries:,} allowed. "
            "Split it into smaller ZIPs, or raise REELSIGHT_MAX_ARCHIVE_ENTRIES."
        )
    members = [m for m in entries if m.filename and not m.is_dir() and wanted(m.filename)]  # a name cut at a NUL byte may be empty
    for member in members:
        _check_header(member, label, max_ratio)
    total = sum(m.file_size for m in members)
    if total > max_mb * MB:
        raise TrainingSetError(
            f"{label} unpacks to {_size(total)} of images, more than the {max_mb:g} MB allowed. Split it into smaller ZIPs, or raise REELSIGHT_MAX_ARCHIVE_MB."
        )
    _check_no_clash(members, label)
    return members


def _check_header(member: zipfile.ZipInfo, label: str, max_ratio: float) -> None:
    """Refuse an entry that is unsafe, encrypted, unreadable or compressed beyond ``max_ratio``."""
    path = PurePosixPath(member.filename)
    if path.is_absolute() or ".." in path.parts:
        raise TrainingSetError(f"{label} holds an unsafe path {member.filename!r}; re-create the ZIP from the image folder.")
    if member.flag_bits & ENCRYPTED:
        raise TrainingSetError(f"{label}: {member.filename!r} is encrypted (password-protected). Re-create the ZIP without a password.")
    if member.compress_type not in READABLE_METHODS:
        raise TrainingSetError(
            f"{label}: {member.filename!r} is compressed with method {member.compress_type}, which cannot be read here. "
            "Re-create the ZIP with ordinary (Deflate) compression."
        )
    ratio = member.file_size / max(member.compress_size, 1)
    if ratio > max_ratio:
        raise TrainingSetError(
            f"{label}: {member.filename!r} unpacks from {_size(member.compress_size)} to {_size(member.file_size)} "
            f"({ratio:,.0f} times), more than the {max_ratio:g} times allowed; JPEG and PNG images barely compress. "
            "Re-create the ZIP from the image files, or raise REELSIGHT_MAX_COMPRESSION_RATIO."
        )


def _check_no_clash(members: list[zipfile.ZipInfo], label: str) -> None:
    """Refuse a ZIP in which one entry's path is a folder on another entry's path (``a.png`` and ``a.png/b.png``)."""
    files = {PurePosixPath(m.filename): m.filename for m in members}
    for member in members:
        for parent in PurePosixPath(member.filename).parents:
            if parent in files:
                raise TrainingSetError(
                    f"{label} holds {files[parent]!r} both as a file and as the folder of {member.filename!r}. Rename one of them and re-create the ZIP."
                )


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path, label: str) -> None:
    """Write one checked entry under ``into``; on any failure, remove what was written of it."""
    target = into / PurePosixPath(member.filename)
    try:
        _write(archive, member, target, label)
    except BaseException:
        if target.is_file():
            target.unlink()
        raise


def _write(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, label: str) -> None:
    """Stream ``member`` to ``target``; what zipfile or the disk refuses becomes a :class:`TrainingSetError`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as src, open(target, "wb") as dst:
            copy_capped(src, dst, member.file_size, f"{label}: {member.filename!r}")
    except (zipfile.BadZipFile, NotImplementedError) as err:  # a damaged local header; flags zipfile refuses (strong encryption, patch data)
        raise TrainingSetError(f"{label}: {member.filename!r} cannot be read ({err}). Re-create the ZIP.") from err
    except OSError as err:
        raise TrainingSetError(
            f"Cannot unpack {member.filename!r} of {label} into {target.parent}: {err.strerror or err}. "
            "Free some disk space there, or point TMPDIR at a folder with room."
        ) from err


def copy_capped(src: IO[bytes], dst: IO[bytes], declared: int, label: str) -> int:
    """Copy ``src`` to ``dst`` in chunks, stopping when it yields more than ``declared`` bytes; returns the bytes copied.

    Errors that reading a damaged entry raises become a :class:`TrainingSetError` naming ``label``.
    """
    copied = 0
    while True:
        try:
            chunk = src.read(CHUNK)
        except _DAMAGED as err:
            raise TrainingSetError(f"{label} is damaged ({err}). Re-create the ZIP.") from err
        if not chunk:
            return copied
        copied += len(chunk)
        if copied > declared:
            raise TrainingSetError(f"{label} unpacks to more than the {declared:,} bytes its header declares. Re-create the ZIP.")
        dst.write(chunk)


def _size(n_bytes: int) -> str:
    """``1,234 bytes`` below a MB, else ``12.3 MB``."""
    return f"{n_bytes:,} bytes" if n_bytes < MB else f"{n_bytes / MB:,.1f} MB"
