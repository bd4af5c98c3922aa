"""Settings: each value resolves as explicit argument, then environment, then secrets, then default.

Environment variables: ``REELSIGHT_DB`` (a ``mongodb://`` URI or a folder for the embedded store),
``REELSIGHT_DATA`` (folder for blobs and downloads), ``REELSIGHT_WEIGHTS`` (``imagenet``, ``none``
or a folder of weight files), ``REELSIGHT_ALLOWED_HOSTS`` (comma-separated host names),
``REELSIGHT_LEASE_S`` (job lease in seconds), ``REELSIGHT_BATCH_SIZE`` (frames per model call, or
``auto``: by device, see :mod:`core.inference.runtime`), ``REELSIGHT_VIDEO_SOURCE`` (``auto`` or a name in
:data:`core.media.sources.SOURCES`), ``REELSIGHT_DECODE_WORKERS`` (decode threads, or ``auto``: the cores),
``REELSIGHT_RESIZE`` (how the full frame is resized, see :mod:`core.inference.feed`),
``REELSIGHT_OBJECT_SIDE`` (the object detector's square input side in pixels, or ``auto``: its default, 512),
``REELSIGHT_MAX_UPLOAD_MB`` (overrides the upload limit below; it also caps URL downloads),
``REELSIGHT_MAX_DURATION_S`` (longest video a URL may point to, seconds), and the limits on training and
screen-time images: ``REELSIGHT_MAX_ARCHIVE_MB`` (total unpacked size of a ZIP), ``REELSIGHT_MAX_ARCHIVE_ENTRIES``
(entries in a ZIP), ``REELSIGHT_MAX_COMPRESSION_RATIO`` (unpacked ÷ packed size of one entry) and
``REELSIGHT_MAX_IMAGE_MP`` (pixels of one image, in megapixels). The same keys may stand at the top level of
``.streamlit/secrets.toml``. The upload limit is Streamlit's ``server.maxUploadSize`` (MB) in
``.streamlit/config.toml``, so the dashboard and the CLI enforce one figure.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""Repository root: holds ``streamlit_app.py`` and ``.streamlit/``."""

DEFAULT_ALLOWED_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com")
"""Hosts (and their sub-domains) that URLs may point to unless configured otherwise."""

WEIGHT_CHOICES = ("imagenet", "none")

MAX_ARCHIVE_MB = 1024.0
"""Default for :attr:`Settings.max_archive_mb`."""
MAX_ARCHIVE_ENTRIES = 20000
"""Default for :attr:`Settings.max_archive_entries`."""
MAX_COMPRESSION_RATIO = 100.0
"""Default for :attr:`Settings.max_compression_ratio`."""
MAX_IMAGE_MP = 50.0
"""Default for :attr:`Settings.max_image_mp`."""
LIMIT_DEFAULTS = {
    "max_archive_mb": MAX_ARCHIVE_MB,
    "max_archive_entries": MAX_ARCHIVE_ENTRIES,
    "max_compression_ratio": MAX_COMPRESSION_RATIO,
    "max_image_mp": MAX_IMAGE_MP,
}
"""The limits on training and screen-time images: setting → default (whose type the value takes); each must be positive."""


_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:@/\s]*):[^@/\s]*@")


def redact(text: str) -> str:
    """``text`` with the password of every URI in it replaced by ``***``:
    ``mongodb://user:secret@host/db`` → ``mongodb://user:***@host/db``. For messages and logs."""
    return _CREDENTIALS.sub(r"\g<head>:***@", str(text))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"Cannot read {path}: {err}. Fix or remove that file.") from err


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process."""

    db: str
    """``mongodb://`` / ``mongodb+srv://`` URI, or a folder for the embedded store."""
    data_dir: Path
    """Local artifacts: blobs (uploads, thumbnails) and the download cache."""
    weights: str
    """``imagenet``, ``none`` (random initialisation) or a folder holding the Keras weight files."""
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    max_upload_mb: int = 200
    """Largest video file, uploaded or downloaded from a URL (MB)."""
    max_duration_s: float = 3 * 3600.0
    """Longest video a URL may point to (seconds); longer ones are refused when added and when downloaded."""
    lease_s: float = 60.0
    """A running job whose worker sends no heartbeat for this long goes back to the queue."""
    batch_size: int | None = None
    """Frames per model call; None: by device (:func:`core.inference.runtime.plan_runtime`)."""
    video_source: str = "auto"
    """Which decoder reads videos for analysis (:func:`core.media.sources.open_source`)."""
    decode_workers: int | None = None
    """Decode and resize threads; None: one per core (:func:`core.media.sources.default_workers`)."""
    resize: str = "linear-area"
    """How a full frame is resized to the model inputs (:data:`core.inference.feed.RESIZERS`)."""
    object_side: int | None = None
    """The object detector's square input side in pixels; None: the detector's default (:data:`core.inference.detectors.DETECTORS`)."""
    max_archive_mb: float = MAX_ARCHIVE_MB
    """Largest total unpacked size of the image entries of a ZIP, in MB (2²⁰ bytes, as the upload limit)."""
    max_archive_entries: int = MAX_ARCHIVE_ENTRIES
    """Most entries (files and folders, images or not) a ZIP may hold."""
    max_compression_ratio: float = MAX_COMPRESSION_RATIO
    """Largest unpacked ÷ packed size of one image entry of a ZIP."""
    max_image_mp: float = MAX_IMAGE_MP
    """Most pixels of one training or screen-time image, in megapixels (10⁶ pixels), read from its header (Pillow refuses over 179 whatever this says)."""

    @property
    def uses_mongo(self) -> bool:
        return self.db.startswith(("mongodb://", "mongodb+srv://"))

    @property
    def random_weights(self) -> bool:
        return self.weights == "none"


def load_settings(root: Path | None = None, **overrides: Any) -> Settings:
    """Resolve every setting: ``overrides`` > environment > ``.streamlit/secrets.toml`` > default."""
    root = root or PROJECT_ROOT
    secrets = _read_toml(root / ".streamlit" / "secrets.toml")
    streamlit_cfg = _read_toml(root / ".streamlit" / "config.toml")

    def pick(key: str, default: Any) -> Any:
        if overrides.get(key) is not None:
            return overrides[key]
        env_key = f"REELSIGHT_{key.upper()}"
        if os.environ.get(env_key):
            return os.environ[env_key]
        if env_key in secrets:
            return secrets[env_key]
        return default

    data_dir = Path(pick("data", root / ".data")).expanduser()
    db = str(pick("db", data_dir / "db"))
    weights = str(pick("weights", "imagenet"))
    if weights.lower() in WEIGHT_CHOICES:
        weights = weights.lower()
    hosts = pick("allowed_hosts", DEFAULT_ALLOWED_HOSTS)
    if isinstance(hosts, str):
        hosts = tuple(h.strip().lower() for h in hosts.split(",") if h.strip())

    def number(key: str, default: Any, cast: Any) -> Any:
        value = pick(key, default)
        try:
            return cast(value)
        except (TypeError, ValueError) as err:
            extra = " or auto" if cast is _auto_int else ""
            raise ConfigError(f"REELSIGHT_{key.upper()} is {value!r}; it must be a number{extra}.") from err

    lease_s = number("lease_s", 60.0, float)
    max_duration_s = number("max_duration_s", 3 * 3600.0, float)
    batch_size = number("batch_size", "auto", _auto_int)
    decode_workers = number("decode_workers", "auto", _auto_int)
    object_side = number("object_side", "auto", _auto_int)
    if object_side is not None and not (64 <= object_side <= 2048 and object_side % 32 == 0):
        raise ConfigError(f"REELSIGHT_OBJECT_SIDE is {object_side}; it must be a multiple of 32 pixels from 64 to 2048 (512, 640, 800, …), or auto.")
    max_upload_mb = number("max_upload_mb", streamlit_cfg.get("server", {}).get("maxUploadSize", 200), int)
    if max_duration_s <= 0:
        raise ConfigError(f"REELSIGHT_MAX_DURATION_S is {max_duration_s:g}; it must be a positive number of seconds.")
    if lease_s <= 0 or (batch_size is not None and batch_size <= 0) or (decode_workers is not None and decode_workers <= 0):
        raise ConfigError("REELSIGHT_LEASE_S, REELSIGHT_BATCH_SIZE and REELSIGHT_DECODE_WORKERS must be positive (the last two may also be auto).")
    video_source = str(pick("video_source", "auto")).strip().lower()
    resize = str(pick("resize", "linear-area")).strip().lower()
    limits = {key: number(key, default, type(default)) for key, default in LIMIT_DEFAULTS.items()}
    for key, value in limits.items():
        if not value > 0:
            raise ConfigError(f"REELSIGHT_{key.upper()} is {value:g}; it must be a positive number.")
    # Names are checked where they are used (core.media.sources.open_source, core.inference.feed.resizer): config stays import-light.
    return Settings(
        db=db,
        data_dir=data_dir,
        weights=weights,
        allowed_hosts=tuple(hosts),
        max_upload_mb=max_upload_mb,
        max_duration_s=max_duration_s,
        lease_s=lease_s,
        batch_size=batch_size,
        video_source=video_source,
        decode_workers=decode_workers,
        resize=resize,
        object_side=object_side,
        **limits,
    )


def _auto_int(value: Any) -> int | None:
    """``auto`` (or None) → None; anything else must be a whole number."""
    if value is None or str(value).strip().lower() == "auto":
        return None
    return int(value)
