"""Label-categories benchmark: what reading labels as categories costs.

On the page benchmark's library (20 videos × 2 models × 3,000 sampled frames, 120,000 top-1 rows):
the first load of the default mapping (the shipped WordNet hierarchy, 1,860 nodes), the roll-up
:func:`core.analysis.categories.at_level` of the whole top-1 table, and each analytics page rendered
server-side (AppTest) at ``by=label`` and ``by=category``, cold (``st.cache_data`` cleared) and warm,
``--repeat`` times each, in one process so both levels see the same machine load.

Run: ``python -m benchmarks.categories [--videos N] [--frames N] [--repeat N]``; writes ``benchmarks/categories.json``.
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

PAGES = ["overview", "confidence", "popularity", "wordclouds", "regression", "explorer"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("categories.json"))
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="reelsight-bench-")
    os.environ.update(REELSIGHT_DB=f"{folder}/db", REELSIGHT_DATA=f"{folder}/data", REELSIGHT_WEIGHTS="none")
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core.analysis import analytics, categories
    from core.config import PROJECT_ROOT, load_settings
    from core.store import open_store
    from tests.synthetic import populate

    store = open_store(load_settings())
    populate(store, n_videos=args.videos, n_frames=args.frames)
    top1 = analytics.top1_table(store, list(analytics.selected_runs(store).values()))

    start = time.perf_counter()
    mapping = categories.default_mapping()
    first_load_s = time.perf_counter() - start
    roll_up = []
    for _ in range(5):
        start = time.perf_counter()
        categories.at_level(top1, mapping)
        roll_up.append(time.perf_counter() - start)
    print(f"default mapping, first load {first_load_s * 1000:.0f} ms; at_level on {len(top1):,} rows: median {statistics.median(roll_up) * 1000:.0f} ms")

    def render(name: str, level: str) -> float:
        at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"pages/{name}.py")
        at.query_params["by"] = level
        start = time.perf_counter()
        at.run()
        assert not at.exception, (name, at.exception)
        return time.perf_counter() - start

    for name in PAGES:
        render(name, "label")
    pages = {}
    for name in PAGES:
        pages[name] = {}
        for level in ("label", "category"):
            cold, warm = [], []
            for _ in range(args.repeat):
                st.cache_data.clear()
                cold.append(render(name, level))
                warm.append(render(name, level))
            pages[name][level] = {"cold_s": round(statistics.median(cold), 2), "warm_s": round(statistics.median(warm), 2)}
        print(f"{name:<12} " + "   ".join(f"{lv}: cold {v['cold_s']:.2f} s, warm {v['warm_s']:.2f} s" for lv, v in pages[name].items()))
    report = {
        "videos": args.videos,
        "frames_per_video": args.frames,
        "rows": len(top1),
        "default_mapping_first_load_ms": round(first_load_s * 1000, 1),
        "at_level_ms": round(statistics.median(roll_up) * 1000, 1),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "pages": pages,
    }
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
