"""Page-speed benchmark: a generated library of 20 videos × 2 models × 3,000 sampled frames, then
each analytics page rendered server-side with Streamlit's AppTest after one untimed pass (module
imports, as in a running server): "cold" with ``st.cache_data`` cleared, "warm" right after,
``--repeat`` times each; the medians and ranges are printed.

Run: ``make bench-pages`` (or ``python -m benchmarks.pages [--videos N] [--frames N] [--pages confidence,overview]``).
Prints one line per page and writes ``benchmarks/pages.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

PAGES = ["overview", "confidence", "popularity", "wordclouds", "regression", "explorer", "results"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5, help="cold and warm renders per page; the median is reported")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated pages to time (default: all)")
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("pages.json"))
    args = parser.parse_args()
    pages = args.pages.split(",")

    folder = tempfile.mkdtemp(prefix="reelsight-bench-")
    os.environ.update(REELSIGHT_DB=f"{folder}/db", REELSIGHT_DATA=f"{folder}/data", REELSIGHT_WEIGHTS="none")
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core.config import PROJECT_ROOT, load_settings
    from core.store import open_store
    from tests.synthetic import populate

    t0 = time.perf_counter()
    populate(open_store(load_settings()), n_videos=args.videos, n_frames=args.frames)
    generate_s = time.perf_counter() - t0
    print(f"generated {args.videos} videos × 2 models × {args.frames} frames in {generate_s:.1f} s")

    def render(name: str) -> float:
        at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"pages/{name}.py")
        start = time.perf_counter()
        at.run()
        assert not at.exception, (name, at.exception)
        return time.perf_counter() - start

    for name in pages:  # import each page's modules once, as a running server has
        render(name)
    results = {}
    for name in pages:
        cold, warm = [], []
        for _ in range(args.repeat):
            st.cache_data.clear()
            cold.append(render(name))  # empty caches
            warm.append(render(name))  # warm caches
        results[name] = {
            "cold_s": round(statistics.median(cold), 2),
            "warm_s": round(statistics.median(warm), 2),
            "cold_range_s": [round(min(cold), 2), round(max(cold), 2)],
            "warm_range_s": [round(min(warm), 2), round(max(warm), 2)],
        }
        print(
            f"{name:<12} cold {statistics.median(cold):5.2f} s ({min(cold):.2f}–{max(cold):.2f})   warm {statistics.median(warm):5.2f} s ({min(warm):.2f}–{max(warm):.2f})"
        )
    report = {
        "videos": args.videos,
        "frames_per_video": args.frames,
        "models": 2,
        "generate_s": round(generate_s, 1),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "pages": results,
    }
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
