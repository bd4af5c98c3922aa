"""The user journey in a real headless Chromium (Debian's package) driven by Playwright.

Starts the app as ``make run`` does (dashboard + one worker + embedded database, weights none),
adds a generated clip served from 127.0.0.1, waits for its job, then opens every page: charts must
render (plotly elements present) and no Streamlit exception box may appear. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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


@pytest.fixture
def app(env, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; `make test` installs it")
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    port = _free_port()
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115 -- the server writes to it until the finally below closes it
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "app", "--headless", "--port", str(port)],
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
        log.close()


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
