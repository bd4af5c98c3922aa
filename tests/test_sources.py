"""Video sources: every registered source yields exactly the frames and timestamps that
:func:`core.media.frames.iter_samples` picks, in order, whatever the sampling plan; parallel segments
check their seeks and fall back to decoding in order when a seek is not frame-exact."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from core.media import frames, sources
from tests.media import index_frame, read_index, write_clip

PLANS = [
    pytest.param(frames.SamplePlan(fps=None), id="every-frame"),
    pytest.param(frames.SamplePlan(fps=3), id="3fps"),
    pytest.param(frames.SamplePlan(fps=None, trim_start_s=1.3, trim_end_s=2.1), id="every-frame-trims"),
    pytest.param(frames.SamplePlan(fps=7, trim_start_s=5.0, trim_end_s=0.5), id="7fps-trims"),
    pytest.param(frames.SamplePlan(fps=2, trim_start_s=15.0), id="trim-past-end"),
]
SOURCES = [pytest.param(sources.open_source(name, workers=3), id=name) for name in sources.SOURCES]


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 s at 25 fps: 400 index frames, a key frame every 12 (OpenCV's MPEG-4 writer)."""
    return write_clip(tmp_path_factory.mktemp("sources") / "long.mp4", n_frames=400, fps=25)


def read(source: sources.VideoSource, path: Path, plan: frames.SamplePlan, skip=()) -> list[tuple[int, float, int]]:
    info = frames.probe(path)
    return [(s.index, s.time_s, s.payload) for s in source.samples(path, info, plan, read_index, skip)]


def reference(path: Path, plan: frames.SamplePlan, skip=()) -> list[tuple[int, float, int]]:
    info = frames.probe(path)
    return [(s.index, s.time_s, s.payload) for s in frames.iter_samples(path, info, plan, read_index, skip)]


def test_the_long_clip_splits_into_segments(long_clip: Path) -> None:
    info = frames.probe(long_clip)
    keys = sources.keyframe_indices(long_clip, info)
    assert keys is not None and keys[:3] == [0, 12, 24] and keys[-1] == 396
    starts = sources.segment_starts(keys, 0)
    assert starts[0] == 0 and len(starts) > 4  # so the parallel path is what the tests below exercise
    assert all(b - a >= sources.MIN_SEGMENT_FRAMES for a, b in zip(starts, starts[1:]))
    assert all(s - sources.SEEK_PREROLL in keys for s in starts[1:])


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("plan", PLANS)
def test_every_source_yields_exactly_the_reference_frames(long_clip: Path, source: sources.VideoSource, plan: frames.SamplePlan) -> None:
    expected = reference(long_clip, plan)
    got = read(source, long_clip, plan)
    assert got == expected
    assert all(pixel == index for index, _, pixel in got), "decoded pixels belong to another frame"


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_leaves_out_stored_frames(long_clip: Path, source: sources.VideoSource) -> None:
    skip = {0, 1, 57, 64, 65, 200, 399}
    got = read(source, long_clip, frames.SamplePlan(fps=None), skip)
    assert [g[0] for g in got] == [i for i in range(400) if i not in skip]


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_reads_the_short_clip(clip: Path, source: sources.VideoSource) -> None:
    plan = frames.SamplePlan(fps=4)
    assert read(source, clip, plan) == reference(clip, plan)


def test_a_seek_that_lands_elsewhere_falls_back_to_decoding_in_order(
    long_clip: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every boundary is compared pixel for pixel; here every comparison fails (each digest is
    unique), as it would for a file whose seeks are not frame-exact."""
    counter = iter(range(10**6))
    monkeypatch.setattr(sources, "_digest", lambda cap, bgr: hashlib.md5(str(next(counter)).encode()).digest())
    plan = frames.SamplePlan(fps=None, trim_end_s=0.4)
    with caplog.at_level(logging.WARNING, logger="core.media.sources"):
        got = read(sources.SegmentedOpenCVSource(workers=3), long_clip, plan)
    assert got == reference(long_clip, plan)
    assert any("decoding it in order instead" in r.getMessage() for r in caplog.records)


class _LateSeek:
    """A capture whose frame seek lands one frame late but reports the frame it was asked for."""

    real = cv2.VideoCapture

    def __init__(self, *args: object) -> None:
        self._cap = _LateSeek.real(*args)
        self._shift = 0

    def set(self, prop: int, value: float) -> bool:
        if prop == cv2.CAP_PROP_POS_FRAMES:
            self._shift = 1
            return self._cap.set(prop, value + 1)
        return self._cap.set(prop, value)

    def get(self, prop: int) -> float:
        return self._cap.get(prop) - (self._shift if prop == cv2.CAP_PROP_POS_FRAMES else 0)

    def __getattr__(self, name: str) -> object:
        return getattr(self._cap, name)


@pytest.fixture(scope="module")
def still_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 frames at 25 fps whose frames 40–130 all show the picture of frame 40 (a still shot)."""
    path = tmp_path_factory.mktemp("still") / "still.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (320, 240))
    for i in range(400):
        writer.write(index_frame(40 if 40 <= i <= 130 else i))
    writer.release()
    return path


@pytest.mark.parametrize("name", ["long_clip", "still_clip"])
def test_a_seek_that_lands_a_frame_late_is_caught_before_any_wrong_frame(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The seek reports success; only the boundary check (timestamp and pixels of the first frame,
    compared before the segment hands over anything) can tell. In a still shot the pixels match,
    so the timestamp must."""
    path = request.getfixturevalue(name)
    expected = reference(path, frames.SamplePlan(fps=None))
    monkeypatch.setattr(sources.cv2, "VideoCapture", _LateSeek)
    with caplog.at_level(logging.WARNING, logger="core.media.sources"):
        got = read(sources.SegmentedOpenCVSource(workers=3), path, frames.SamplePlan(fps=None))
    assert got == expected
    assert any("decoding it in order instead" in r.getMessage() for r in caplog.records)


def test_files_whose_packets_do_not_map_onto_frames_are_decoded_in_order(shared_data: Path) -> None:
    path = shared_data / "videos" / "nasa_13013.mp4"  # its packets run at another rate than its decoded frames
    info = frames.probe(path)
    assert sources.keyframe_indices(path, info) is None
    digest = _digest32
    got = [(s.index, s.payload) for s in sources.SegmentedOpenCVSource(workers=2).samples(path, info, frames.SamplePlan(fps=None), digest)]
    assert got == [(s.index, s.payload) for s in frames.iter_samples(path, info, frames.SamplePlan(fps=None), digest)]


def _digest32(rgb: np.ndarray) -> bytes:
    return cv2.resize(rgb, (32, 32), interpolation=cv2.INTER_AREA).tobytes()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["slow_traffic_small.mp4", "pyscenedetect_issue-195-aspect-ratio.mp4", "pyscenedetect_testvideo.mp4"])
def test_segments_of_real_clips_match_decoding_in_order(shared_data: Path, name: str) -> None:
    """Real H.264 files with B-frames: the same pixels, frame for frame."""
    path = shared_data / "videos" / name
    info = frames.probe(path)
    assert sources.keyframe_indices(path, info) is not None
    plan = frames.SamplePlan(fps=None)
    got = [(s.index, s.time_s, s.payload) for s in sources.SegmentedOpenCVSource(workers=2).samples(path, info, plan, _digest32)]
    assert got == [(s.index, s.time_s, s.payload) for s in frames.iter_samples(path, info, plan, _digest32)]


def test_memory_stays_bounded_while_the_consumer_waits(long_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "SEGMENT_QUEUE", 8)
    made = []

    def transform(rgb: np.ndarray) -> int:
        made.append(1)
        return read_index(rgb)

    source = sources.SegmentedOpenCVSource(workers=2)
    samples = source.samples(long_clip, frames.probe(long_clip), frames.SamplePlan(fps=None), transform)
    assert next(samples).index == 0
    time.sleep(1.0)
    # At most workers + 1 segments ahead, each holding its queue plus the frame being put.
    assert len(made) <= 3 * (8 + 1) < 400
    assert [s.index for s in samples] == list(range(1, 400))


def test_closing_early_stops_the_decode_threads(long_clip: Path) -> None:
    before = threading.active_count()
    samples = sources.SegmentedOpenCVSource(workers=3).samples(long_clip, frames.probe(long_clip), frames.SamplePlan(fps=None), read_index)
    assert [next(samples).index for _ in range(5)] == [0, 1, 2, 3, 4]
    samples.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


def test_a_transform_error_reaches_the_consumer(long_clip: Path) -> None:
    def transform(rgb: np.ndarray) -> int:
        index = read_index(rgb)
        if index == 150:
            raise ValueError("bad frame 150")
        return index

    samples = sources.SegmentedOpenCVSource(workers=2).samples(long_clip, frames.probe(long_clip), frames.SamplePlan(fps=None), transform)
    with pytest.raises(ValueError, match="bad frame 150"):
        for sample in samples:
            assert sample.index < 150


def test_bgr_transforms_get_opencv_pixels_unconverted(clip: Path) -> None:
    def blue_first(bgr: np.ndarray) -> int:
        return int(bgr[100, 100, 0])

    blue_first.bgr_input = True  # type: ignore[attr-defined]
    info = frames.probe(clip)
    for source in (sources.OpenCVSource(), sources.SegmentedOpenCVSource(workers=2)):
        values = [s.payload for s in source.samples(clip, info, frames.SamplePlan(fps=None), blue_first)]
        assert values == [s.payload for s in frames.iter_samples(clip, info, frames.SamplePlan(fps=None), lambda rgb: int(rgb[100, 100, 2]))]


def test_open_source_picks_by_name_and_workers() -> None:
    assert sources.open_source("auto", workers=1).name == "opencv"
    auto = sources.open_source("auto", workers=4)
    assert auto.name == "opencv-segments" and auto.workers == 4
    assert sources.open_source("opencv", workers=8).name == "opencv"
    with pytest.raises(ConfigError, match="Unknown video source 'nvdec'.*opencv, opencv-segments"):
        sources.open_source("nvdec")


def test_a_registered_decoder_serves_the_worker_by_name(store, clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another decoder is one registry entry and a setting: the worker's analysis reads through it."""
    from core.config import load_settings
    from core.inference.runs import RunSettings, request_analysis
    from core.media import ingest
    from core.worker import Worker

    class EveryOther:
        name = "every-other"

        def samples(self, path, info, plan, transform, skip=()):
            return (s for s in sources.OpenCVSource().samples(path, info, plan, transform, skip) if s.index % 2 == 0)

    monkeypatch.setitem(sources.SOURCES, "every-other", lambda workers: EveryOther())
    monkeypatch.setenv("REELSIGHT_VIDEO_SOURCE", "every-other")
    settings = load_settings()
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, _ = request_analysis(store, video_id, RunSettings(fps=None, models=("resnet50",), top_k=1, reuse_threshold=None))
    assert Worker(store, settings).run(burst=True) == 2  # the analysis, then its browser copy (MPEG-4 Part 2 clip)
    assert [d["frame"] for d in store.db["frames"].find({"run_id": run_id}, sort=[("frame", 1)])] == list(range(0, 30, 2))
    assert store.scenes.of_run(run_id) is None  # a decoder without scans: the run has no shots rather than wrong ones
