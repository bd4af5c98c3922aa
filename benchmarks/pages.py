"""Page-speed benchmark: generated libraries of 20, 60 and 200 videos × 2 models × 3,000 sampled
frames; each analytics page rendered server-side with Streamlit's AppTest after one untimed pass
(module imports, as in a running server): "cold" with ``st.cache_data`` cleared, "warm" right
after, ``--repeat`` times each, medians and ranges. The regression page is also timed "first fit":
caches cleared and its kept fits deleted, as the first visit to a new selection.

The growth of each page with the library is fitted as time ∝ videos^k (least squares on the
logarithms of the cold medians); k ≤ 1 means the page grows no faster than the data.

Run: ``make bench-pages`` (or ``python -m benchmarks.pages [--videos 20,60,200] [--frames N]
[--pages confidence,overview] [--libraries DIR]``). ``--libraries`` keeps the generated libraries
there and reuses them. Prints one line per page and size and writes ``benchmarks/pages.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGES = ["overview", "confidence", "popularity", "wordclouds", "regression", "explorer", "results"]


def growth_exponent(videos: list[int], seconds: list[float]) -> float | None:
    """k in time ∝ videos^k, by least squares on log–log; None with fewer than two sizes."""
    if len(videos) < 2:
        return None
    xs, ys = [math.log(v) for v in videos], [math.log(max(s, 1e-3)) for s in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def measure(folder: Path, videos: int, frames: int, pages: list[str], repeat: int) -> dict:
    """Generate (or reuse) the library in ``folder`` and time each page on it (this process)."""
    os.environ.update(REELSIGHT_DB=f"{folder}/db", REELSIGHT_DATA=f"{folder}/data", REELSIGHT_WEIGHTS="none")
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core.config import PROJECT_ROOT, load_settings
    from core.store import open_store
    from tests.synthetic import populate

    store = open_store(load_settings())
    generate_s = None
    if not (folder / "complete").exists():
        t0 = time.perf_counter()
        populate(store, n_videos=videos, n_frames=frames)
        generate_s = round(time.perf_counter() - t0, 1)
        (folder / "complete").touch()

    def render(name: str) -> float:
        at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=600)
        at.run()
        at.switch_page(f"pages/{name}.py")
        start = time.perf_counter()
        at.run()
        assert not at.exception, (name, at.exception)
        return time.perf_counter() - start

    for name in pages:  # import each page's modules once, as a running server has
        render(name)
    results: dict = {}
    for name in pages:
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            cold.append(render(name))
            warm.append(render(name))
        results[name] = {
            "cold_s": round(statistics.median(cold), 2),
            "warm_s": round(statistics.median(warm), 2),
            "cold_range_s": [round(min(cold), 2), round(max(cold), 2)],
            "warm_range_s": [round(min(warm), 2), round(max(warm), 2)],
        }
        if name == "regression":
            store.db["run_fits"].delete_many({})
            st.cache_data.clear()
            results[name]["first_fit_s"] = round(render(name), 2)
    return {"videos": videos, "generate_s": generate_s, "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", default="20,60,200", help="library sizes, comma-separated")
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2, help="cold and warm renders per page; the median is reported")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time (default: all)")
    parser.add_argument("--libraries", type=Path, help="keep the generated libraries in this folder and reuse them")
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("pages.json"))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: measure one size into this JSON file
    args = parser.parse_args()
    pages = args.pages.split(",")
    sizes = [int(v) for v in args.videos.split(",")]
    root = args.libraries or Path(tempfile.mkdtemp(prefix="reelsight-bench-"))

    if args.one:  # one size per process, so caches and memory do not carry over between sizes
        folder = root / f"{sizes[0]}x{args.frames}"
        folder.mkdir(parents=True, exist_ok=True)
        args.one.write_text(json.dumps(measure(folder, sizes[0], args.frames, pages, args.repeat)))
        return

    by_size = []
    for size in sizes:
        out = Path(tempfile.mkstemp(suffix=".json")[1])
        command = [sys.executable, "-m", "benchmarks.pages", "--videos", str(size), "--frames", str(args.frames), "--repeat", str(args.repeat)]
        subprocess.run([*command, "--pages", args.pages, "--libraries", str(root), "--one", str(out)], check=True)
        result = json.loads(out.read_text())
        by_size.append(result)
        for name, r in result["pages"].items():
            first = f"   first fit {r['first_fit_s']:5.2f} s" if "first_fit_s" in r else ""
            print(f"{size:>4} videos  {name:<11} cold {r['cold_s']:5.2f} s   warm {r['warm_s']:5.2f} s{first}", flush=True)
    growth = {
        name: {
            f"k_{kind}": None if (k := growth_exponent(sizes, [r["pages"][name][f"{kind}_s"] for r in by_size])) is None else round(k, 2)
            for kind in ("cold", "warm")
        }
        for name in pages
    }
    for name, k in growth.items():
        print(f"growth {name:<11} k cold {k['k_cold']}   k warm {k['k_warm']}")
    report = {
        "frames_per_video": args.frames,
        "models": 2,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "sizes": by_size,
        "growth": growth,
    }
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
