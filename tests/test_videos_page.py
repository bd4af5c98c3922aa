"""The Videos page's add journey: plain errors that keep the failed links, views at upload, the
new videos preselected with "Analyze now", and a sentence for videos that have no views."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.jobs import queue as jobs
from core.media.videos import get_video
from dashboard.text import plain
from dashboard.widgets import no_views_sentence
from tests.synthetic import add_video
from tests.test_pages import button, open_page, texts

pytestmark = pytest.mark.pages


def _new_video(store, filename: str | None = None, url: str | None = None) -> dict:
    query = {"filename": filename} if filename else {"url": url}
    return store.db["videos"].find_one(query)


def test_a_network_failure_is_explained_and_its_link_stays_in_the_box(store, http_base: str, closed_url: str) -> None:
    add_video(store, "synthetic:old", "Older video", views=10)
    at = open_page("pages/videos.py")
    at.text_area(key="videos.urls").input(f"{http_base}/clip.mp4\n{closed_url}\n")
    at.number_input(key="videos.url_views").set_value(870_000)
    button(at, "Add links").click()
    at.run()
    assert not at.exception
    assert any("Added clip with 870,000 views" in s.value for s in at.success)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(plain("The server cannot reach 127.0.0.1: the connection was refused.")), errors
    assert "Errno" not in errors[0] and "Check that the link" not in errors[0]
    details = [e for e in at.expander if e.label == "Technical details"]
    assert len(details) == 1 and "Connection refused" in details[0].code[0].value  # the technical text, apart and closed
    assert at.text_area(key="videos.urls").value == closed_url, "only the link that failed stays"
    assert at.number_input(key="videos.url_views").value == 870_000, "kept for the retry"
    added = _new_video(store, url=f"{http_base}/clip.mp4")["_id"]
    assert get_video(store, added)["views_override"] == 870_000
    assert at.multiselect(key="videos.analyze_selection").value == [added], "what was just added is preselected"
    assert any("could not be added is still in the box" in w.value for w in at.warning)


def test_an_upload_is_preselected_with_its_views_and_analyzed_now(store, clip: Path) -> None:
    add_video(store, "synthetic:old", "Older video", views=10)
    at = open_page("pages/videos.py")
    old = at.multiselect(key="videos.analyze_selection").value
    assert len(old) == 1
    at.file_uploader[0].upload("party.mp4", clip.read_bytes(), "video/mp4")
    at.run()
    at.number_input(key="videos.upload_views.0").set_value(5000)
    at.run()
    button(at, "Add uploaded files").click()
    at.run()
    assert not at.exception
    new = _new_video(store, filename="party.mp4")
    assert new["views_override"] == 5000
    assert at.multiselect(key="videos.analyze_selection").value == [new["_id"]], "the new video, not the previous one"
    assert any(f"Added {plain('party.mp4')} with 5,000 views." in s.value for s in at.success)
    assert "Ready to analyze:" in texts(at) and "party" in texts(at)
    assert at.number_input(key="videos.upload_views.1").value is None, "emptied with the uploader"

    button(at, "Analyze now").click()
    at.run()
    assert not at.exception
    queued = jobs.list_jobs(store)
    assert [j["params"]["video_id"] for j in queued] == [new["_id"]] and queued[0]["kind"] == "analyze"
    assert any("Queued 1 analysis run" in s.value for s in at.success)
    assert "Ready to analyze:" not in texts(at) and not [b for b in at.button if b.label == "Analyze now"]


def test_a_selected_video_without_views_is_named(store) -> None:
    add_video(store, "synthetic:a", "Counted", views=10)
    silent = add_video(store, "synthetic:b", "Silent *movie*", views=None, offset_s=1)
    at = open_page("pages/videos.py")
    at.multiselect(key="videos.analyze_selection").set_value([silent])
    at.run()
    expected = plain("Silent *movie*") + " has no view count, so the Popular vs unpopular and Regression pages leave it out. Enter its views under View count."
    assert expected in [i.value for i in at.info]


@pytest.mark.parametrize(
    ("titles", "sentence"),
    [
        pytest.param([], None, id="none"),
        pytest.param(
            ["A"], "A has no view count, so the Popular vs unpopular and Regression pages leave it out. Enter its views on the Videos page.", id="one"
        ),
        pytest.param(
            ["A", "B"],
            "A and B have no view count, so the Popular vs unpopular and Regression pages leave them out. Enter their views on the Videos page.",
            id="two",
        ),
        pytest.param(list("ABCDEFG"), "A, B, C, D, E and 2 more have no view count", id="many"),
    ],
)
def test_the_no_views_sentence(titles: list[str], sentence: str | None) -> None:
    made = no_views_sentence(titles)
    assert made is None if sentence is None else made.startswith(sentence)


def test_the_shot_and_segment_settings_reach_the_queued_run(store) -> None:
    add_video(store, "synthetic:a", "Video A", views=10)
    at = open_page("pages/videos.py")
    at.number_input(key="videos.scene_settings.black_luma").set_value(30.0)
    at.number_input(key="videos.scene_settings.static_min_s").set_value(4.0)
    at.number_input(key="videos.scene_settings.shot_threshold").set_value(40.0)
    at.run()
    button(at, "Queue analysis").click()
    at.run()
    assert not at.exception
    scenes = store.db["runs"].find_one({})["settings"]["scenes"]
    assert (scenes["black_luma"], scenes["static_min_s"], scenes["shot_threshold"], scenes["black_min_s"]) == (30.0, 4.0, 40.0, 0.5)
    at.toggle(key="videos.find_shots").set_value(False)
    at.run()
    assert at.number_input(key="videos.scene_settings.black_luma").disabled, "no thresholds without detection"


def test_a_video_whose_trims_leave_nothing_is_named_while_the_others_queue(store) -> None:
    short = add_video(store, "synthetic:short", "Short", views=10, seconds=5)
    long = add_video(store, "synthetic:long", "Long", views=10, seconds=60)
    at = open_page("pages/videos.py")
    at.multiselect(key="videos.analyze_selection").set_value([short, long])
    at.number_input[[n.label for n in at.number_input].index("Trim start (s)")].set_value(10.0)
    at.run()
    button(at, "Queue analysis").click()
    at.run()
    assert not at.exception
    assert [r["video_id"] for r in store.db["runs"].find({})] == [long]
    assert any("Queued 1 analysis run" in m.value for m in at.success)
    assert [e.value for e in at.error] == [
        f"{plain('Short')} was not queued: {plain('Trimming 10 s and 0 s leaves nothing of a 5.0 s video. Choose shorter trims.')}"
    ]
