"""Frame sampling: the right frames, at the right times, with trims, whatever the container reports."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.errors import EmptyVideoError, VideoOpenError
from core.media import frames
from tests.media import read_index, write_clip, write_zero_frame_avi


def sampled(path: Path, plan: frames.SamplePlan, info: frames.VideoInfo | None = None, skip=()) -> list[tuple[int, float, int]]:
    """(index, time_s, index read back from the pixels) for every sample."""
    info = info or frames.probe(path)
    return [(s.index, s.time_s, s.payload) for s in frames.iter_samples(path, info, plan, read_index, skip)]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        pytest.param(frames.SamplePlan(fps=1), [0, 10, 20], id="1fps"),
        pytest.param(frames.SamplePlan(fps=4), [0, 3, 5, 8, 10, 13, 15, 18, 20, 23, 25, 28], id="4fps-ties-go-to-the-later-frame"),
        pytest.param(frames.SamplePlan(fps=None), list(range(30)), id="every-frame"),
        pytest.param(frames.SamplePlan(fps=24), list(range(30)), id="faster-than-source-takes-each-frame-once"),
        pytest.param(frames.SamplePlan(fps=2, trim_start_s=0.5, trim_end_s=1.0), [5, 10, 15], id="trims"),
        pytest.param(frames.SamplePlan(fps=None, trim_start_s=2.5), [25, 26, 27, 28, 29], id="every-frame-trim-start"),
        pytest.param(frames.SamplePlan(fps=1, trim_start_s=5), [], id="trim-past-end"),
    ],
)
def test_sampling_takes_the_nearest_frames(clip: Path, plan: frames.SamplePlan, expected: list[int]) -> None:
    got = sampled(clip, plan)
    assert [g[0] for g in got] == expected
    assert all(pixel_index == index for index, _, pixel_index in got), "decoded pixels belong to another frame"
    assert all(t == pytest.approx(index / 10) for index, t, _ in got)
    info = frames.probe(clip)
    assert list(frames.sample_indices(info.frame_count, info.fps, plan)) == expected
    assert plan.expected_count(info) == len(expected)


@pytest.mark.parametrize("fps", [0.7, 1, 3, 7.5, 24])
def test_samples_lie_within_half_a_source_frame_of_nominal_time(clip: Path, fps: float) -> None:
    plan = frames.SamplePlan(fps=fps, trim_start_s=0.25)
    times = [t for _, t, _ in sampled(clip, plan)]
    nominal = [0.25 + k / fps for k in range(len(times))] if fps <= 10 else None
    if nominal:
        assert all(abs(t - n) <= 0.5 / 10 + 1e-9 for t, n in zip(times, nominal))
    assert times == sorted(set(times))


@pytest.mark.parametrize("count", [0, 7, 300], ids=["unknown", "too-small", "too-large"])
def test_stream_ignores_a_missing_or_wrong_frame_count(clip: Path, count: int) -> None:
    plan = frames.SamplePlan(fps=2, trim_start_s=0.5, trim_end_s=1.0)
    truth = sampled(clip, plan)
    info = dataclasses.replace(frames.probe(clip), frame_count=count)
    assert sampled(clip, plan, info) == truth
    assert info.duration_s is None if count == 0 else info.duration_s == count / 10


def test_skip_set_leaves_out_stored_frames(clip: Path) -> None:
    got = sampled(clip, frames.SamplePlan(fps=None), skip={0, 1, 2, 29})
    assert [g[0] for g in got] == list(range(3, 29))


def test_probe_reports_the_container(clip: Path) -> None:
    info = frames.probe(clip)
    assert (info.fps, info.frame_count, info.width, info.height) == (10, 30, 320, 240)
    assert info.duration_s == 3.0


def test_probe_rejects_missing_non_video_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(VideoOpenError, match="No such file"):
        frames.probe(tmp_path / "nope.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 100)
    with pytest.raises(VideoOpenError, match="not a video"):
        frames.probe(text)
    with pytest.raises(EmptyVideoError, match="no frames"):
        frames.probe(write_zero_frame_avi(tmp_path / "empty.avi"))


def test_other_containers(tmp_path: Path) -> None:
    avi = write_clip(tmp_path / "c.avi", n_frames=12, fps=6, fourcc="MJPG")
    got = sampled(avi, frames.SamplePlan(fps=2))
    assert [g[0] for g in got] == [0, 3, 6, 9]
    assert all(p == i for i, _, p in got)


# Real public clips (see ../shared/data/SOURCES.md): frame counts as documented, every timestamp
# index / fps, and 1-fps sampling consistent with the reported rate.
REAL_CLIPS = [
    pytest.param("slow_traffic_small.mp4", 914, 29.97, id="slow_traffic"),
    pytest.param("pyscenedetect_testvideo.mp4", 720, 29.97, id="pyscenedetect"),
    pytest.param("pyscenedetect_issue-195-aspect-ratio.mp4", 628, 25, id="aspect-ratio"),
    pytest.param("nasa_13013.mp4", 325, 25, id="nasa"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n_frames", "fps"), REAL_CLIPS)
def test_real_clips(shared_data: Path, name: str, n_frames: int, fps: float) -> None:
    path = shared_data / "videos" / name
    info = frames.probe(path)
    assert info.fps == pytest.approx(fps, abs=0.01)
    every = [(s.index, s.time_s) for s in frames.iter_samples(path, info, frames.SamplePlan(fps=None), lambda rgb: None)]
    assert len(every) == n_frames
    assert [i for i, _ in every] == list(range(n_frames))
    assert all(t == pytest.approx(i / info.fps) for i, t in every)
    per_second = [s.index for s in frames.iter_samples(path, info, frames.SamplePlan(fps=1, trim_start_s=2, trim_end_s=2), lambda rgb: None)]
    duration = n_frames / info.fps
    assert len(per_second) == len([k for k in range(100) if 2 + k < duration - 2])
    assert all(abs(i / info.fps - (2 + k)) <= 0.5 / info.fps for k, i in enumerate(per_second))
