"""Browser copies of uploads browsers cannot play (core.media.preview): real files, real ffmpeg,
the worker's jobs, the moment player's source, cancel, delete and failure."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import cv2
import imageio_ffmpeg
import pytest

from core.errors import JobCancelled, VideoOpenError
from core.inference.runs import RunSettings, request_analysis
from core.jobs import queue as jobs
from core.media import annotate, ingest, preview
from core.media.videos import delete_video
from core.worker import Worker
from tests.media import index_frame, write_clip


@pytest.fixture
def h264_clip(tmp_path: Path) -> Path:
    """2 s at 10 fps, 320×240, H.264 in MP4 (as browsers play it)."""
    frames = (cv2.cvtColor(index_frame(i), cv2.COLOR_RGB2BGR) for i in range(20))
    return annotate.write_h264(tmp_path / "h264.mp4", frames, (320, 240), 10)


def _size(path: Path) -> tuple[int, int]:
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()


def _drain(store, settings) -> int:
    return Worker(store, settings, worker_id="test-worker").run(burst=True)


def test_codecs_browsers_play_and_those_they_do_not(clip: Path, h264_clip: Path, tmp_path: Path) -> None:
    assert preview.fourcc(clip) not in preview.BROWSER_CODECS and not preview.plays_in_browsers(clip)  # MPEG-4 Part 2 ("FMP4"), as OpenCV writes it
    assert preview.fourcc(h264_clip) in preview.BROWSER_CODECS and preview.plays_in_browsers(h264_clip)
    avi = h264_clip.with_suffix(".avi")
    avi.write_bytes(h264_clip.read_bytes())  # the same H.264 stream under a name browsers do not play
    assert not preview.plays_in_browsers(avi)
    with pytest.raises(VideoOpenError, match="not a video"):
        preview.fourcc(tmp_path / "missing.mp4")


def _h264(path: Path, pixels: str) -> Path:
    """1 s of ffmpeg's test pattern, 320×240, H.264 in MP4 with the pixel format ``pixels``."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1"]
    subprocess.run([*command, "-c:v", "libx264", "-pix_fmt", pixels, str(path)], check=True, capture_output=True, timeout=60)
    return path


@pytest.mark.parametrize(("pixels", "plays"), [("yuv420p", True), ("yuvj420p", True), ("yuv420p10le", False), ("yuv422p", False), ("yuv444p", False)])
def test_h264_plays_only_in_8_bit_4_2_0(tmp_path: Path, pixels: str, plays: bool) -> None:
    """H.264 High 10, 4:2:2 and 4:4:4 are H.264 too ("avc1"), but no browser plays them: they get a
    copy, which is 8-bit 4:2:0 and plays."""
    source = _h264(tmp_path / f"{pixels}.mp4", pixels)
    assert preview.fourcc(source) in preview.H264_CODECS
    assert preview.plays_in_browsers(source) is plays
    if not plays:
        copy = preview.write_copy(source, tmp_path / "copy.mp4")
        assert preview.stream_format(copy)[1] == "i420" and preview.plays_in_browsers(copy)


@pytest.mark.parametrize(("size", "expected"), [((1280, 720), (854, 480)), ((720, 1280), (480, 854)), ((320, 240), (320, 240))])
def test_a_copy_fits_in_the_box_and_keeps_its_shape(tmp_path: Path, size: tuple[int, int], expected: tuple[int, int]) -> None:
    source = write_clip(tmp_path / "in.mp4", n_frames=12, fps=6, width=size[0], height=size[1])
    seen: list[float] = []
    out = preview.write_copy(source, tmp_path / "copy.mp4", on_progress=seen.append)
    assert _size(out) == expected and preview.plays_in_browsers(out)
    assert seen and 1.0 <= max(seen) <= 2.1  # ffmpeg's progress, in seconds of the 2 s video


def test_odd_sizes_are_made_even(tmp_path: Path) -> None:
    source = tmp_path / "odd.avi"  # MPEG-4 Part 2 at 321 × 241, as some cameras and encoders write it
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=321x241:rate=5", "-t", "2", "-c:v", "mpeg4", str(source)]
    subprocess.run(cmd, check=True)
    assert _size(preview.write_copy(source, tmp_path / "copy.mp4")) == (320, 240)


def test_ffmpeg_failure_is_one_plain_message(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoOpenError) as err:
        preview.write_copy(bad, tmp_path / "out.mp4")
    assert str(err.value).startswith("ffmpeg could not convert broken.mp4 for the browser (exit ") and str(tmp_path) not in str(err.value)
    assert "worker's log" in str(err.value) and "ffmpeg exit" in caplog.text  # ffmpeg's own words go to the log


def test_an_analysis_queues_a_copy_and_the_player_uses_it(store, settings, clip: Path, h264_clip: Path) -> None:
    from dashboard import moment

    video_id, _ = ingest.add_file(store, settings, clip)
    playable_id, _ = ingest.add_file(store, settings, h264_clip)
    analyses = [request_analysis(store, vid, RunSettings(fps=1, models=("resnet50",)))[1] for vid in (video_id, playable_id)]
    assert _drain(store, settings) == 3  # two analyses, then the one copy the MPEG-4 Part 2 upload needs
    assert [jobs.get_job(store, j)["state"] for j in analyses] == ["done", "done"]
    [copy_job] = [j for j in store.jobs.list() if j["kind"] == preview.COPY_JOB]
    assert copy_job["state"] == "done" and copy_job["params"] == {"video_id": video_id}
    assert copy_job["progress"]["done"] == copy_job["progress"]["total"] == 3  # seconds of video
    video, playable = store.videos.find(video_id), store.videos.find(playable_id)
    assert playable.get("playable") is True and "preview_blob" not in playable  # H.264 MP4 plays as it is
    copy = store.blobs.local_path(video["preview_blob"])
    assert preview.plays_in_browsers(copy)
    assert not preview.needs_copy(store, video_id)  # a second analysis queues nothing

    assert moment.video_source(video_id) == str(copy)
    assert moment.video_source(playable_id) == str(store.blobs.local_path(playable["blob"]))
    copy.unlink()  # a copy whose file is gone: the original is still offered
    assert moment.video_source(video_id) == str(store.blobs.local_path(video["blob"]))

    delete_video(store, settings, video_id)
    assert store.videos.find(video_id) is None and not any(p.name == video["preview_blob"] for p in copy.parent.iterdir())


@pytest.mark.allow_errors  # the worker logs the copy job's failure
def test_a_failed_copy_leaves_the_analysis_done(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    _, analysis = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    Worker(store, settings, worker_id="test-worker").run_one(analysis)
    store.blobs.local_path(store.videos.find(video_id)["blob"]).unlink()  # the file disappears before the copy is made
    assert _drain(store, settings) == 1
    assert jobs.get_job(store, analysis)["state"] == "done" and store.runs.find(jobs.get_job(store, analysis)["params"]["run_id"])["finished_at"]
    [copy_job] = [j for j in store.jobs.list() if j["kind"] == preview.COPY_JOB]
    assert copy_job["state"] == "failed" and "is missing" in copy_job["error"] and "Traceback" not in copy_job["error"]


def _context(store, video_id: str, on_progress) -> SimpleNamespace:
    """The part of the worker's job context a copy job uses: the store, its job, its progress."""
    return SimpleNamespace(store=store, job={"_id": "j", "params": {"video_id": video_id}}, progress=on_progress)


def test_a_cancelled_copy_stops_ffmpeg_and_stores_nothing(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    blobs = set(store.blobs.local_path(store.videos.find(video_id)["blob"]).parent.iterdir())

    def progress(stage: str, done: int, total: int | None, throttle_s: float = 0.0) -> None:
        if done > 0:
            raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        preview.run_copy_job(_context(store, video_id, progress))
    assert "preview_blob" not in store.videos.find(video_id)
    assert set(next(iter(blobs)).parent.iterdir()) == blobs


def test_a_video_deleted_during_its_copy_leaves_no_file(store, settings, clip: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, clip)
    folder = store.blobs.local_path(store.videos.find(video_id)["blob"]).parent

    def progress(stage: str, done: int, total: int | None, throttle_s: float = 0.0) -> None:
        if done > 0 and store.videos.find(video_id):
            delete_video(store, settings, video_id)

    preview.run_copy_job(_context(store, video_id, progress))
    assert store.videos.find(video_id) is None and list(folder.iterdir()) == []


def test_the_moment_offers_a_copy_and_says_when_one_is_coming(store, settings, clip: Path) -> None:
    import numpy as np

    from tests.synthetic import add_run
    from tests.test_pages import open_page

    video_id, _ = ingest.add_file(store, settings, clip, views=10)
    add_run(store, video_id, 3, top_k=3, fps=1, source_fps=10, rng=np.random.default_rng(3))
    query = {"videos": video_id, "video": video_id, "t": "1.2"}
    at = open_page("pages/explorer.py", query)
    [button] = [b for b in at.button if b.key == "moment.copy"]
    button.click().run()
    assert store.jobs.pending(preview.COPY_JOB, video_id)
    at = open_page("pages/explorer.py", query)
    assert any("is being made" in c.value for c in at.caption) and not [b for b in at.button if b.key == "moment.copy"]
    assert preview.request_copy(store, video_id) is None  # one copy job at a time


def test_uploads_never_checked_can_be_queued_at_once(store, settings, clip: Path, h264_clip: Path) -> None:
    old, playable = ingest.add_file(store, settings, clip)[0], ingest.add_file(store, settings, h264_clip)[0]  # e.g. analysed before copies existed
    assert len(preview.request_unchecked_copies(store)) == 2 and preview.request_unchecked_copies(store) == []  # one job per video at a time
    assert _drain(store, settings) == 2
    assert store.videos.find(old)["preview_blob"] and store.videos.find(playable)["playable"] is True
    assert preview.request_unchecked_copies(store) == []  # both are known now
