"""Issue 14, items 2, 7, 8, 9 and 11: URLs as an attacker would craft them, against a real
yt-dlp and a local web server. Every request (page, media, redirect) is checked against the
allowlist when it is made, in the worker too; downloads have size and duration limits; feeds are
refused after one request; partial files do not outlive the process that wrote them."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from core.errors import DownloadError, IngestError
from core.media import check_url, delete_video, ingest, sweep_downloads
from core.media.downloads import download
from core.media.videos import get_video
from tests.security.web import Site, serve


@pytest.fixture
def site(clip: Path) -> Iterator[Site]:
    with serve(clip) as s:
        yield s


def _no_download_files(settings) -> bool:
    folder = settings.data_dir / "downloads"
    return not folder.exists() or not [p for p in folder.iterdir() if p.suffix != ".lock"]


# -- item 2: redirects ------------------------------------------------------------------------


def test_a_redirect_off_the_allowlist_is_refused_when_adding(store, settings, site: Site) -> None:
    site.redirects["x"] = f"http://localhost:{site.port}/clip.mp4"
    with pytest.raises(IngestError, match=r"redirected to localhost, which is not an allowed host .*REELSIGHT_ALLOWED_HOSTS"):
        ingest.add_url(store, settings, f"{site.base}/r/x")
    assert "localhost" not in site.hosts(), "the redirect target was requested"
    assert store.db["videos"].count_documents({}) == 0


def test_a_redirect_on_the_allowlist_is_followed_and_the_given_url_stored(store, settings, site: Site) -> None:
    site.redirects["ok"] = f"{site.base}/clip.mp4"
    video_id, _ = ingest.add_url(store, settings, f"{site.base}/r/ok")
    video = get_video(store, video_id)
    assert video["url"] == f"{site.base}/r/ok"


def test_the_worker_checks_redirects_again_when_it_downloads(store, settings, site: Site) -> None:
    site.redirects["later"] = f"{site.base}/clip.mp4"
    video_id, _ = ingest.add_url(store, settings, f"{site.base}/r/later")
    site.redirects["later"] = f"http://localhost:{site.port}/clip.mp4"  # the page changes after it was added
    site.requests.clear()
    with pytest.raises(DownloadError, match="redirected to localhost, which is not an allowed host"):
        download(get_video(store, video_id), settings, lambda d, t: None)
    assert "localhost" not in site.hosts()
    assert _no_download_files(settings)


def test_the_worker_applies_the_allowlist_of_today(store, settings, site: Site) -> None:
    video_id, _ = ingest.add_url(store, settings, f"{site.base}/clip.mp4")
    stricter = dataclasses.replace(settings, allowed_hosts=("youtube.com",))
    site.requests.clear()
    with pytest.raises(IngestError, match="127.0.0.1 is not an allowed host"):
        download(get_video(store, video_id), stricter, lambda d, t: None)
    assert site.requests == []


@pytest.mark.parametrize("url", ["https://www.youtube.com./watch?v=x", "https://WWW.YouTube.COM/watch?v=x", "https://youtu.be./x"])
def test_a_trailing_dot_or_capitals_name_the_same_host(url: str) -> None:
    assert check_url(url, ("youtube.com", "youtu.be")) == url


@pytest.mark.parametrize("url", ["https://youtube.com.evil.net/x", "https://evilyoutube.com/x", "https://youtube.com../x"])
def test_lookalike_hosts_are_still_refused(url: str) -> None:
    with pytest.raises(IngestError, match="not an allowed host"):
        check_url(url, ("youtube.com",))


# -- item 8: playlists and feeds --------------------------------------------------------------


def test_a_feed_is_refused_after_one_request(store, settings, site: Site) -> None:
    with pytest.raises(IngestError, match="is a playlist or feed of 300 video"):
        ingest.add_url(store, settings, f"{site.base}/feed.xml?n=300")
    assert len(site.requests) <= 2, site.requests  # the feed itself (and at most a HEAD), none of its 300 entries
    assert store.db["videos"].count_documents({}) == 0


# -- item 7: size and duration limits ---------------------------------------------------------


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "no-length"])
def test_a_download_over_the_size_limit_is_stopped_and_removed(store, settings, site: Site, announced: bool) -> None:
    small = dataclasses.replace(settings, max_upload_mb=1)
    site.big_mb = 3
    url = f"{site.base}/big.mp4" + ("" if announced else "?quiet=1")
    video_id, _ = ingest.add_url(store, small, url)
    seen: list[int] = []
    with pytest.raises(DownloadError, match=r"larger than the 1 MB limit; nothing was kept.*REELSIGHT_MAX_UPLOAD_MB"):
        download(get_video(store, video_id), small, lambda d, t: seen.append(d))
    assert all(d <= 2**20 for d in seen)
    assert _no_download_files(small)


def test_a_video_over_the_duration_limit_is_refused_when_added(store, settings, site: Site) -> None:
    with pytest.raises(IngestError, match=r"is 240 min long, over the 180 min limit.*REELSIGHT_MAX_DURATION_S"):
        ingest.add_url(store, settings, f"{site.base}/long.html?hours=4")
    assert store.db["videos"].count_documents({}) == 0


def test_the_duration_limit_holds_when_the_worker_downloads(store, settings, site: Site) -> None:
    video_id, _ = ingest.add_url(store, settings, f"{site.base}/long.html?hours=1")
    assert get_video(store, video_id)["duration"] == 3600
    shorter = dataclasses.replace(settings, max_duration_s=1800)
    with pytest.raises(DownloadError, match=r"longer than the 30 min limit.*REELSIGHT_MAX_DURATION_S"):
        download(get_video(store, video_id), shorter, lambda d, t: None)
    assert _no_download_files(settings)


# -- item 9: leftovers ------------------------------------------------------------------------


def test_a_killed_add_leaves_a_partial_blob_that_the_next_start_removes(settings, clip: Path, tmp_path: Path) -> None:
    """A process dies holding a half-written ``.part`` file; one still alive keeps its own."""
    blobs = settings.data_dir / "blobs"
    blobs.mkdir(parents=True)
    dead = blobs / ".deadbeef.mp4.part"
    dead.write_bytes(b"x" * 1000)
    live = blobs / ".alive.mp4.part"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from core.store import file_lock
            with file_lock(Path({str(live)!r})):
                print("locked", flush=True)
                time.sleep(60)
        """)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        from core.store import open_store

        open_store(settings).db.close()
        assert not dead.exists() and live.exists()
    finally:
        holder.kill()
        holder.wait()
    open_store(settings).db.close()
    assert not live.exists()


def test_worker_start_removes_partial_downloads_and_copies_of_deleted_videos(store, settings, site: Site) -> None:
    kept_id, _ = ingest.add_url(store, settings, f"{site.base}/clip.mp4")
    kept = download(get_video(store, kept_id), settings, lambda d, t: None)
    folder = kept.parent
    (folder / f"{kept_id}.mp4.part").write_bytes(b"half")
    (folder / "gone1234.mp4").write_bytes(b"a deleted video's copy")
    (folder / "gone1234.mp4.ytdl").write_bytes(b"{}")
    assert sweep_downloads(store, settings) == 3
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") == [kept.name]


def test_deleting_a_url_video_removes_its_download(store, settings, site: Site) -> None:
    video_id, _ = ingest.add_url(store, settings, f"{site.base}/clip.mp4")
    path = download(get_video(store, video_id), settings, lambda d, t: None)
    delete_video(store, settings, video_id)
    assert not path.exists() and _no_download_files(settings)
