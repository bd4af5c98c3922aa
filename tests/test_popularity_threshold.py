"""Issue 15, item 7: the Popular vs unpopular threshold keeps every edit, steps by a round share of
the median, and shows its value with thousands separators."""

from __future__ import annotations

import pytest

from dashboard.widgets import nice_step
from tests.synthetic import add_run, add_video, populate
from tests.test_pages import open_page

pytestmark = pytest.mark.pages


@pytest.mark.parametrize(("value", "step"), [(870_000, 90_000), (4_200, 400), (12_345_678, 1_000_000), (5, 1), (0, 1)])
def test_steps_are_a_round_tenth(value: float, step: int) -> None:
    assert nice_step(value) == step


def test_every_typed_value_is_kept(store) -> None:
    ids = populate(store, n_videos=4, n_frames=10)
    at = open_page("pages/popularity.py", {"videos": ",".join(ids)})
    box = at.number_input(key="popularity.threshold")
    median = box.value
    for typed in (123_456, 2_500_000, 7_000, 900_000):  # the old page dropped every other one
        at.number_input(key="popularity.threshold").set_value(typed).run()
        assert not at.exception
        assert at.number_input(key="popularity.threshold").value == typed
        assert at.query_params["threshold"] in (str(typed), [str(typed)])  # AppTest keeps lists
        assert any(f"Popular: **{typed:,}** views or more" in c.value for c in at.caption)
    assert at.number_input(key="popularity.threshold").proto.step == nice_step(median)
    [b for b in at.button if b.label == "Use the median"][0].click().run()
    assert at.number_input(key="popularity.threshold").value == median and "threshold" not in at.query_params


def test_one_step_is_a_tenth_of_the_median_not_a_million(store) -> None:
    ids = populate(store, n_videos=4, n_frames=10)
    at = open_page("pages/popularity.py", {"videos": ",".join(ids)})
    box = at.number_input(key="popularity.threshold")
    before = box.value
    box.increment().run()
    assert at.number_input(key="popularity.threshold").value == before + nice_step(before)


@pytest.mark.parametrize("page", ["pages/popularity.py", "pages/regression.py"])
def test_a_video_without_views_is_named_where_it_is_left_out(store, page: str) -> None:
    ids = populate(store, n_videos=3, n_frames=10)
    silent = add_video(store, "synthetic:silent", "No views yet", views=None, offset_s=9)
    add_run(store, silent, 10, thumbnails=False)
    at = open_page(page, {"videos": ",".join([*ids, silent])})
    assert not at.exception
    assert any(i.value.startswith("No views yet has no view count, so this page leaves it out.") for i in at.info), [i.value for i in at.info]
