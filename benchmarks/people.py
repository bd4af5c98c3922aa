"""People and faces on screen: speed per core at 720p, and precision and recall on a labelled set.

- **Speed**: :class:`core.media.people.PeopleDetector` on every 6th frame of the 1280×720 clip
  ``videos/pyscenedetect_testvideo.mp4`` and on 720p copies of the labelled frames (scaled up
  from their own size, so people are present to be searched for), with OpenCV held to one thread:
  frames per CPU second of this process, the fastest of five passes (``per_core_fps``, as
  ``timeit`` does; the median and slowest passes are given too), and per wall-clock second, with
  how busy the machine was meanwhile (``machine_busy``: other processes' share of the CPUs, steal).
- **Quality**: ``benchmarks/people_labels.csv`` holds 64 frames from ``shared/data`` (video
  frames decoded in order to ``frame``, and sports photos), each labelled by eye with the number
  of faces and of people. A *person* is a human whose head or torso is in the frame, however
  small (hands or legs alone do not count; racing drivers inside their cars do not count); a
  *face* is a human face turned to the camera with both eyes visible, at least about 12 pixels
  tall in the original picture. Matching rule: per-frame presence, i.e. a frame is a true
  positive for faces when it holds at least one labelled face and the detector finds at least
  one. Precision = TP / (TP + FP), recall = TP / (TP + FN). The mean absolute error of the counts
  is given too.

Run: ``make bench-people`` (``python -m benchmarks.people --json benchmarks/people.json``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.cli.machine_busy import BusyMeter, cpu_model
from core.media.people import PeopleDetector

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LABELS = Path(__file__).with_name("people_labels.csv")
SPEED_CLIP = "videos/pyscenedetect_testvideo.mp4"
SPEED_STEP = 6
"""Every 6th frame of the clip (120 of 720 frames)."""


@dataclass(frozen=True)
class Labelled:
    source: str
    frame: int | None
    faces: int
    persons: int


def read_labels(path: Path = LABELS) -> list[Labelled]:
    with path.open(newline="") as f:
        return [Labelled(r["source"], int(r["frame"]) if r["frame"] else None, int(r["faces"]), int(r["persons"])) for r in csv.DictReader(f)]


def load_image(item: Labelled, data: Path = DATA) -> np.ndarray:
    """The labelled picture as BGR uint8: a photo read from disk, or a video frame decoded in order."""
    path = data / item.source
    if item.frame is None:
        image = cv2.imread(str(path))
        if image is None:
            raise FileNotFoundError(path)
        return image
    cap = cv2.VideoCapture(str(path))
    try:
        for _ in range(item.frame + 1):
            ok, image = cap.read()
            if not ok:
                raise ValueError(f"{path} has no frame {item.frame}")
        return image
    finally:
        cap.release()


def presence_scores(truth: list[int], found: list[int]) -> dict[str, float | int]:
    """Per-frame presence: ``tp, fp, fn, tn``, precision, recall (None when undefined) and the mean absolute count error."""
    tp = sum(t > 0 and f > 0 for t, f in zip(truth, found))
    fp = sum(t == 0 and f > 0 for t, f in zip(truth, found))
    fn = sum(t > 0 and f == 0 for t, f in zip(truth, found))
    tn = sum(t == 0 and f == 0 for t, f in zip(truth, found))
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "count_mae": round(float(np.mean(np.abs(np.subtract(truth, found)))), 3),
    }  # fmt: skip


def quality(detector: PeopleDetector, labels: list[Labelled], data: Path = DATA) -> dict[str, dict]:
    found = [detector(load_image(item, data)) for item in labels]
    return {
        "faces": presence_scores([i.faces for i in labels], [len(f.faces) for f in found]),
        "persons": presence_scores([i.persons for i in labels], [len(f.persons) for f in found]),
    }


def speed_frames(data: Path = DATA) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(data / SPEED_CLIP))
    out, i = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i % SPEED_STEP == 0:
            out.append(frame)
        i += 1
    cap.release()
    return out


def speed(detector: PeopleDetector, images: list[np.ndarray], passes: int = 5) -> dict[str, float | int]:
    """Frames per CPU second, OpenCV on one thread, over ``passes`` passes of ``images``.

    ``per_core_fps`` is the fastest pass (the rule of Python's ``timeit``: on a machine shared with
    other jobs, the fastest run is the one least disturbed, and slower runs measure the
    neighbours); ``median_pass_fps`` and ``worst_pass_fps`` give the spread, and ``wall_fps`` is the
    median pass by the wall clock."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        detector(images[0])  # builds the detectors
        cpu = np.zeros((passes, len(images)))
        wall = []
        meter = BusyMeter()
        for p in range(passes):
            start = time.perf_counter()
            for i, image in enumerate(images):
                before = time.process_time()
                detector(image)
                cpu[p, i] = time.process_time() - before
            wall.append(time.perf_counter() - start)
        n = len(images)
        per_pass = n / cpu.sum(axis=1)
        return {
            "frames": n,
            "passes": passes,
            "per_core_fps": round(float(per_pass.max()), 1),
            "median_pass_fps": round(float(np.median(per_pass)), 1),
            "worst_pass_fps": round(float(per_pass.min()), 1),
            "wall_fps": round(n / float(np.median(wall)), 1),
            "machine_busy": meter.stop().to_doc(),
        }
    finally:
        cv2.setNumThreads(threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    detector = PeopleDetector()
    labels = read_labels()
    clip = speed_frames()
    labelled_720 = [cv2.resize(load_image(i), (1280, 720), interpolation=cv2.INTER_LINEAR) for i in labels]
    result = {
        "machine": f"{cpu_model()}, {cv2.getNumberOfCPUs()} CPUs, OpenCV {cv2.__version__}",
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "speed_720p_clip": speed(detector, clip),
        "speed_720p_labelled": speed(detector, labelled_720),
        "labelled_frames": len(labels),
        **quality(detector, labels),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
