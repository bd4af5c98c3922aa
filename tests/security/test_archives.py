"""Issue 14, items 3 and 10: a training or screen-time ZIP is checked from its headers before anything is
unpacked (total size, entry count, compression ratio, encryption, compression method, unsafe paths,
a file where a folder must be), only its images are unpacked, every problem is one message naming the
ZIP and the entry, and no temporary folder is left behind."""

from __future__ import annotations

import gc
import io
import os
import zipfile
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import ConfigError, TrainingSetError
from core.screentime import archive, trainingset
from core.screentime.apply import images_source
from dashboard.text import plain
from tests.security.hostile import image_bytes, patch_entry, zip_of
from tests.test_pages import button, open_page  # imported here, as AppTest makes its own temporary folder on import

CLASSES = ("tom", "jerry")


def _class_images(n_per_class: int = 2) -> dict[str, bytes]:
    """``tom/0.jpg``, ``jerry/0.jpg`` … : a valid folder-per-class set."""
    return {f"{name}/{i}.jpg": image_bytes(seed=10 * c + i) for c, name in enumerate(CLASSES) for i in range(n_per_class)}


def _refused(source: Path, workdir: Path | None = None, limits: trainingset.Limits = trainingset.DEFAULT_LIMITS) -> str:
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_folders(source, workdir, limits=limits)
    return str(info.value)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_zip_that_unpacks_past_the_size_limit_is_refused_before_anything_is_written(tmp_path: Path, temp_root: Path) -> None:
    entries = _class_images() | {"tom/poster.png": os.urandom(3 * 2**20 // 2)}  # 1.5 MB that does not compress
    source = zip_of(tmp_path / "set.zip", entries, zipfile.ZIP_STORED)
    message = _refused(source, tmp_path / "work", trainingset.Limits(archive_mb=1))
    assert message.startswith("set.zip unpacks to 1.5 MB of images, more than the 1 MB allowed.")
    assert "raise REELSIGHT_MAX_ARCHIVE_MB" in message
    assert _files(tmp_path / "work") == []  # checked from the headers, before extracting
    assert list(temp_root.iterdir()) == []


def test_a_zip_with_too_many_entries_is_refused(tmp_path: Path, temp_root: Path) -> None:
    entries = _class_images() | {f"junk/{i}.txt": b"" for i in range(30)}
    message = _refused(zip_of(tmp_path / "many.zip", entries), limits=trainingset.Limits(archive_entries=20))
    assert message == "many.zip holds 34 entries, more than the 20 allowed. Split it into smaller ZIPs, or raise REELSIGHT_MAX_ARCHIVE_ENTRIES."
    assert list(temp_root.iterdir()) == []


def test_an_entry_compressed_past_the_ratio_limit_is_refused(tmp_path: Path, temp_root: Path) -> None:
    source = zip_of(tmp_path / "bomb.zip", _class_images() | {"tom/bomb.png": bytes(2 * 2**20)})  # 2 MB of zeros: about 2 KB packed
    message = _refused(source, tmp_path / "work")  # the default limits
    assert message.startswith("bomb.zip: 'tom/bomb.png' unpacks from ")
    assert " to 2.0 MB (" in message and "more than the 100 times allowed" in message and "raise REELSIGHT_MAX_COMPRESSION_RATIO" in message
    assert _files(tmp_path / "work") == [] and list(temp_root.iterdir()) == []


def test_only_image_entries_are_unpacked(tmp_path: Path) -> None:
    entries = _class_images() | {"notes.txt": b"x" * 1000, "tom/run.sh": b"rm -rf /", "a": b"a file", "a/b.png": image_bytes(), ".hidden/c.png": image_bytes()}
    folder = trainingset.unpack_images(zip_of(tmp_path / "mixed.zip", entries), tmp_path / "work")
    assert _files(folder) == ["a/b.png", "jerry/0.jpg", "jerry/1.jpg", "tom/0.jpg", "tom/1.jpg"]  # 'a' is not an image: no clash with a/b.png


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param({"flag_bits": 0x1}, "set.zip: 'tom/1.jpg' is encrypted (password-protected). Re-create the ZIP without a password.", id="encrypted"),
        pytest.param(
            {"method": 99},
            "set.zip: 'tom/1.jpg' is compressed with method 99, which cannot be read here. Re-create the ZIP with ordinary (Deflate) compression.",
            id="unknown-compression",
        ),
        pytest.param({"flag_bits": 0x41}, "set.zip: 'tom/1.jpg' is encrypted (password-protected).", id="strong-encryption"),
        pytest.param({"flag_bits": 0x20}, "set.zip: 'tom/1.jpg' cannot be read (compressed patched data (flag bit 5)). Re-create the ZIP.", id="patch-data"),
    ],
)
def test_entries_zipfile_cannot_read_are_one_message(tmp_path: Path, temp_root: Path, patch: dict, message: str) -> None:
    source = patch_entry(zip_of(tmp_path / "set.zip", _class_images()), "tom/1.jpg", **patch)
    assert _refused(source).startswith(message)
    assert list(temp_root.iterdir()) == []


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param({"version": 99}, "set.zip is neither a folder nor a valid ZIP file (zip file version 9.9).", id="unknown-zip-version"),
        pytest.param({"flag_bits": 0x800, "raw_name": b"tom/\xff.jpg"}, "set.zip is neither a folder nor a valid ZIP file ('utf-8' codec", id="name-not-utf8"),
    ],
)
def test_a_zip_zipfile_cannot_parse_is_one_message(tmp_path: Path, patch: dict, message: str) -> None:
    source = patch_entry(zip_of(tmp_path / "set.zip", _class_images() | {"tom/x.jpg": image_bytes()}), "tom/x.jpg", **patch)
    assert _refused(source).startswith(message)


def test_an_entry_whose_name_is_cut_to_nothing_is_skipped(tmp_path: Path) -> None:
    source = patch_entry(zip_of(tmp_path / "set.zip", _class_images() | {"tom/x.jpg": image_bytes()}), "tom/x.jpg", raw_name=b"\x00om/x.jpg")
    assert _files(trainingset.unpack_images(source, tmp_path / "work")) == ["jerry/0.jpg", "jerry/1.jpg", "tom/0.jpg", "tom/1.jpg"]


def test_a_file_where_a_folder_must_be_is_one_message(tmp_path: Path, temp_root: Path) -> None:
    entries = _class_images() | {"tom/x.png": image_bytes(), "tom/x.png/y.png": image_bytes()}
    message = _refused(zip_of(tmp_path / "clash.zip", entries), tmp_path / "work")
    assert message == "clash.zip holds 'tom/x.png' both as a file and as the folder of 'tom/x.png/y.png'. Rename one of them and re-create the ZIP."
    assert _files(tmp_path / "work") == [] and list(temp_root.iterdir()) == []


def test_an_unsafe_path_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    escaped = tmp_path / "escaped" / "x.png"
    entries = _class_images() | {str(escaped): image_bytes(), "../dotdot.png": image_bytes()}  # '..' starts with a dot: skipped as hidden
    message = _refused(zip_of(tmp_path / "slip.zip", entries), tmp_path / "work")
    assert message.startswith(f"slip.zip holds an unsafe path {str(escaped)!r}")
    assert _files(tmp_path / "work") == [] and not escaped.exists() and not (tmp_path / "dotdot.png").exists()


def test_an_entry_longer_than_its_header_says_is_stopped_and_removed(tmp_path: Path, temp_root: Path) -> None:
    source = zip_of(tmp_path / "liar.zip", _class_images() | {"tom/liar.png": bytes(100_000)})
    patch_entry(source, "tom/liar.png", file_size=1000)  # declares 1,000 bytes, holds 100,000
    message = _refused(source, tmp_path / "work", trainingset.Limits(compression_ratio=1000))
    assert message.startswith("liar.zip: 'tom/liar.png' is damaged (") and message.endswith("Re-create the ZIP.")
    assert "tom/liar.png" not in _files(tmp_path / "work")  # no partly written file
    assert list(temp_root.iterdir()) == []


def test_streaming_stops_at_the_declared_size() -> None:
    out = io.BytesIO()
    with pytest.raises(TrainingSetError, match=r"^big.zip: 'a.png' unpacks to more than the 5 bytes its header declares\. Re-create the ZIP\.$"):
        archive.copy_capped(io.BytesIO(b"0123456789"), out, 5, "big.zip: 'a.png'")
    assert len(out.getvalue()) <= 5
    assert archive.copy_capped(io.BytesIO(b"01234"), io.BytesIO(), 5, "ok") == 5


def test_a_temporary_folder_is_removed_after_a_failure_and_with_its_set(tmp_path: Path, temp_root: Path) -> None:
    bad = zip_of(tmp_path / "few.zip", {"tom/0.jpg": image_bytes(), "tom/1.jpg": image_bytes(seed=1), "jerry/0.jpg": image_bytes(seed=2)})
    with pytest.raises(TrainingSetError, match="Too few images to split"):
        trainingset.from_folders(bad)
    assert list(temp_root.iterdir()) == []
    mapping = tmp_path / "m.csv"
    mapping.write_text("Image_ID,Class\n" + "".join(f"{i}.jpg,{i % 2}\n" for i in range(4)))
    flat = zip_of(tmp_path / "flat.zip", {f"{i}.jpg": image_bytes(seed=i) for i in range(4)})
    ts = trainingset.from_mapping(mapping, flat)
    assert ts.image_dir.is_relative_to(temp_root) and (ts.image_dir / "0.jpg").is_file()
    del ts
    gc.collect()
    assert list(temp_root.iterdir()) == []


def test_an_image_sequence_for_screen_time_is_held_to_the_same_limits(store, tmp_path: Path, temp_root: Path) -> None:
    source = zip_of(tmp_path / "seq.zip", {f"frame{i}.jpg": image_bytes(seed=i) for i in range(5)})
    with pytest.raises(TrainingSetError, match=r"^seq.zip holds 5 entries, more than the 4 allowed"):
        images_source(store, source, 1.0, limits=trainingset.Limits(archive_entries=4))
    assert list(temp_root.iterdir()) == []


def test_a_stored_set_is_unpacked_within_the_limits(store, tmp_path: Path) -> None:
    ts = trainingset.from_folders(zip_of(tmp_path / "set.zip", _class_images()), tmp_path / "work")
    set_id = trainingset.save(store, ts, "toons")
    with pytest.raises(TrainingSetError, match=r"^the stored images \(.+\) holds 4 entries, more than the 3 allowed"):
        trainingset.load(store, set_id, tmp_path / "load", limits=trainingset.Limits(archive_entries=3))
    assert trainingset.load(store, set_id, tmp_path / "again").items == ts.items


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert trainingset.Limits.from_settings(load_settings()) == trainingset.Limits(1024, 20000, 100, 50)
    monkeypatch.setenv("REELSIGHT_MAX_ARCHIVE_MB", "0.5")
    monkeypatch.setenv("REELSIGHT_MAX_ARCHIVE_ENTRIES", "10")
    monkeypatch.setenv("REELSIGHT_MAX_COMPRESSION_RATIO", "20")
    monkeypatch.setenv("REELSIGHT_MAX_IMAGE_MP", "2")
    assert trainingset.Limits.from_settings(load_settings()) == trainingset.Limits(0.5, 10, 20, 2)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("REELSIGHT_MAX_ARCHIVE_MB", "0", "REELSIGHT_MAX_ARCHIVE_MB is 0; it must be a positive number."),
        ("REELSIGHT_MAX_ARCHIVE_ENTRIES", "-3", "REELSIGHT_MAX_ARCHIVE_ENTRIES is -3; it must be a positive number."),
        ("REELSIGHT_MAX_COMPRESSION_RATIO", "nan", "REELSIGHT_MAX_COMPRESSION_RATIO is nan; it must be a positive number."),
        ("REELSIGHT_MAX_IMAGE_MP", "lots", "REELSIGHT_MAX_IMAGE_MP is 'lots'; it must be a number."),
    ],
)
def test_a_bad_limit_names_its_variable(monkeypatch: pytest.MonkeyPatch, key: str, value: str, message: str) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == message


@pytest.mark.pages
def test_the_classifiers_page_shows_a_bomb_as_one_message_and_keeps_nothing(store, tmp_path: Path, temp_root: Path) -> None:
    folders = zip_of(tmp_path / "toons.zip", _class_images() | {"tom/bomb.png": bytes(2 * 2**20)})
    at = open_page("pages/classifiers.py")
    at.segmented_control(key="classifiers.source").set_value("folders")
    at.run()
    at.file_uploader(key="classifiers.folders").set_value(("toons.zip", folders.read_bytes(), "application/zip"))
    at.run()
    at.text_input[0].input("toons")
    button(at, "Check and train").click()
    at.run()
    assert not at.exception
    assert any(e.value.startswith(plain("toons.zip: 'tom/bomb.png' unpacks from ")) for e in at.error), [e.value for e in at.error]
    assert store.db["jobs"].count_documents({}) == 0 and store.db["labelsets"].count_documents({}) == 0
    assert list(temp_root.iterdir()) == []
