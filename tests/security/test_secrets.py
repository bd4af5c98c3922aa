"""Issue 14, item 1: a MongoDB password never reaches a message, a page or the CLI's output, and an
unreachable database is one clear message, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT, load_settings, redact
from core.errors import StoreError
from core.store import open_store

SECRET = "S3cret-PW"
URI = f"mongodb://analyst:{SECRET}@127.0.0.1:9/reelsight?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
"""Nothing listens on port 9 (discard) here, so the connection fails fast."""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("mongodb://user:pw@host/db", "mongodb://user:***@host/db"),
        ("mongodb+srv://user:p%40ss@cluster.example.net/db?x=1", "mongodb+srv://user:***@cluster.example.net/db?x=1"),
        ("mongodb://a:1@h1:27017,h2:27017/db", "mongodb://a:***@h1:27017,h2:27017/db"),
        ("error at mongodb://u:p@h/ and at https://k:v@x.org/", "error at mongodb://u:***@h/ and at https://k:***@x.org/"),
        ("mongodb://host/db", "mongodb://host/db"),
        ("mongodb://user@host/db", "mongodb://user@host/db"),
        (".data/db", ".data/db"),
    ],
)
def test_redact_hides_only_the_password(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_an_unreachable_database_names_the_host_but_not_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELSIGHT_DB", URI)
    with pytest.raises(StoreError) as info:
        open_store(load_settings())
    message = str(info.value)
    assert message.startswith("Cannot reach MongoDB at mongodb://analyst:***@127.0.0.1:9/reelsight")
    assert SECRET not in message and "Start MongoDB or unset REELSIGHT_DB" in message
    assert "Connection refused" in message and "Topology" not in message and len(message) < 300  # pymongo's reason, not its topology dump


def test_the_cli_prints_one_line_without_the_password() -> None:
    result = subprocess.run([sys.executable, "-m", "core", "--db", URI, "videos"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert SECRET not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Cannot reach MongoDB at mongodb://analyst:***@127.0.0.1:9/")


@pytest.mark.pages
def test_every_page_shows_one_message_without_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELSIGHT_DB", URI)
    at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Cannot reach MongoDB at mongodb://analyst:***@")
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "error", "warning", "info") for e in getattr(at, kind))
    shown += " ".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(at.sidebar, kind))
    assert SECRET not in shown
