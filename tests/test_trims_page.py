"""The Videos page's Intro and outro box: the suggestion with thumbnails, kept or edited, and used
by the next analysis."""

from __future__ import annotations

import pytest

from core.store import utcnow
from dashboard.text import plain
from tests.synthetic import add_run, add_video
from tests.test_pages import button, open_page, texts

pytestmark = pytest.mark.pages


def _analysed_with_title_card(store) -> tuple[str, str]:
    """A 20 s video (10 fps) sampled at 1 fps whose first 4 s are black (1 s) then a title card (3 s)."""
    video_id = add_video(store, "synthetic:episode", "Episode 1", views=100, seconds=20.0)
    run_id = add_run(store, video_id, n_frames=20, fps=1.0, source_fps=10.0)
    doc = {
        "fps": 10.0,
        "frame_count": 200,
        "shots": [[0, 40], [40, 200]],
        "segments": [{"kind": "black", "start": 0, "end": 10}, {"kind": "static", "start": 10, "end": 40}],
    }
    store.scenes.save(run_id, video_id, doc, utcnow())
    return video_id, run_id


def test_the_suggestion_is_shown_with_its_frames_and_used_by_the_next_analysis(store) -> None:
    video_id, _ = _analysed_with_title_card(store)
    at = open_page("pages/videos.py")
    at.selectbox(key="videos.trim_target").set_value(video_id)
    at.run()

    assert not at.exception
    assert plain("The first 4.0 s are black then still picture.") in texts(at)
    assert len(at.get("image")) == 2  # the last frame cut and the first frame kept
    assert at.number_input(key=f"videos.trim_start.{video_id}").value == 4.0
    assert at.number_input(key=f"videos.trim_end.{video_id}").value == 0.0
    button(at, "Use suggested trims").click()
    at.run()
    assert store.videos.get(video_id)["trims"] == {"start_s": 4.0, "end_s": 0.0, "source": "suggested"}

    at.multiselect(key="videos.analyze_selection").set_value([video_id])
    button(at, "Queue analysis").click()
    at.run()
    assert not at.exception
    newest = store.runs.list(video_id)[0]["settings"]
    assert (newest["trim_start_s"], newest["trim_end_s"]) == (4.0, 0.0)


def test_edited_trims_are_checked_and_saved_as_edited(store) -> None:
    video_id, _ = _analysed_with_title_card(store)
    at = open_page("pages/videos.py")
    at.selectbox(key="videos.trim_target").set_value(video_id)
    at.run()
    at.number_input(key=f"videos.trim_end.{video_id}").set_value(18.0)
    at.run()
    button(at, "Save edited trims").click()
    at.run()
    assert not at.exception
    assert any(plain("leaves nothing of a 20.0 s video") in e.value for e in at.error)
    assert "trims" not in store.videos.get(video_id)
    at.number_input(key=f"videos.trim_end.{video_id}").set_value(2.0)
    at.run()
    button(at, "Save edited trims").click()
    at.run()
    assert store.videos.get(video_id)["trims"] == {"start_s": 4.0, "end_s": 2.0, "source": "edited"}


def test_a_video_not_analysed_yet_says_what_to_do(store) -> None:
    add_video(store, "synthetic:fresh", "Fresh video")
    at = open_page("pages/videos.py")
    assert not at.exception
    assert plain("No shots or segments are known for Fresh video yet") in texts(at)


def test_shot_detection_can_be_switched_off_for_a_run(store) -> None:
    video_id = add_video(store, "synthetic:plain", "Plain video")
    at = open_page("pages/videos.py")
    at.multiselect(key="videos.analyze_selection").set_value([video_id])
    at.toggle(key="videos.find_shots").set_value(False)
    button(at, "Queue analysis").click()
    at.run()
    assert not at.exception
    assert store.runs.list(video_id)[0]["settings"]["scenes"] is None
