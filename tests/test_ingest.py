"""Adding videos: yt-dlp for real against 127.0.0.1, local files, uploads, and every bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.errors import DownloadError, EmptyVideoError, HostUnreachable, IngestError, VideoOpenError
from core.media import ingest
from core.media.downloads import download
from core.media.videos import delete_video, effective_views, get_video, list_videos, set_views
from tests.media import write_zero_frame_avi


def nothing_written(store) -> bool:
    blobs = [p for p in store.blobs.root.iterdir()] if store.blobs.root.exists() else []
    return store.db["videos"].count_documents({}) == 0 and blobs == []


def test_add_url_stores_yt_dlp_metadata(store, settings, http_base: str) -> None:
    url = f"{http_base}/clip.mp4"
    video_id, created = ingest.add_url(store, settings, url, views=1234)
    assert created
    video = get_video(store, video_id)
    assert video["source"] == "url" and video["url"] == url
    assert video["webpage_url"] == url and video["title"] == "clip"
    assert set(ingest.METADATA_FIELDS) <= set(video)  # every field stored, even when yt-dlp has none
    assert video["view_count"] is None and effective_views(video) == 1234
    # the same link again is recognised, not duplicated
    assert ingest.add_url(store, settings, url) == (video_id, False)
    assert store.db["videos"].count_documents({}) == 1


def test_download_fetches_the_file_once(store, settings, http_base: str) -> None:
    video_id, _ = ingest.add_url(store, settings, f"{http_base}/clip.mp4")
    progress: list[tuple[int, int | None]] = []
    path = download(get_video(store, video_id), settings, lambda d, t: progress.append((d, t)))
    assert path.name == f"{video_id}.mp4" and path.stat().st_size > 0 and path.parent == settings.data_dir / "downloads"
    assert progress and progress[-1][0] == path.stat().st_size
    again = download(get_video(store, video_id), settings, lambda d, t: pytest.fail("downloaded twice"))
    assert again == path


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("ftp://www.youtube.com/watch?v=x", r"not an http\(s\) URL", id="not-http"),
        pytest.param("file:///etc/passwd", r"not an http\(s\) URL", id="file-scheme"),
        pytest.param("https://vimeo.com/123", "not an allowed host", id="host-not-allowed"),
        pytest.param("https://notyoutube.com/watch?v=x", "not an allowed host", id="lookalike-host"),
    ],
)
def test_bad_urls_are_refused_before_any_network(store, settings, url: str, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        ingest.add_url(store, settings, url)
    assert nothing_written(store)


def test_a_missing_page_blames_the_link(store, settings, http_base: str) -> None:
    with pytest.raises(DownloadError, match="Could not read .*missing.mp4: the site answered HTTP 404") as caught:
        ingest.add_url(store, settings, f"{http_base}/missing.mp4")
    assert not isinstance(caught.value, HostUnreachable) and "Check that the link opens in a browser" in str(caught.value)
    assert "HTTP Error 404" in caught.value.detail and "caused by" not in str(caught.value)
    assert nothing_written(store)


def test_a_page_without_a_video_blames_the_link(store, settings, http_base: str, media_dir: Path) -> None:
    (media_dir / "page.html").write_text("<html><body>No video here</body></html>")
    with pytest.raises(DownloadError, match="the page holds no video that can be read") as caught:
        ingest.add_url(store, settings, f"{http_base}/page.html")
    assert not isinstance(caught.value, HostUnreachable) and "Unsupported URL" in caught.value.detail


UNREACHABLE = [
    pytest.param("closed-port", "127.0.0.1", "the connection was refused", "Connection refused", id="connection-refused"),
    pytest.param("http://nonexistent.invalid/watch?v=abc", "nonexistent.invalid", "its name could not be looked up", "", id="no-such-host"),
]


def _unreachable(url: str, closed_url: str) -> str:
    return closed_url if url == "closed-port" else url


@pytest.mark.parametrize(("url", "host", "why", "technical"), UNREACHABLE)
def test_a_network_failure_says_the_server_cannot_reach_the_host(store, settings, closed_url: str, url: str, host: str, why: str, technical: str) -> None:
    settings = dataclasses.replace(settings, allowed_hosts=(*settings.allowed_hosts, "nonexistent.invalid"))
    with pytest.raises(HostUnreachable) as caught:
        ingest.add_url(store, settings, _unreachable(url, closed_url))
    err = caught.value
    assert str(err).startswith(f"The server cannot reach {host}: {why}") and err.host == host
    assert "not with the link" in str(err) and "upload the file instead" in str(err)
    assert "Check that the link" not in str(err) and "Errno" not in str(err) and "TransportError" not in str(err)
    assert "TransportError" in err.detail and technical in err.detail  # the technical text is kept apart
    assert nothing_written(store)


def test_the_worker_says_the_same_when_it_cannot_download(settings, closed_url: str) -> None:
    with pytest.raises(HostUnreachable, match="The server cannot reach 127.0.0.1: the connection was refused"):
        download({"_id": "v1", "url": closed_url}, settings, lambda done, total: None)
    assert [p for p in (settings.data_dir / "downloads").glob("v1.*") if p.suffix != ".lock"] == []


def test_the_cli_prints_one_plain_line_for_a_network_failure(env, closed_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli.main import main

    assert main(["add", closed_url]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: The server cannot reach 127.0.0.1: the connection was refused."), lines
    assert "Errno" not in lines[0] and "TransportError" not in lines[0]


def test_allowlist_is_a_setting(store, settings, http_base: str) -> None:
    strict = dataclasses.replace(settings, allowed_hosts=("youtube.com",))
    with pytest.raises(IngestError, match="REELSIGHT_ALLOWED_HOSTS"):
        ingest.add_url(store, strict, f"{http_base}/clip.mp4")


def test_add_file_copies_into_the_blob_store(store, settings, clip: Path) -> None:
    video_id, created = ingest.add_file(store, settings, clip, views=5, title="My clip")
    video = get_video(store, video_id)
    assert created and video["title"] == "My clip" and video["fps"] == 10 and video["frame_count"] == 30
    assert store.blobs.local_path(video["blob"]).read_bytes() == clip.read_bytes()
    assert ingest.add_file(store, settings, clip) == (video_id, False)
    assert len(list(store.blobs.root.iterdir())) == 1


def test_upload_goes_through_the_same_checks(store, settings, clip: Path) -> None:
    video_id, created = ingest.add_upload(store, settings, "party.mp4", clip.read_bytes())
    assert created and get_video(store, video_id)["filename"] == "party.mp4"
    with pytest.raises(IngestError, match="not a supported video type"):
        ingest.add_upload(store, settings, "notes.txt", b"hello")


@pytest.mark.parametrize("case", ["missing", "not-video", "zero-frames", "wrong-extension", "too-large"])
def test_bad_files_leave_nothing_behind(store, settings, tmp_path: Path, clip: Path, case: str) -> None:
    if case == "missing":
        path, error, message = tmp_path / "nope.mp4", IngestError, "No such file"
    elif case == "not-video":
        path = tmp_path / "fake.mp4"
        path.write_bytes(b"\x00garbage" * 500)
        error, message = VideoOpenError, "not a video"
    elif case == "zero-frames":
        path, error, message = write_zero_frame_avi(tmp_path / "empty.avi"), EmptyVideoError, "no frames"
    elif case == "wrong-extension":
        path = tmp_path / "clip.gif"
        path.write_bytes(clip.read_bytes())
        error, message = IngestError, "not a supported video type"
    else:
        path, error, message = clip, IngestError, "over the 0 MB upload limit"
        settings = dataclasses.replace(settings, max_upload_mb=0)
    with pytest.raises(error, match=message):
        ingest.add_file(store, settings, path)
    assert nothing_written(store)


def test_views_can_be_set_cleared_and_must_be_positive(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    assert list_videos(store).loc[0, "views"] is None or list_videos(store)["views"].isna().all()
    set_views(store, video_id, 20_000_000)
    row = list_videos(store).iloc[0]
    assert row["views"] == 20_000_000 and row["views_source"] == "analyst"
    with pytest.raises(IngestError, match="zero or more"):
        set_views(store, video_id, -1)
    set_views(store, video_id, None)
    assert list_videos(store).iloc[0]["views_source"] == "none"


def test_delete_removes_the_file(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    delete_video(store, settings, video_id)
    assert nothing_written(store)
