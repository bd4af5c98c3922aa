"""A hostile web server on 127.0.0.1 for the URL attacks: redirects, feeds, oversized media.

It records every request it receives, with the ``Host`` header, so a test can show that a request
to a host off the allowlist was never sent. ``localhost`` reaches the same server but is not on the
tests' allowlist (``127.0.0.1`` is), so a redirect there stands in for one to an internal service.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse


@dataclass
class Site:
    """What the server serves; tests change it between requests."""

    clip: bytes
    big_mb: float = 3.0
    redirects: dict[str, str] = field(default_factory=dict)
    """``/r/<name>`` → Location header."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    """``(host header, path)`` of every request received, in order."""
    base: str = ""
    port: int = 0

    def hosts(self) -> set[str]:
        return {host.split(":")[0] for host, _ in self.requests}

    def feed(self, n: int) -> bytes:
        items = "".join(
            f"<item><title>Episode {i}</title><link>{self.base}/clip.mp4?e={i}</link>"
            f'<enclosure url="{self.base}/clip.mp4?e={i}" type="video/mp4" length="1000"/></item>'
            for i in range(n)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><link>{self.base}</link>{items}</channel></rss>'.encode()

    def video_page(self, hours: float) -> bytes:
        """A web page whose schema.org VideoObject (JSON-LD, which yt-dlp reads) says the video lasts ``hours``."""
        return (
            '<html><head><title>Long video</title><script type="application/ld+json">'
            f'{{"@context": "https://schema.org", "@type": "VideoObject", "name": "Long video", "contentUrl": "{self.base}/clip.mp4", '
            f'"duration": "PT{int(hours * 3600)}S", "uploadDate": "2026-01-01"}}</script></head><body></body></html>'
        ).encode()


def _handler(site: Site) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            site.requests.append((self.headers.get("Host", ""), self.path))
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path.startswith("/r/") and url.path[3:] in site.redirects:
                self.send_response(302)
                self.send_header("Location", site.redirects[url.path[3:]])
                self.end_headers()
            elif url.path == "/clip.mp4":
                self._send(site.clip, "video/mp4")
            elif url.path == "/feed.xml":
                self._send(site.feed(int(query.get("n", ["300"])[0])), "application/rss+xml")
            elif url.path == "/long.html":
                self._send(site.video_page(float(query.get("hours", ["4"])[0])), "text/html")
            elif url.path == "/big.mp4":
                self._big(announce="quiet" not in query)
            else:
                self.send_error(404)

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _big(self, announce: bool) -> None:
            """An MP4 header, then ``site.big_mb`` MB; with ``announce`` the size is in Content-Length,
            without it the body just runs until the connection closes (the size is found out by reading)."""
            size = int(site.big_mb * 2**20)
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            if announce:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command == "HEAD":
                return
            sent, block = 0, site.clip[:65536].ljust(65536, b"\0")
            try:
                while sent < size:
                    self.wfile.write(block[: size - sent])
                    sent += len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what the size limit should do

    return Handler


@contextmanager
def serve(clip: Path) -> Iterator[Site]:
    site = Site(clip=clip.read_bytes())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.port = server.server_port
    site.base = f"http://127.0.0.1:{site.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
