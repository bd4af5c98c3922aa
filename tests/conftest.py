"""Shared fixtures: an isolated environment per test, the real embedded store, generated media,
a local HTTP server for yt-dlp, and a guard that fails tests which log unexpected errors."""

from __future__ import annotations

import functools
import http.server
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.store.database import Store, open_store
from tests.media import write_clip

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_HOSTS = "youtube.com,youtu.be,127.0.0.1"


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every test gets its own database and data folder, random weights and 127.0.0.1 allowed."""
    values = {
        "REELSIGHT_DB": str(tmp_path / "db"),
        "REELSIGHT_DATA": str(tmp_path / "data"),
        "REELSIGHT_WEIGHTS": "none",
        "REELSIGHT_ALLOWED_HOSTS": TEST_HOSTS,
        "REELSIGHT_LEASE_S": "60",
        "REELSIGHT_BATCH_SIZE": "4",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return load_settings()


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = open_store(settings)
    yield s
    s.db.close()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def clip(media_dir: Path) -> Path:
    """3 s at 10 fps, 320×240: 30 frames whose pixels spell their index."""
    return write_clip(media_dir / "clip.mp4", n_frames=30, fps=10)


@pytest.fixture(scope="session")
def http_base(media_dir: Path, clip: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving ``media_dir`` (with ``clip.mp4``); yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(media_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def closed_url() -> str:
    """A link to 127.0.0.1 on a port nothing listens on: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/watch.mp4"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"{SHARED_DATA} is missing; the tests read sample media from ../shared/data"
    return SHARED_DATA


@pytest.fixture(autouse=True)
def fail_on_unexpected_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A test that logs an ERROR fails unless it is marked ``allow_errors``."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_errors"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR and r.name.startswith("core")]
    assert not errors, "unexpected ERROR log: " + "; ".join(r.getMessage() for r in errors)
