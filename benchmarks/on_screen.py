"""People and objects counted per shot or without segments: the first (uncached) read, from the
arrays each run keeps (``run_on_screen``) against reading every frame (runs finished before them).

Generates ``--runs`` synthetic runs of ``--frames`` sampled frames into a scratch embedded store,
each with people counts, object boxes, a shot every 10 frames and a black segment over the first
10%, then times :func:`core.analysis.on_screen.people_in_units` and ``objects_in_units`` for frames
with black left out, shots, and shots with black left out: first with the kept arrays, then with
them deleted before each choice (that first read from the frames also keeps them), in one run.

Run: ``python -m benchmarks.on_screen --runs 40 --frames 3000 --json benchmarks/on_screen.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from core.cli.machine_busy import BusyMeter, cpu_model

CHOICES = (("frames", ["black"]), ("shots", []), ("shots", ["black"]))


def build(runs: int, frames: int) -> tuple[object, dict[str, str]]:
    """A scratch store with ``runs`` finished runs of ``frames`` frames (the tests' synthetic helpers)."""
    from core.config import load_settings
    from core.inference.runs import compact_on_screen
    from core.store import open_store, utcnow
    from tests.synthetic import add_run, add_video
    from tests.test_objects_pages import _detect
    from tests.test_people_pages import _count_people

    store = open_store(load_settings())
    out = {}
    for i in range(runs):
        vid = add_video(store, f"synthetic:{i}", f"Video {i}", view_count=1000 * (i + 1), seconds=frames)
        run = add_run(store, vid, frames, top_k=1, thumbnails=False)
        _count_people(store, run, [0, 1, 2, 0, 1])
        _detect(store, run, [["car"], [], ["person", "car"]])
        shots = [[s, min(s + 10, frames)] for s in range(0, frames, 10)]
        store.scenes.save(
            run, vid, {"fps": 1.0, "frame_count": frames, "shots": shots, "segments": [{"kind": "black", "start": 0, "end": frames // 10}]}, utcnow()
        )
        compact_on_screen(store, run)
        out[vid] = run
    return store, out


def timings(store: object, runs: dict[str, str], forget: bool = False) -> dict[str, dict[str, float]]:
    """Seconds of each choice, people and objects; ``forget``: each from the frames, as for runs
    finished before the arrays were kept (which are then kept, so they are deleted before each)."""
    from core.analysis import on_screen

    result = {}
    for unit, skip in CHOICES:
        if forget:
            store.db["run_on_screen"].delete_many({})
        start = time.perf_counter()
        on_screen.people_in_units(store, runs, unit, skip)
        middle = time.perf_counter()
        on_screen.objects_in_units(store, runs, unit, skip)
        result[f"{unit}{'-' + ','.join(skip) if skip else ''}"] = {"people_s": round(middle - start, 3), "objects_s": round(time.perf_counter() - middle, 3)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelsight-on-screen-") as tmp:
        os.environ["REELSIGHT_DB"], os.environ["REELSIGHT_DATA"] = f"{tmp}/db", f"{tmp}/data"
        store, runs = build(args.runs, args.frames)
        meter = BusyMeter()
        kept = timings(store, runs)
        frames = timings(store, runs, forget=True)
        result = {
            "cpu": cpu_model(),
            "runs": args.runs,
            "frames_per_run": args.frames,
            "kept_arrays": kept,
            "every_frame": frames,
            "machine_busy": meter.stop().to_doc(),
        }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
