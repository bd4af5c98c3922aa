"""Domain exceptions. Every message says what happened and what to do next.

Pages and the CLI catch :class:`ReelsightError` only and show ``str(err)``.
"""

from __future__ import annotations


class ReelsightError(Exception):
    """Base class for every error a user may see."""


class ConfigError(ReelsightError):
    """A setting has a value the program cannot use."""


class OutputError(ReelsightError):
    """A folder for results (``--out``) cannot be created or written; the message names it."""


class StoreError(ReelsightError):
    """The database could not be reached or used."""


class NotFoundError(ReelsightError):
    """An id (video, run, job) that the database does not hold."""


class IngestError(ReelsightError):
    """A video could not be added: bad path, URL, host, size or content."""


class VideoOpenError(IngestError):
    """OpenCV cannot open or decode the file."""


class EmptyVideoError(VideoOpenError):
    """The file opens but holds no frames."""


class FrameRateError(VideoOpenError):
    """The file reports no usable frame rate, so timestamps cannot be computed."""


class DownloadError(IngestError):
    """yt-dlp could not read or download a URL.

    ``str(err)`` is the plain message; ``detail`` holds yt-dlp's own text (or None), for a
    "technical details" view. The CLI prints only the message."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class HostUnreachable(DownloadError):
    """The server could not connect to the video's host (name lookup, refused, timed out, proxy,
    TLS): a network problem on the server, not a bad link. ``host`` is the host it tried."""

    def __init__(self, message: str, host: str, detail: str | None = None) -> None:
        super().__init__(message, detail)
        self.host = host


class WeightsUnavailable(ReelsightError):
    """Model weights could not be loaded; the message says how to provide them."""


class JobError(ReelsightError):
    """A job cannot move to the requested state."""


class JobCancelled(ReelsightError):
    """Raised inside a running job when a user cancelled it."""


class LeaseLost(ReelsightError):
    """Raised inside a running job when another worker has taken it over."""


class WorkerStopping(ReelsightError):
    """Raised inside a running job when its worker was asked to shut down; the job is released."""


class TrainingSetError(ReelsightError):
    """Labelled training images that cannot be used; the message names the rows or files."""


class ScreenTimeError(ReelsightError):
    """A screen-time classifier cannot be trained or applied as asked."""


class YT8MError(ReelsightError):
    """YouTube-8M records, vocabulary or settings that cannot be used; the message names the file."""


class CategoryMappingError(ReelsightError):
    """A label-categories CSV that cannot be used. ``problems`` lists each one (by row), and
    ``headline`` is the message without that list, for a page that shows the list as a table."""

    def __init__(self, message: str, problems: list[str] | None = None, headline: str | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.headline = headline or message
