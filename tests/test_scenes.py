"""Scene structure: shots equal PySceneDetect's content detector run directly; black and static
segments of generated clips are found where they are; bad input gives clear results."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import pytest
from scenedetect import ContentDetector, FrameTimecode, detect
from scenedetect.output import write_scene_list

from core.errors import IngestError
from core.inference.runs import RunSettings, request_analysis
from core.media import frames, ingest, open_source
from core.media.scenes import SCENE_LIST_COLUMNS, ContentScore, SceneResult, SceneScanner, SceneSettings, Segment, scene_list_csv, small_size
from core.worker import Worker
from tests.media import structured_frames, write_frames

FPS = 10
STRUCTURED = [("black", 1.0, 0), ("static", 3.0, 1), ("intro", 4.0, 7), ("moving", 5.0, 2), ("fade", 1.0, 3), ("black", 1.0, 0), ("moving", 4.0, 4), ("static", 2.5, 5)]  # fmt: skip
"""Frames 0–10 black, 10–40 a still picture, 40–80 an opening (a new picture every 0.5 s), 80–130
moving, 130–140 a fade to black, 140–150 black, 150–190 moving, 190–215 a still picture."""
EXPECTED = [("black", 0, 10), ("static", 10, 40), ("black", 140, 150), ("static", 190, 215)]


def scan(path: Path, source: str = "opencv", settings: SceneSettings | None = None) -> SceneResult:
    """Scan ``path`` through a video source while it hands over 1 sample a second, as the worker does."""
    info = frames.probe(path)
    scanner = SceneScanner(info.fps, info.width, info.height, settings)
    for _ in open_source(source, 2).samples(path, info, frames.SamplePlan(1.0), lambda f: f.shape, scan=scanner):
        pass
    return scanner.result()


@pytest.fixture(scope="module")
def structured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_frames(tmp_path_factory.mktemp("scenes") / "structured.mp4", structured_frames(STRUCTURED, FPS), FPS)


@pytest.mark.parametrize("source", ["opencv", "opencv-segments"])
def test_shots_equal_pyscenedetect_run_directly(shared_data: Path, source: str) -> None:
    path = shared_data / "videos" / "pyscenedetect_testvideo.mp4"
    reference = detect(str(path), ContentDetector())

    result = scan(path, source)

    assert len(result.shots) == len(reference) >= 4
    for (start, end), (ref_start, ref_end) in zip(result.shots, reference):
        assert abs(start - ref_start.frame_num) <= 1 and abs(end - ref_end.frame_num) <= 1
    assert result.frame_count == 720 and result.shots[-1][1] == 720


@pytest.mark.parametrize(
    "options", [{}, {"threshold": 12.0, "weights": ContentDetector.Components(1.0, 0.5, 2.0, 0.0)}, {"weights": ContentDetector.Components(1.0, 1.0, 1.0, 1.0)}]
)
def test_the_fast_frame_score_is_pyscenedetects_to_the_last_bit(shared_data: Path, options: dict) -> None:
    cap = cv2.VideoCapture(str(shared_data / "videos" / "pyscenedetect_testvideo.mp4"))
    size = small_size(int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    library, ours = ContentDetector(**options), ContentScore(**options)
    scores, cuts = [], ([], [])
    for index in range(300):  # the first cut is near frame 90; three shots in all
        ok, bgr = cap.read()
        assert ok
        small, timecode = cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR), FrameTimecode(index, 25.0)
        cuts[0].extend(c.frame_num for c in library.process_frame(timecode, small))
        cuts[1].extend(c.frame_num for c in ours.process_frame(timecode, small))
        scores.append((library._frame_score, ours._frame_score))
    cap.release()

    assert [a for a, _ in scores] == [b for _, b in scores]
    assert max(a for a, _ in scores) > 27.0 and cuts[0] == cuts[1] and len(cuts[0]) >= 2


def test_the_scene_list_csv_is_pyscenedetects_own(shared_data: Path) -> None:
    path = shared_data / "videos" / "pyscenedetect_testvideo.mp4"
    expected = io.StringIO()
    write_scene_list(expected, detect(str(path), ContentDetector()), include_cut_list=False)

    text = scene_list_csv(scan(path))

    assert text.splitlines()[0].split(",") == list(SCENE_LIST_COLUMNS)
    assert text == expected.getvalue()


@pytest.mark.parametrize("source", ["opencv", "opencv-segments"])
def test_black_and_static_segments_are_found_where_they_are(structured: Path, source: str) -> None:
    result = scan(structured, source)

    found = [(s.kind, s.start, s.end) for s in result.segments]
    assert [k for k, _, _ in found] == [k for k, _, _ in EXPECTED]
    for (_, start, end), (_, want_start, want_end) in zip(found, EXPECTED):
        assert abs(start - want_start) <= 1 and abs(end - want_end) <= 1  # within one frame; a sampling interval is 10
    assert result.frame_count == 215


def test_a_fade_to_black_counts_from_where_it_is_dark_enough(structured: Path) -> None:
    lenient = scan(structured, settings=SceneSettings(black_luma=40))  # the fade's last frames are darker than 40

    black = [s for s in lenient.segments if s.kind == "black"][1]
    assert 134 <= black.start < 140 and black.end == pytest.approx(150, abs=1)


def test_moving_footage_has_no_segments(tmp_path: Path) -> None:
    path = write_frames(tmp_path / "moving.mp4", structured_frames([("moving", 6.0, 1), ("moving", 6.0, 2)], FPS), FPS)

    result = scan(path)

    assert result.segments == []
    assert result.shots == [(0, 60), (60, 120)]


@pytest.mark.parametrize(
    ("parts", "shots", "segments"),
    [
        pytest.param([("black", 3.0, 0)], [(0, 30)], [Segment("black", 0, 30)], id="all-black"),
        pytest.param([("static", 0.1, 1)], [(0, 1)], [], id="one-frame"),
        pytest.param([("moving", 4.0, 1)], [(0, 40)], [], id="no-cut"),
    ],
)
def test_bad_input_gives_clear_results(tmp_path: Path, parts: list, shots: list, segments: list) -> None:
    path = write_frames(tmp_path / "clip.mp4", structured_frames(parts, FPS), FPS)

    result = scan(path)

    assert (result.shots, result.segments) == (shots, segments)
    assert scene_list_csv(result).count("\n") == 1 + len(shots)


def test_a_scan_of_no_frame_has_no_shot() -> None:
    result = SceneScanner(25.0, 64, 48).result()
    assert (result.frame_count, result.shots, result.segments) == (0, [], [])


def test_a_frame_handed_over_twice_counts_once(structured: Path) -> None:
    info = frames.probe(structured)
    once, twice = (SceneScanner(info.fps, info.width, info.height) for _ in range(2))
    decoded = list(frames.iter_samples(structured, info, frames.SamplePlan(None), lambda f: f, convert=False))
    for s in decoded:
        once.accept(s.index, once.measure(s.payload))
    for s in decoded[:50] + decoded:  # a source that starts again from the beginning
        twice.accept(s.index, twice.measure(s.payload))
    assert once.result().to_doc() == twice.result().to_doc()


def test_settings_refuse_impossible_values_and_round_trip() -> None:
    with pytest.raises(IngestError, match="cut threshold"):
        SceneSettings(shot_threshold=0)
    with pytest.raises(IngestError, match="durations"):
        SceneSettings(static_min_s=-1)
    assert SceneSettings().shot_threshold == 27.0 and SceneSettings().min_shot_frames == 15  # PySceneDetect's defaults
    result = SceneResult.from_doc({**scan_doc(), "settings": SceneSettings(black_luma=20).to_doc()})
    assert result.settings.black_luma == 20 and result.head.shape == (2, 256)


def scan_doc() -> dict:
    return {"fps": 25.0, "frame_count": 10, "shots": [[0, 10]], "segments": [], "head": bytes(512), "head_frames": [0, 6]}


def test_the_worker_stores_scenes_in_its_decode_pass_and_not_when_off(store, settings, structured: Path) -> None:
    video_id, _ = ingest.add_file(store, settings, structured)
    on, _ = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",), top_k=1))
    off, _ = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",), top_k=1, scenes=None))
    assert Worker(store, settings, worker_id="test").run(burst=True) == 3  # two analyses, then one browser copy (MPEG-4 Part 2 clip)

    doc = store.scenes.of_run(on, signatures=True)
    result = SceneResult.from_doc(doc)
    assert [s.kind for s in result.segments] == [k for k, _, _ in EXPECTED]
    assert all(abs(s.start - a) <= 1 and abs(s.end - b) <= 1 for s, (_, a, b) in zip(result.segments, EXPECTED))
    assert result.frame_count == 215 and doc["video_id"] == video_id
    assert len(result.head_frames) == len(result.head) > 0
    assert store.scenes.of_run(off) is None
    assert RunSettings.from_doc(store.runs.get(off)["settings"]).scenes is None
    assert RunSettings.from_doc(store.runs.get(on)["settings"]).scenes == SceneSettings()
