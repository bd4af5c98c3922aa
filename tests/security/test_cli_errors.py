"""Issue 14, items 3, 4 and 10 at the command line: a hostile or unreadable ZIP or image, and an ``--out``
that is a file or cannot be created, end in one ``error:`` line and exit 2, never a traceback; and
``screentime train`` leaves no temporary folder behind, whether it fails or succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.cli.main import main
from core.config import PROJECT_ROOT
from tests.security.hostile import image_bytes, patch_entry, png_header, zip_of


def _one_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the CLI in this process; assert exit 2 and one ``error:`` line on stderr; return that line."""
    code = main(list(args))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _class_zip(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    entries = {f"{name}/{i}.jpg": image_bytes(seed=10 * c + i) for c, name in enumerate(("tom", "jerry")) for i in range(2)}
    return zip_of(path, entries | (extra or {}))


def _hostile_sets(tmp_path: Path) -> list:
    return [
        pytest.param(
            patch_entry(_class_zip(tmp_path / "locked.zip"), "tom/1.jpg", flag_bits=0x1),
            {},
            "error: locked.zip: 'tom/1.jpg' is encrypted (password-protected).",
            id="encrypted",
        ),
        pytest.param(
            patch_entry(_class_zip(tmp_path / "odd.zip"), "tom/1.jpg", method=99),
            {},
            "error: odd.zip: 'tom/1.jpg' is compressed with method 99, which cannot be read here.",
            id="unknown-compression",
        ),
        pytest.param(
            _class_zip(tmp_path / "clash.zip", {"tom/a.png": image_bytes(), "tom/a.png/b.png": image_bytes()}),
            {},
            "error: clash.zip holds 'tom/a.png' both as a file and as the folder of 'tom/a.png/b.png'.",
            id="file-folder-clash",
        ),
        pytest.param(_class_zip(tmp_path / "bomb.zip", {"tom/x.png": bytes(2**21)}), {}, "error: bomb.zip: 'tom/x.png' unpacks from ", id="ratio"),
        pytest.param(
            _class_zip(tmp_path / "many.zip"),
            {"REELSIGHT_MAX_ARCHIVE_ENTRIES": "3"},
            "error: many.zip holds 4 entries, more than the 3 allowed.",
            id="entries",
        ),
        pytest.param(
            _class_zip(tmp_path / "big.zip", {"tom/noise.png": os.urandom(2**20)}),
            {"REELSIGHT_MAX_ARCHIVE_MB": "1"},
            "error: big.zip unpacks to 1.0 MB of images, more than the 1 MB allowed.",
            id="total-size",
        ),
        pytest.param(
            _class_zip(tmp_path / "huge.zip", {"jerry/huge.png": png_header(20000, 20000)}),
            {},
            "error: huge.png is over 179 megapixels, more than the 50 megapixels allowed for one image",
            id="pixel-bomb",
        ),
    ]


def test_a_hostile_training_zip_is_one_line_and_leaves_no_folder(
    store, tmp_path: Path, temp_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for case in _hostile_sets(tmp_path):
        source, env, message = case.values
        with monkeypatch.context() as patched:
            for key, value in env.items():
                patched.setenv(key, value)
            line = _one_error(capsys, "screentime", "train", "--folders", str(source), "--name", "toons", "--queue")
        assert line.startswith(message), (case.id, line)
        assert list(temp_root.iterdir()) == [], case.id
    assert store.db["labelsets"].count_documents({}) == 0 and store.db["jobs"].count_documents({}) == 0


OUT_COMMANDS = {
    "export": ["export", "--all"],
    "report": ["report"],
    "screentime-apply": ["screentime", "apply", "toons", "--video", "v1"],
    "yt8m-train": ["yt8m", "train", "--records", "no-records", "--vocabulary", "vocabulary.csv"],
}
"""Every command with ``--out``, with the other arguments it needs (checked after ``--out``)."""


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_an_out_that_is_a_file_or_cannot_be_made_is_one_line(store, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    args = OUT_COMMANDS[command]
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me")
    line = _one_error(capsys, *args, "--out", str(taken))
    assert line == f"error: Cannot write results to {taken}: it is a file, not a folder. Choose a folder (it is created if missing)."
    line = _one_error(capsys, *args, "--out", str(taken / "out"))
    assert line == f"error: Cannot create the folder {taken / 'out'} for the results: Not a directory. Choose a folder you can write to."
    assert taken.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_an_out_in_a_read_only_folder_is_one_line(store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    line = _one_error(capsys, "report", "--out", str(locked / "out"))
    assert line == f"error: Cannot create the folder {locked / 'out'} for the results: Permission denied. Choose a folder you can write to."


def test_screentime_train_leaves_no_temporary_folder(env: dict[str, str], tmp_path: Path, temp_root: Path) -> None:
    """As a user runs it: a success (queued) and a failure, each in its own process, leave TMPDIR empty."""
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("Image_ID,Class\n" + "".join(f"{i}.jpg,{i % 2}\n" for i in range(4)))
    images = zip_of(tmp_path / "frames.zip", {f"frames/{i}.jpg": image_bytes(seed=i) for i in range(4)}, zipfile.ZIP_STORED)
    locked = patch_entry(zip_of(tmp_path / "locked.zip", {f"{i}.jpg": image_bytes(seed=i) for i in range(4)}), "2.jpg", flag_bits=0x1)
    runs = []
    for source in (images, locked):
        args = ["screentime", "train", "--mapping", str(mapping), "--images", str(source), "--name", "toons", "--queue"]
        runs.append(
            subprocess.run([sys.executable, "-m", "core", *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
        )
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[1].returncode == 2 and "Traceback" not in runs[1].stderr
    assert runs[1].stderr.strip().splitlines() == ["error: locked.zip: '2.jpg' is encrypted (password-protected). Re-create the ZIP without a password."]
    assert list(temp_root.iterdir()) == []
