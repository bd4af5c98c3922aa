"""The user journey in a real headless Chromium (Debian's package) driven by Playwright.

Starts the app as ``make run`` does (dashboard + one worker + embedded database, weights none),
adds a generated clip served from 127.0.0.1, waits for its job, then opens every page: charts must
render (plotly elements present) and no Streamlit exception box may appear. Screenshots go to
``test-artifacts/``.

Issue 15's journeys at 1440 × 900, each on the dashboard alone (no worker) over data written
through the repositories: the popularity threshold (7), the stakeholder report (8), an upload with
views then "Analyze now" (13), and a timeline point or Play opening that moment in a player (15).
Their screenshots are ``test-artifacts/journeyNN-*.png`` and ``report*.png``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGES_WITH_CHARTS = {"confidence": 2, "explorer": 1, "results": 1}
OTHER_PAGES = ["overview", "popularity", "wordclouds", "regression", "jobs"]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout} s")


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; `make test` installs it")
        pytest.skip("Debian's chromium is not installed (make test installs it)")


@contextlib.contextmanager
def _serve(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Run ``command`` (with ``{port}`` filled in) until the block ends; yields the app's base URL."""
    port = _free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 90)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def app(env, tmp_path: Path) -> Iterator[str]:
    """The app as ``make run`` starts it: dashboard, one worker and the embedded database."""
    _need_chromium()
    with _serve([sys.executable, "-m", "core", "app", "--headless", "--port", "{port}"], env, tmp_path / "app.log") as url:
        yield url


@pytest.fixture
def dashboard(env, tmp_path: Path) -> Iterator[str]:
    """The dashboard alone, without a worker: queued jobs stay queued, and no model is built."""
    _need_chromium()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "streamlit_app.py"), "--server.port", "{port}", "--server.headless", "true"]
    with _serve(command, env, tmp_path / "dashboard.log") as url:
        yield url


def _settle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the app has rendered a title and stopped running."""
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    page.wait_for_timeout(1500)


def _no_exception(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0, f"{name}: Streamlit exception shown"


def test_user_journey(app: str, http_base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(app + "/")
            _settle(page)
            page.get_by_text("No videos yet").wait_for()
            page.get_by_label("YouTube links, one per line").fill(f"{http_base}/clip.mp4")
            page.get_by_role("button", name="Add links").click()
            page.get_by_text("Added clip").wait_for(timeout=60_000)
            _settle(page)
            _no_exception(page, "videos-added")

            page.get_by_role("button", name="Queue analysis").click()
            page.get_by_text("Queued 1 analysis run").wait_for(timeout=30_000)

            page.goto(app + "/jobs")
            _settle(page)
            page.get_by_text("done · 3 frames").wait_for(timeout=240_000)
            _no_exception(page, "jobs-done")

            for name, minimum in PAGES_WITH_CHARTS.items():
                page.goto(app + f"/{name}")
                _settle(page)
                charts = ".js-plotly-plot, [data-testid='stVegaLiteChart']"  # the Confidence page draws Vega-Lite (BENCHMARKS.md)
                page.wait_for_selector(charts, timeout=30_000)
                assert page.locator(charts).count() >= minimum, name
                assert page.get_by_text("Random weights").count() >= 1, f"{name}: results made with random weights must say so"
                _no_exception(page, name)
            for name in OTHER_PAGES:
                page.goto(app + f"/{name}")
                _settle(page)
                _no_exception(page, name)
        finally:
            browser.close()


OVERLAPS = """() => {
  const boxes = (root, selector) => [...root.querySelectorAll(selector)].map(e => e.getBoundingClientRect()).filter(r => r.width && r.height);
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const found = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const ticks = {x: boxes(plot, '.xtick text'), y: boxes(plot, '.ytick text')};
    for (const axis of ['x', 'y']) {
      for (const t of boxes(plot, `.g-${axis}title text`)) if ([...ticks.x, ...ticks.y].some(k => meet(t, k))) found.push(`${axis} title over tick labels`);
    }
    if (ticks.x.some(a => ticks.y.some(b => meet(a, b)))) found.push('x and y tick labels overlap');
  }
  const page = document.body.getBoundingClientRect();
  for (const table of document.querySelectorAll('table')) {
    if (table.getBoundingClientRect().right > page.right + 1) found.push('a table wider than the page');
  }
  return found;
}"""


def test_report_fits_a_laptop_screen(store, tmp_path: Path) -> None:
    """Issue 15, journey 8: the stakeholder report at 1440 × 900 has no table wider than the page
    and no axis title over its tick labels; screenshots go to ``test-artifacts/report*.png``."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    from core.analysis.report import build_report, write_report
    from tests.synthetic import add_run, add_video, populate

    populate(store, n_videos=4, n_frames=60, channel=None)
    add_run(store, add_video(store, "synthetic:noviews", "A video without views", seconds=30.0), 30, fps=1.0, source_fps=1.0, thumbnails=False)
    path = write_report(build_report(store), tmp_path / "report")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        try:
            page.goto(path.as_uri())
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=60_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "report.png"))
            page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1440, "the report scrolls sideways"
            assert page.evaluate(OVERLAPS) == []
            assert page.get_by_role("heading", name="Appendix: statsmodels output").count() == 1
        finally:
            browser.close()


LAPTOP = {"width": 1440, "height": 900}
"""The business user's screen in issue 15's journeys."""


@contextlib.contextmanager
def _browser_page() -> Iterator:
    """A fresh Chromium page at :data:`LAPTOP` size."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport=LAPTOP)
        finally:
            browser.close()


def _chosen(multiselect) -> list[str]:
    """The options a multiselect shows as chosen (its tags), in order."""
    return multiselect.locator("[data-tag]").evaluate_all("tags => tags.map(t => t.getAttribute('aria-label'))")


def _threshold_caption(page) -> str:
    caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text="Popular:")
    return caption.locator("strong").inner_text()


def test_popularity_threshold_keeps_typed_values(dashboard: str, store) -> None:
    """Issue 15, journey 7: two typed thresholds both stay, the caption follows each with thousands
    separators, and "+" moves by the round step (10% of the median), not by 1,000,000."""
    from core.media import set_views
    from dashboard.widgets import nice_step
    from tests.synthetic import populate

    views = [300_000, 700_000, 1_040_000, 2_500_000]  # median 870,000: the step is 90,000
    for video_id, n in zip(populate(store, n_videos=len(views), n_frames=20), views, strict=True):
        set_views(store, video_id, n)
    step = nice_step(870_000)
    assert step == 90_000
    with _browser_page() as page:
        page.goto(dashboard + "/popularity")
        _settle(page)
        box = page.get_by_label("Popular from (views)", exact=True)
        assert box.input_value() == "870000" and _threshold_caption(page) == "870,000"
        for typed in ("1200000", "450000"):
            box.fill(typed)
            box.press("Enter")
            page.wait_for_function(
                "n => [...document.querySelectorAll('[data-testid=stCaptionContainer] strong')].some(e => e.textContent === n)",
                arg=f"{int(typed):,}",
                timeout=30_000,
            )
            _settle(page)
            assert box.input_value() == typed, f"typed {typed}, the box shows {box.input_value()}"
            assert _threshold_caption(page) == f"{int(typed):,}"
            assert f"threshold={typed}" in page.url
        page.get_by_test_id("stNumberInputStepUp").click()
        expected = 450_000 + step
        page.wait_for_function(
            "n => [...document.querySelectorAll('[data-testid=stCaptionContainer] strong')].some(e => e.textContent === n)", arg=f"{expected:,}", timeout=30_000
        )
        _settle(page)
        assert box.input_value() == str(expected), f'"+" from 450000 gave {box.input_value()}, not {expected}'
        assert f"threshold={expected}" in page.url
        _no_exception(page, "journey07-popularity-threshold")


def test_upload_with_views_then_analyze_now(dashboard: str, store, tmp_path: Path) -> None:
    """Issue 15, journey 13: an uploaded file with views entered is named with its views, is what
    the Analyze box selects (not the video there before), and "Analyze now" queues its job."""
    from tests.media import write_clip
    from tests.synthetic import add_video

    earlier = add_video(store, "synthetic:earlier", "An earlier video", views=5_000)
    upload = write_clip(tmp_path / "harbour-walk.mp4", n_frames=20, fps=10)
    with _browser_page() as page:
        page.goto(dashboard + "/")  # Videos is the main page: /videos answers "Page not found"
        _settle(page)
        analyze = page.get_by_test_id("stMultiSelect").filter(has_text="Videos")
        assert _chosen(analyze) == [f"An earlier video · {earlier}"]

        page.get_by_test_id("stExpander").get_by_text("Add videos", exact=True).click()
        page.get_by_role("tab", name="Upload files").click()
        panel = page.get_by_role("tabpanel", name="Upload files")
        panel.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(upload)
        panel.get_by_test_id("stFileChip").filter(has_text="harbour-walk.mp4").wait_for(timeout=30_000)
        views = panel.get_by_label("Views (optional)", exact=True)
        views.fill("12500")
        views.press("Enter")
        _settle(page)
        page.get_by_role("button", name="Add uploaded files").click()
        page.get_by_text("Added harbour-walk.mp4 with 12,500 views.").wait_for(timeout=30_000)
        _settle(page)
        video = store.db["videos"].find_one({"title": "harbour-walk"})
        assert video is not None and video["views_override"] == 12_500
        tags = _chosen(analyze)
        assert tags == [f"harbour-walk · {video['_id']}"], f"the Analyze box selects {tags}, not the upload"
        assert page.get_by_text("Ready to analyze: harbour-walk").count() == 1
        _no_exception(page, "journey13-uploaded")

        page.get_by_role("button", name="Analyze now").click()
        page.get_by_text("Queued 1 analysis run").wait_for(timeout=30_000)
        _settle(page)
        jobs = list(store.db["jobs"].find({"params.video_id": video["_id"]}))
        assert [(j["kind"], j["state"]) for j in jobs] == [("analyze", "queued")]
        assert store.db["jobs"].find_one({"params.video_id": earlier}) is None
        _no_exception(page, "journey13-queued")


TICKS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] path[aria-roledescription="tick"]')].map(p => {
  const box = p.getBoundingClientRect();
  return {label: p.getAttribute('aria-label') || '', left: box.left, top: box.top, width: box.width, height: box.height};
})"""
"""Every tick of the page's Vega-Lite timelines: its accessible description (Vega-Lite writes the
x and tooltip fields into it, "Time (s): 1; …") and its box on screen."""


def _moment_dialog(page, heading: str):
    """The moment's dialog once it shows ``heading``; it opens over the page, inside the window."""
    dialog = page.get_by_role("dialog").filter(has_text=heading)
    dialog.wait_for(state="visible", timeout=30_000)
    box, view = dialog.bounding_box(), page.viewport_size
    assert box and box["y"] >= 0 and box["y"] + min(box["height"], view["height"]) <= view["height"] + 1, (box, view)
    return dialog


def _player_at(page, time_s: float) -> None:
    """The player has loaded the video (decoded its size) and stands at ``time_s``."""
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=30_000)
    state = page.locator("video").evaluate("v => ({error: v.error && v.error.message, width: v.videoWidth, time: v.currentTime})")
    assert state["error"] is None and state["width"] == 320, state
    assert abs(state["time"] - time_s) < 0.05, state


def test_timeline_point_and_play_open_the_moment(dashboard: str, store, settings, tmp_path: Path) -> None:
    """Issue 15, journey 15: a click on a label-timeline point opens a dialog, inside the window,
    with a player at that time, "Frame N at X s" and every model's labels; Escape closes it and
    forgets the moment; Play under a thumbnail opens that frame; the link keeps ``t``. The clip is VP8 WebM, which Chromium decodes (it cannot play MPEG-4 Part 2)."""
    import numpy as np

    from core.analysis import labels
    from core.media import ingest
    from dashboard.text import plain
    from tests.media import write_clip
    from tests.synthetic import add_run

    clip = write_clip(tmp_path / "harbour-walk.webm", n_frames=30, fps=10, fourcc="VP80")
    video_id, _ = ingest.add_file(store, settings, clip, views=10)
    run_id = add_run(store, video_id, 3, top_k=3, fps=1, source_fps=10, rng=np.random.default_rng(3))  # frames 0, 10, 20
    with _browser_page() as page:
        page.goto(dashboard + "/explorer")
        _settle(page)
        page.wait_for_selector('[data-testid="stVegaLiteChart"] path[aria-roledescription="tick"]', state="attached", timeout=30_000)
        assert page.locator("video").count() == 0
        point = next(p for p in page.evaluate(TICKS) if p["label"].startswith("Time (s): 1;") and p["height"])
        page.mouse.click(point["left"] + point["width"] / 2, point["top"] + point["height"] / 2)
        dialog = _moment_dialog(page, "Frame 10 at 1.00 s")
        _settle(page)
        assert "t=1.000" in page.url
        _player_at(page, 1.0)
        shown = dialog.inner_text()
        doc = store.db["frames"].find_one({"_id": f"{run_id}:10"})
        for model, pred in doc["preds"].items():
            assert labels.model_name(model) in shown, model
            for name, score in zip(pred["labels"], pred["scores"], strict=True):
                assert f"{plain(labels.label(name))} · {labels.confidence(score)}" in shown, (model, name)
        _no_exception(page, "journey15-timeline-click")

        page.keyboard.press("Escape")  # closing the dialog forgets the moment
        page.get_by_role("dialog").wait_for(state="detached", timeout=30_000)
        page.wait_for_function("() => !new URLSearchParams(location.search).has('t')", timeout=30_000)
        _settle(page)
        assert page.locator("video").count() == 0
        page.get_by_role("button", name="Play", exact=True).nth(2).click()  # the thumbnails in time order: 0 s, 1 s, 2 s
        _moment_dialog(page, "Frame 20 at 2.00 s")
        _settle(page)
        assert "t=2.000" in page.url and page.locator("video").count() == 1
        _player_at(page, 2.0)
        _no_exception(page, "journey15-play")
