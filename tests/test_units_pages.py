"""The unit selector on the analytics pages: shots instead of frames, segments left out, the
shot-level regression; state in the URL."""

from __future__ import annotations

import json

import pytest

from core.store import utcnow
from dashboard import state
from dashboard.text import plain
from tests.synthetic import populate
from tests.test_analytics_pages import ANALYTICS
from tests.test_pages import open_page, texts

pytestmark = pytest.mark.pages


def _with_shots(store, n_videos: int = 4, n_frames: int = 30, black_s: int = 0) -> list[str]:
    """``populate``'s videos (1 frame a second), each run with a shot every 5 s and ``black_s`` black seconds at the start."""
    video_ids = populate(store, n_videos=n_videos, n_frames=n_frames)
    for video_id in video_ids:
        run = store.runs.latest(video_id)
        shots = [[s, min(s + 5, n_frames)] for s in range(0, n_frames, 5)]
        segments = [{"kind": "black", "start": 0, "end": black_s}] if black_s else []
        store.scenes.save(run["_id"], video_id, {"fps": 1.0, "frame_count": n_frames, "shots": shots, "segments": segments}, utcnow())
    return video_ids


@pytest.mark.parametrize("page", ANALYTICS)
def test_every_analytics_page_counts_shots(store, page: str) -> None:
    _with_shots(store)
    at = open_page(page, {"unit": "shots"})
    assert not at.exception
    if page != "pages/regression.py":  # the Regression page offers its own shot-level model instead
        assert at.segmented_control(key="unit").value == "shots"
        assert "48 shot rows: each shot counts once" in texts(at)  # 4 videos × 6 shots × 2 models


def test_the_regression_page_fits_one_row_per_shot_and_says_why(store) -> None:
    _with_shots(store)
    at = open_page("pages/regression.py", {"model": "resnet50", "level": "shot"})
    assert not at.exception
    assert [m.value for m in at.metric][3] == "24"  # 4 videos × 6 shots
    assert "Counting each shot once is why this model is the safer one." in texts(at)


def test_black_segments_are_left_out_of_the_frames(store) -> None:
    _with_shots(store, black_s=5)
    at = open_page("pages/regression.py", {"model": "resnet50", "skip": "black"})
    assert not at.exception
    assert at.pills(key="skip").value == ["black"]
    assert [m.value for m in at.metric][3] == "100"  # 120 frames less 4 × 5 black ones


@pytest.mark.parametrize("page", ANALYTICS)
def test_runs_without_shots_are_named_and_no_page_fails(store, page: str) -> None:
    populate(store, n_videos=2, n_frames=10, seed=1)
    _with_shots(store, n_videos=1)  # one more video that has shots
    at = open_page(page, {"unit": "shots", "level": "shot", "skip": "black,static"})
    assert not at.exception
    assert plain("2 of 3 runs have no shots or segments") in texts(at)


@pytest.mark.parametrize("page", ANALYTICS)
def test_no_run_with_shots_or_no_frame_left_is_one_sentence_not_an_error(store, page: str) -> None:
    populate(store, n_videos=2, n_frames=10, seed=1)  # analysed without shot detection
    at = open_page(page, {"unit": "shots"})
    assert not at.exception
    if page != "pages/regression.py":  # its own shot-level model says so itself
        assert [i.value for i in at.info][-1].startswith("None of the selected runs has shots")


def test_a_popularity_group_left_with_no_frame_gets_no_lift_and_no_error(store) -> None:
    video_ids = _with_shots(store, n_videos=2, n_frames=10)
    popular = max(video_ids, key=lambda v: store.videos.get(v).get("views_override") or store.videos.get(v).get("view_count") or 0)
    run = store.runs.latest(popular)
    store.scenes.save(
        run["_id"], popular, {"fps": 1.0, "frame_count": 10, "shots": [[0, 10]], "segments": [{"kind": "black", "start": 0, "end": 10}]}, utcnow()
    )
    at = open_page("pages/popularity.py", {"skip": "black"})
    assert not at.exception
    assert any(i.value.startswith("Lift needs frames from both popular and unpopular videos") for i in at.info)


def test_the_results_page_shows_shots_segments_and_the_scene_list(store) -> None:
    video_id = _with_shots(store, n_videos=1, black_s=5)[0]
    store.videos.set(video_id, trims={"start_s": 5.0, "end_s": 3.0, "source": "edited"})
    at = open_page("pages/results.py", {"video": video_id})
    assert not at.exception
    assert [m.value for m in at.metric][4:8] == ["6", "5.0 s", "5.0", "0.0"]  # shots, median length, black and still seconds
    assert any(b.label == "Download shots (PySceneDetect scene list, CSV)" for b in at.get("download_button"))
    shown = at.dataframe[-1].value
    assert list(shown.iloc[:, 0]) == ["black", "intro (trimmed)", "outro (trimmed)"]


def test_the_explorer_timeline_draws_the_bands(store) -> None:
    _with_shots(store, n_videos=1, black_s=5)
    at = open_page("pages/explorer.py")
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    segments = next(layer for layer in spec["layer"] if layer["encoding"].get("color", {}).get("title") == "Segments")
    assert [v["kind"] for v in segments["data"]["values"]] == ["black"]  # one black band, no still picture
    assert segments["encoding"]["color"]["scale"]["range"] == ["#222222"]


def test_the_overview_report_counts_what_the_page_counts(store) -> None:
    _with_shots(store, black_s=5)
    at = open_page("pages/overview.py", {"unit": "shots", "skip": "black"})
    next(b for b in at.button if b.label == "Build report").click()
    at.run()
    assert not at.exception
    html = at.session_state[state.OVERVIEW_REPORT]
    assert "Counted per shot" in html and "Left out: black segments." in html and "samples of 30 shots" in html


def test_the_shot_level_regression_on_categories_says_it_has_far_fewer_dummies(store) -> None:
    _with_shots(store, n_videos=6, n_frames=60)
    at = open_page("pages/regression.py", {"model": "resnet50", "level": "shot"})
    label_terms = len(at.dataframe[0].value)
    assert not at.exception and "dummies" not in texts(at)
    at = open_page("pages/regression.py", {"model": "resnet50", "level": "shot", "by": "category"})
    assert not at.exception
    [note] = [i.value for i in at.info if "dummies" in i.value]
    terms = at.dataframe[0].value["Term"]
    assert f"the shot-level model has {len(terms) - 1} category dummies instead of {label_terms - 1} label dummies" in note
