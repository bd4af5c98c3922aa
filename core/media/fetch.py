"""yt-dlp under our rules: every request's host checked against the allowlist, redirects included.

yt-dlp sends every HTTP request (page, API, media, fragments) through its ``RequestDirector``.
:class:`GuardedYoutubeDL` gives that director one handler, urllib's, which refuses a request to a
host off the list before connecting and refuses a redirect before following it. Media that would
need an external program (ffmpeg for HLS, rtmpdump) are not selected, since those would fetch
past the check. Limits on size and duration use yt-dlp's own format and match filters.
"""

from __future__ import annotations

import logging
import re
import socket
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlparse

import yt_dlp
from yt_dlp.networking._urllib import UrllibRH
from yt_dlp.networking.exceptions import HTTPError, ProxyError, RequestError, SSLError, TransportError

from core.errors import DownloadError, HostUnreachable, IngestError

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


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and everything behind it: ``exc_info`` (yt-dlp's DownloadError), ``cause``
    (ExtractorError), ``__cause__`` and ``__context__``; outermost first, each once."""
    found: list[BaseException] = []
    todo: list[object] = [err]
    while todo:
        e = todo.pop(0)
        if not isinstance(e, BaseException) or any(e is f for f in found):
            continue
        found.append(e)
        info = getattr(e, "exc_info", None)
        todo += [info[1] if isinstance(info, tuple) and len(info) > 1 else None, getattr(e, "cause", None), e.__cause__, e.__context__]
    return found


def network_failure(err: BaseException) -> TransportError | None:
    """The transport error (name lookup, connection refused or timed out, proxy, TLS) behind a
    yt-dlp error, or None when the server was reached (an HTTP error, an unsupported or private video)."""
    return next((e for e in _causes(err) if isinstance(e, TransportError)), None)


def _network_why(err: TransportError) -> str:
    """What went wrong on the way to the host, in plain words."""
    causes = _causes(err)
    if isinstance(err, ProxyError):
        return "the proxy server refused or failed the connection"
    if isinstance(err, SSLError):
        return "the secure (TLS) connection failed, often a proxy or firewall that intercepts traffic"
    if any(isinstance(e, socket.gaierror) for e in causes):
        return "its name could not be looked up (no DNS or no internet access)"
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return "the connection was refused"
    if any(isinstance(e, TimeoutError) for e in causes) or "timed out" in str(err).lower():
        return "the connection timed out"
    if any(isinstance(e, ConnectionResetError) for e in causes):
        return "the connection was cut off"
    return "the network connection failed"


_EXTRACTOR_PREFIX = re.compile(r"^\[[\w:.-]+\] (?:[^ :]+: )?")
_CAUSED_BY = re.compile(r" \(caused by .*\)$", re.DOTALL)


def _bad_link_why(err: BaseException) -> str:
    """Why the site refused the link: its HTTP status, else yt-dlp's reason without the extractor
    prefix (``[youtube] abc:``) and the ``(caused by …)`` tail."""
    http = next((e for e in _causes(err) if isinstance(e, HTTPError)), None)
    if http is not None:
        meaning = {401: "sign-in required", 403: "access denied", 404: "no such page", 410: "removed", 429: "too many requests; try later"}
        extra = f" ({meaning[http.status]})" if http.status in meaning else ""
        return f"the site answered HTTP {http.status} {http.reason or ''}".rstrip() + extra
    text = _CAUSED_BY.sub("", reason(err).splitlines()[0] if reason(err) else type(err).__name__)
    text = _EXTRACTOR_PREFIX.sub("", text).rstrip(".") or text
    if text.startswith("Unsupported URL"):
        return "the page holds no video that can be read (unsupported URL)"
    return text


def download_error(url: str, err: BaseException, bad_link_advice: str, host: str | None = None) -> DownloadError:
    """yt-dlp's error as our own, with its text as ``detail``.

    A network failure (see :func:`network_failure`) becomes :class:`HostUnreachable` naming
    ``host`` (the host of the request that failed; default: the link's), which says the link may
    be fine and suggests uploading the file. Anything else is the link's fault: "Could not read
    ``url``: why. ``bad_link_advice``"."""
    detail = reason(err) or repr(err)
    failure = network_failure(err)
    if failure is not None:
        host = host or urlparse(url).hostname or url
        return HostUnreachable(
            f"The server cannot reach {host}: {_network_why(failure)}. This is a problem with the server's network, not with the link. "
            "Download the video in a browser and upload the file instead, or try again once the server can reach the internet.",
            host=host,
            detail=detail,
        )
    return DownloadError(f"Could not read {url}: {_bad_link_why(err)}. {bad_link_advice}", detail=detail)


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


def fetchable(url: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True if ``url`` is http(s) on an allowed host: what every request and redirect must be."""
    parsed = urlparse(url)
    return parsed.scheme.lower() in ("http", "https") and host_allowed(parsed.hostname or "", allowed_hosts)


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
            if not fetchable(url, self.allowed_hosts):
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
        if not fetchable(request.url, self.allowed_hosts):
            raise HostNotAllowed(request.url)
        return super()._send(request)


class GuardedYoutubeDL(yt_dlp.YoutubeDL):
    """A ``YoutubeDL`` whose every request goes to an allowed host. ``refused`` holds the last refusal."""

    def __init__(self, params: dict[str, Any], allowed_hosts: tuple[str, ...]) -> None:
        self.allowed_hosts = tuple(allowed_hosts)
        self.refused: HostNotAllowed | None = None
        self.unreachable: str | None = None
        """The host of the last request that failed in transport (name lookup, refused, timeout, …)."""
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
        except TransportError:
            url = req if isinstance(req, str) else getattr(req, "url", None) or req.get_full_url()
            self.unreachable = urlparse(url).hostname or None
            raise

    def download_error(self, url: str, err: BaseException, bad_link_advice: str) -> DownloadError:
        """Our error for a failed ``extract_info(url)``: a refused host (:meth:`refusal_message`),
        else :func:`download_error` naming the host that could not be reached."""
        refused = self.refusal_message(url)
        if refused:
            return DownloadError(refused)
        return download_error(url, err, bad_link_advice, host=self.unreachable)

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
