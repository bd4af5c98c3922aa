"""yt-dlp under our rules: every request's host checked against the allowlist, redirects included.

yt-dlp sends every HTTP request (page, API, media, fragments) through its ``RequestDirector``.
:class:`GuardedYoutubeDL` gives that director one handler, urllib's, which refuses a request to a
host off the list before connecting and refuses a redirect before following it. Media that would
need an external program (ffmpeg for HLS, rtmpdump) are not selected, since those would fetch
past the check. Limits on size and duration use yt-dlp's own format and match filters.
"""

from __future__ import annotations

import logging
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlparse

import yt_dlp
from yt_dlp.networking._urllib import UrllibRH
from yt_dlp.networking.exceptions import RequestError

from core.errors import IngestError

log = logging.getLogger(__name__)


class _YdlLogger:
    """Routes yt-dlp's messages to our log, so it never prints to the user's terminal itself."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", msg)

    info = debug

    def warning(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        log.info("yt-dlp: %s", msg)  # raised to the caller as DownloadError, with the reason


YDL_OPTIONS: dict[str, Any] = {
    "quiet": True, "no_warnings": True, "noprogress": True, "noplaylist": True, "socket_timeout": 30, "logger": _YdlLogger(),
    "hls_prefer_native": True, "external_downloader": {"default": "native"},
}  # fmt: skip
"""Options every call shares: quiet (messages go to our log), one video per link, native downloaders only."""


def reason(err: Exception) -> str:
    """yt-dlp's error text without its ``ERROR:`` prefix."""
    return str(err).removeprefix("ERROR: ").strip()


SAFE_PROTOCOLS = ("http", "https", "m3u8_native", "http_dash_segments")
"""Download protocols whose every request goes through yt-dlp's own (guarded) networking."""


def normal_host(host: str) -> str:
    """Lower case, without the trailing dot of a fully qualified name (``www.youtube.com.``)."""
    host = host.strip().lower()
    return host[:-1] if host.endswith(".") else host


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True if ``host`` is one of ``allowed_hosts`` or a sub-domain of one."""
    host = normal_host(host)
    allowed = [normal_host(h) for h in allowed_hosts]
    return bool(host) and any(host == h or host.endswith("." + h) for h in allowed)


def check_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """Return the URL, stripped, if it is http(s) on an allowed host (or a sub-domain of one); else raise."""
    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme.lower() not in ("http", "https"):
        raise IngestError(f"{url} is not an http(s) URL. Paste a link such as https://www.youtube.com/watch?v=…")
    host = parsed.hostname or ""
    if not host_allowed(host, allowed_hosts):
        raise IngestError(f"{host or url} is not an allowed host ({', '.join(allowed_hosts)}). Use a YouTube link, or add the host to REELSIGHT_ALLOWED_HOSTS.")
    return url


class HostNotAllowed(RequestError):
    """A request (or a redirect) to a host off the allowlist; raised inside yt-dlp's networking."""

    def __init__(self, url: str, redirect_from: str | None = None) -> None:
        self.url = url
        self.host = urlparse(url).hostname or url
        self.redirect_from = redirect_from
        super().__init__(f"{self.host} is not an allowed host")


class _RefuseRedirects(urllib.request.BaseHandler):
    """Checks a redirect's target before yt-dlp's ``RedirectHandler`` (order 500) follows it."""

    handler_order = 400

    def __init__(self, allowed_hosts: tuple[str, ...]) -> None:
        self.allowed_hosts = allowed_hosts

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any) -> None:
        target = headers.get("Location") or headers.get("URI")
        if target:
            url = urljoin(req.full_url, target)
            if urlparse(url).scheme.lower() not in ("http", "https") or not host_allowed(urlparse(url).hostname or "", self.allowed_hosts):
                fp.close()
                raise HostNotAllowed(url, redirect_from=req.full_url)
        return None  # allowed: the next handler follows it

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class _AllowlistRH(UrllibRH):
    """yt-dlp's urllib handler, refusing requests and redirects to hosts off ``allowed_hosts``."""

    allowed_hosts: tuple[str, ...] = ()

    def _create_instance(self, *args: Any, **kwargs: Any) -> urllib.request.OpenerDirector:
        opener = super()._create_instance(*args, **kwargs)
        opener.add_handler(_RefuseRedirects(self.allowed_hosts))
        return opener

    def _send(self, request: Any) -> Any:
        if urlparse(request.url).scheme.lower() not in ("http", "https") or not host_allowed(urlparse(request.url).hostname or "", self.allowed_hosts):
            raise HostNotAllowed(request.url)
        return super()._send(request)


class GuardedYoutubeDL(yt_dlp.YoutubeDL):
    """A ``YoutubeDL`` whose every request goes to an allowed host. ``refused`` holds the last refusal."""

    def __init__(self, params: dict[str, Any], allowed_hosts: tuple[str, ...]) -> None:
        self.allowed_hosts = tuple(allowed_hosts)
        self.refused: HostNotAllowed | None = None
        super().__init__(params)

    def build_request_director(self, handlers: Any, preferences: Any = None) -> Any:
        guarded = type("GuardedUrllibRH", (_AllowlistRH,), {"allowed_hosts": self.allowed_hosts})
        return super().build_request_director([guarded], preferences)

    def urlopen(self, req: Any) -> Any:
        try:
            return super().urlopen(req)
        except HostNotAllowed as err:
            self.refused = err
            raise

    def refusal_message(self, url: str) -> str | None:
        """The user-facing reason when a request was refused, else None."""
        if self.refused is None:
            return None
        hosts = ", ".join(self.allowed_hosts)
        if self.refused.redirect_from:
            return (
                f"{url} redirected to {self.refused.host}, which is not an allowed host ({hosts}). "
                "Paste the final link if you trust it, and add its host to REELSIGHT_ALLOWED_HOSTS."
            )
        return f"{url} needs {self.refused.host}, which is not an allowed host ({hosts}). Add that host to REELSIGHT_ALLOWED_HOSTS if you trust it."


def safe_format(max_height: int = 720) -> str:
    """A format selector: the best single file up to ``max_height``, else the best, over :data:`SAFE_PROTOCOLS`."""
    choices = []
    for base in (f"b[height<={max_height}]", f"bv*[height<={max_height}]", "b", "bv*"):
        choices += [f"{base}[protocol={p}]" for p in SAFE_PROTOCOLS]
    return "/".join(choices)
