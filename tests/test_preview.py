"""Browser copies of uploads browsers cannot play (core.media.preview): real files, real ffmpeg,
the worker's analysis job, the moment player's source and the delete."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from core.errors import VideoOpenError
from core.inference.runs import RunSettings, request_analysis
from core.media import annotate, ingest, preview
from core.media.videos import delete_video
from core.worker import Worker
from tests.media import index_frame, write_clip


@pytest.fixture
def h264_clip(tmp_path: Path) -> Path:
    """2 s at 10 fps, 320×240, H.264 in MP4 (as browsers play it)."""
    frames = (cv2.cvtColor(index_frame(i), cv2.COLOR_RGB2BGR) for i in range(20))
    return annotate.write_h264(tmp_path / "h264.mp4", frames, (320, 240), 10)


def test_codecs_browsers_play_and_those_they_do_not(clip: Path, h264_clip: Path, tmp_path: Path) -> None:
    assert preview.fourcc(clip) not in preview.BROWSER_CODECS and not preview.plays_in_browsers(clip)  # MPEG-4 Part 2 ("FMP4"), as OpenCV writes it
    assert preview.fourcc(h264_clip) in preview.BROWSER_CODECS and preview.plays_in_browsers(h264_clip)
    avi = h264_clip.with_suffix(".avi")
    avi.write_bytes(h264_clip.read_bytes())  # the same H.264 stream under a name browsers do not play
    assert not preview.plays_in_browsers(avi)
    with pytest.raises(VideoOpenError, match="not a video"):
        preview.fourcc(tmp_path / "missing.mp4")


def test_a_tall_video_becomes_480_lines_of_h264(tmp_path: Path) -> None:
    source = write_clip(tmp_path / "tall.mp4", n_frames=12, fps=6, width=1280, height=720)
    out = preview.write_preview(source, tmp_path / "preview.mp4")
    cap = cv2.VideoCapture(str(out))
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert size == (854, 480) and count == 12 and preview.plays_in_browsers(out)


def test_odd_sizes_are_made_even(tmp_path: Path) -> None:
    import subprocess

    import imageio_ffmpeg

    source = tmp_path / "odd.avi"  # MPEG-4 Part 2 at 321 × 241, as some cameras and encoders write it
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=321x241:rate=5", "-t", "2", "-c:v", "mpeg4", str(source)]
    subprocess.run(cmd, check=True)
    out = preview.write_preview(source, tmp_path / "preview.mp4")
    cap = cv2.VideoCapture(str(out))
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (320, 240)
    cap.release()


def test_ffmpeg_failure_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoOpenError, match=r"Making a browser copy of broken\.mp4 failed \(ffmpeg exit"):
        preview.write_preview(bad, tmp_path / "out.mp4")


def test_the_worker_makes_a_copy_once_and_the_player_uses_it(store, settings, clip: Path, h264_clip: Path) -> None:
    from dashboard import moment

    video_id, _ = ingest.add_file(store, settings, clip)
    playable_id, _ = ingest.add_file(store, settings, h264_clip)
    for vid in (video_id, playable_id):
        request_analysis(store, vid, RunSettings(fps=1, models=("resnet50",)))
    assert Worker(store, settings, worker_id="test-worker").run(burst=True) == 2
    video, playable = store.videos.find(video_id), store.videos.find(playable_id)
    assert playable.get("playable") is True and "preview_blob" not in playable  # H.264 MP4 plays as it is
    copy = store.blobs.local_path(video["preview_blob"])
    assert preview.plays_in_browsers(copy) and preview.fourcc(copy) in preview.BROWSER_CODECS
    assert preview.ensure_preview(store, video_id) == video["preview_blob"]  # a second analysis does not encode again

    assert moment.video_source(video_id) == str(copy)
    assert moment.video_source(playable_id) == str(store.blobs.local_path(playable["blob"]))

    delete_video(store, settings, video_id)
    assert not copy.exists()
