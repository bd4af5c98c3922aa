"""Browser page-speed benchmark: how long a page takes to settle in headless Chromium.

Generates a small library (default 5 videos × 2 models × 60 frames, the size of the real sample
videos at 1 fps), starts the dashboard (no worker) on it from each checkout given with ``--root``
(e.g. the previous commit in a ``git worktree`` and this one, so both are measured in one run),
and opens each page ``--repeat`` times in a fresh browser context (empty browser cache). A page
has *settled* when the script has stopped running, nothing is stale, no lazy-loading skeleton is
left, and every plotly and Vega-Lite chart has drawn its marks. The first visit after the server starts ("first") also pays for the page's
imports; later visits in a new browser ("again") find the server's caches warm but download and
compile the page's JavaScript; a second visit in that browser ("cached") finds it in its cache;
"clicked" is how an analyst moves between pages: a new browser opens the start page (Videos),
then the page's sidebar link is clicked, and the time runs from the click (no page reload: only
the page's own elements' JavaScript is new). Checkouts are interleaved per round so that machine
noise hits them alike.

Run: ``python -m benchmarks.browser --root /path/to/old --root . [--pages confidence,overview]``.
Prints one line per checkout and page and writes ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('h1')) return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  for (const p of document.querySelectorAll('[data-testid="stPlotlyChart"]')) { if (!p.querySelector('.main-svg')) return false; }
  for (const v of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) { if (!v.querySelector('.marks')) return false; }
  return true;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "streamlit_app.py"), "--server.headless", "true", "--server.port", str(port)]
    cmd += ["--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{root}: the dashboard did not start")


def _visit(browser, url: str, times: int = 1) -> tuple[list[float], int]:
    """Seconds from navigation to a settled page, for ``times`` visits in one fresh browser
    context (the first with an empty browser cache, the others with that visit's cache), and the
    number of charts (plotly and Vega-Lite) on the page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    elapsed = []
    for _ in range(times):
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(SETTLED, polling=50, timeout=120_000)
        elapsed.append(time.perf_counter() - start)
        page.goto("about:blank")
    page.goto(url)
    page.wait_for_function(SETTLED, polling=50, timeout=120_000)
    charts = page.locator("[data-testid='stPlotlyChart'], [data-testid='stVegaLiteChart']").count()
    context.close()
    return elapsed, charts


def _heading(browser, url: str) -> str:
    """The page's ``h1`` text once settled (what a click on its sidebar link must bring up)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(SETTLED, polling=50, timeout=120_000)
    text = page.locator("h1").first.inner_text().strip()
    context.close()
    return text


def _clicked(browser, url: str, name: str, heading: str) -> float:
    """Seconds from a click on the page's sidebar link to a settled page, in a fresh browser
    context that has just opened the dashboard's start page (``url``): how an analyst moves between
    pages, with no page reload (only the page's own elements' JavaScript is new to the browser)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(SETTLED, polling=50, timeout=120_000)
    link = page.locator(f'[data-testid="stSidebarNavLink"][href$="/{name}"]')
    start = time.perf_counter()
    link.click()
    page.wait_for_function(
        f"() => {{ const h = document.querySelector('h1'); return !!h && h.textContent.trim().startsWith({json.dumps(heading)}) && ({SETTLED})(); }}",
        polling=50,
        timeout=120_000,
    )
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure (repeat the option to compare)")
    parser.add_argument("--pages", default="confidence,overview,popularity,wordclouds,regression,explorer,results")
    parser.add_argument("--videos", type=int, default=5)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--library", type=Path, help="an existing library folder (db/, data/) to open instead of generating one, e.g. benchmarks.pages' 200-video one"
    )
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("browser.json"))
    args = parser.parse_args()
    roots = [r.resolve() for r in (args.root or [Path(__file__).resolve().parents[1]])]
    pages = args.pages.split(",")

    folder = str(args.library.resolve()) if args.library else tempfile.mkdtemp(prefix="reelsight-browser-")
    env = {**os.environ, "REELSIGHT_DB": f"{folder}/db", "REELSIGHT_DATA": f"{folder}/data", "REELSIGHT_WEIGHTS": "none"}
    os.environ.update({k: env[k] for k in ("REELSIGHT_DB", "REELSIGHT_DATA", "REELSIGHT_WEIGHTS")})
    from playwright.sync_api import sync_playwright

    from core.config import load_settings
    from core.store import open_store
    from tests.synthetic import populate

    if not args.library:
        populate(open_store(load_settings()), n_videos=args.videos, n_frames=args.frames)
    kinds = ("first", "again", "cached", "clicked")
    times: dict[str, dict[str, dict[str, list[float]]]] = {str(r): {p: {k: [] for k in kinds} for p in pages} for r in roots}
    charts: dict[str, dict[str, int]] = {str(r): {} for r in roots}
    headings: dict[str, str] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for _ in range(args.repeat):
            for root in roots:
                proc, url = _start(root, env)
                try:
                    for name in pages:  # first visit of each page after the server started: its imports, empty caches
                        elapsed, n = _visit(browser, f"{url}/{name}")
                        times[str(root)][name]["first"].append(elapsed[0])
                        charts[str(root)][name] = n
                    for name in pages:  # a new browser (empty cache), then the same browser again (its cache warm)
                        (again, cached), _ = _visit(browser, f"{url}/{name}", times=2)
                        times[str(root)][name]["again"].append(again)
                        times[str(root)][name]["cached"].append(cached)
                    for name in pages:  # a new browser opens the start page, then the analyst clicks the page in the sidebar
                        if name not in headings:
                            headings[name] = _heading(browser, f"{url}/{name}")
                        times[str(root)][name]["clicked"].append(_clicked(browser, url, name, headings[name]))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
        browser.close()
    report = {
        "videos": args.videos,
        "frames_per_video": args.frames,
        "repeat": args.repeat,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "results": {},
    }
    for root in roots:
        report["results"][str(root)] = {}
        for name in pages:
            entry = {"charts": charts[str(root)][name]}
            line = f"{root.name:<16} {name:<12}"
            for kind in kinds:
                values = times[str(root)][name][kind]
                entry[f"{kind}_s"] = round(statistics.median(values), 2)
                entry[f"{kind}_range_s"] = [round(min(values), 2), round(max(values), 2)]
                line += f"  {kind} {statistics.median(values):5.2f} s ({min(values):.2f}–{max(values):.2f})"
            report["results"][str(root)][name] = entry
            print(f"{line}  {entry['charts']} charts")
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
