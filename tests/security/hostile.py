"""Hostile files, built at test time: ZIPs whose headers lie or use features the product refuses,
and image headers that claim more pixels than the file holds."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np


def image_bytes(width: int = 64, height: int = 48, ext: str = ".jpg", seed: int = 0) -> bytes:
    """A small noisy image encoded by OpenCV (``.jpg``, ``.png``, ``.hdr`` …)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    if ext == ".hdr":
        pixels = pixels.astype(np.float32) / 255
    ok, buffer = cv2.imencode(ext, pixels)
    assert ok, ext
    return buffer.tobytes()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header (IHDR, with a valid CRC) declares ``width``×``height`` RGB pixels but whose data is one row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * (1 + 3 * width))) + chunk(b"IEND", b"")


def zip_of(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write ``entries`` (name → content) as the ZIP ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def patch_entry(
    path: Path,
    name: str,
    *,
    flag_bits: int = 0,
    method: int | None = None,
    file_size: int | None = None,
    version: int | None = None,
    raw_name: bytes | None = None,
) -> Path:
    """Rewrite ``name``'s local and central headers in ``path``: OR in ``flag_bits``, set the
    compression ``method``, the declared unpacked ``file_size``, the ``version`` needed to extract
    (e.g. 63 for 6.3) and the name's bytes (``raw_name``, as long as the name)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        central = archive.start_dir
    # (start, version, flags, method, unpacked size, name) offsets: local header, then central record
    offsets = [(info.header_offset, 4, 6, 8, 22, 30)]
    while data[central : central + 4] == b"PK\x01\x02":
        n, e, c = struct.unpack("<HHH", data[central + 28 : central + 34])
        if data[central + 46 : central + 46 + n].decode() == name:
            offsets.append((central, 6, 8, 10, 24, 46))
        central += 46 + n + e + c
    assert len(offsets) == 2, f"{name} not found in the central directory"
    for start, version_at, flag_at, method_at, size_at, name_at in offsets:
        flags = struct.unpack("<H", data[start + flag_at : start + flag_at + 2])[0] | flag_bits
        data[start + flag_at : start + flag_at + 2] = struct.pack("<H", flags)
        if version is not None:
            data[start + version_at : start + version_at + 2] = struct.pack("<H", version)
        if method is not None:
            data[start + method_at : start + method_at + 2] = struct.pack("<H", method)
        if file_size is not None:
            data[start + size_at : start + size_at + 4] = struct.pack("<I", file_size)
        if raw_name is not None:
            assert len(raw_name) == len(name.encode())
            data[start + name_at : start + name_at + len(raw_name)] = raw_name
    path.write_bytes(bytes(data))
    return path
