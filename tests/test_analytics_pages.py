"""The analytics pages under AppTest: empty database, a single video, a random-weights run, and the
normal case. Each shows a friendly message or its content, never an exception."""

from __future__ import annotations

import pytest

from tests.synthetic import populate
from tests.test_pages import open_page, texts

pytestmark = pytest.mark.pages

ANALYTICS = ["pages/overview.py", "pages/confidence.py", "pages/popularity.py", "pages/wordclouds.py", "pages/regression.py", "pages/explorer.py"]


@pytest.mark.parametrize("page", ANALYTICS)
def test_empty_database(store, page: str) -> None:
    at = open_page(page)
    assert "Nothing analysed yet" in texts(at)


@pytest.mark.parametrize("page", ANALYTICS)
def test_single_video(store, page: str) -> None:
    populate(store, n_videos=1, n_frames=20)
    at = open_page(page)
    shown = texts(at)
    if page == "pages/regression.py":
        assert "needs at least two videos" in shown
    if page == "pages/popularity.py":
        assert "fall in one group" in shown


@pytest.fixture
def random_run(store) -> str:
    return populate(store, n_videos=1, n_frames=6, random_weights=True)[0]


@pytest.mark.parametrize("page", ANALYTICS)
def test_single_run_with_random_weights(random_run, page: str) -> None:
    at = open_page(page)
    assert any("Random weights" in w.value for w in at.warning)


@pytest.mark.parametrize("page", ANALYTICS)
def test_normal_case(store, page: str) -> None:
    populate(store, n_videos=4, n_frames=40)
    at = open_page(page)
    assert not any("Random weights" in w.value for w in at.warning)
    if page in ("pages/confidence.py", "pages/popularity.py", "pages/explorer.py"):
        assert at.get("plotly_chart"), "charts are drawn"
    if page == "pages/regression.py":
        assert [m.label for m in at.metric][:2] == ["R²", "Adj. R²"]
    if page == "pages/popularity.py":
        assert len(at.get("plotly_chart")) == 4  # two models × two groups, the study's four charts
    if page == "pages/wordclouds.py":
        assert len(at.get("image")) == 6  # first page: 3 of the 4 videos × 2 models
    if page == "pages/explorer.py":
        grid = [c.value for c in at.caption if c.value.startswith("**")]
        assert len(grid) == 24  # one page of thumbnails, each with every model's top-k
        stored = {d["frame"]: d["preds"]["resnet50"] for d in store.db["frames"].find({"video_id": at.selectbox(key="video").value})}
        frame0 = stored[min(stored)]
        top = " · ".join(f"{label} {score:.2f}" for label, score in zip(frame0["labels"], frame0["scores"]))
        assert f"ResNet50: {top}" in grid[0] and "InceptionV3: " in grid[0]


def test_url_state_restores_the_selection(store) -> None:
    ids = populate(store, n_videos=3, n_frames=20)
    at = open_page("pages/popularity.py", {"videos": ",".join(ids[:2]), "threshold": "7000000"})
    assert at.multiselect(key="videos").value == ids[:2]
    assert at.number_input[0].value == 7_000_000


def test_overview_builds_a_downloadable_report(store) -> None:
    populate(store, n_videos=2, n_frames=20)
    at = open_page("pages/overview.py")
    [b for b in at.button if b.label == "Build report"][0].click()
    at.run()
    assert not at.exception
    assert "Download report.html" in [b.label for b in at.get("download_button")]


def test_regression_page_switches_between_frame_and_video_level(store) -> None:
    populate(store, n_videos=4, n_frames=30)
    at = open_page("pages/regression.py")
    frame_obs = [m.value for m in at.metric][3]
    at.segmented_control(key="level").set_value("video")
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric][3] == "4" and frame_obs == "120"
    assert any("Only 4 videos for 4 coefficients" in w.value for w in at.warning)
