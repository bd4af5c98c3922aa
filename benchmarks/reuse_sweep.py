"""Near-duplicate reuse: what each threshold saves and what it costs in top-1 agreement.

For the first ``--frames`` frames of each video (every frame sampled), both models classify every
frame twice: as decoded, and after the seed loop's JPEG round trip (``cv2.imwrite`` at OpenCV's
default quality 95, read back). Reuse is a pure function of the frame signatures
(:class:`core.inference.dedup.ReusePolicy`, applied as the worker does), so one pass of the models gives, for every threshold, exactly
the labels the worker would store:

- ``classified``: the share of frames that go through the models;
- ``plain``: top-1 agreement of the stored labels with classifying every frame;
- ``centred``: the same after subtracting each class's mean score over the video's frames, which
  follows every change of the input (random-weight networks give nearly one class for every
  frame, so ``plain`` alone proves little);
- the **noise floor**: the same two agreements between a frame and its own JPEG round trip, a
  change no analyst can see. A threshold whose agreement is at or above the floor loses no more
  than the seed study's own file handling did.

Run: ``python -m benchmarks.reuse_sweep [--frames 240] [--json benchmarks/reuse_sweep.json]``.
The models are built with ``REELSIGHT_WEIGHTS`` (``none`` here: ImageNet weights cannot be
downloaded on this machine) and seeded, so reruns give the same numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import cv2
import numpy as np

from core.cli.bench import centred_top1
from core.inference import dedup, run_batches
from core.inference.feed import FramePayload
from core.inference.runs import _windows
from core.media import frames
from core.media.frames import Sample

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
THRESHOLDS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


def jpeg_round_trip(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 H×W×3 → the same after an OpenCV JPEG encode and decode at the default quality."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def classify_video(path: Path, n: int, classifier, batch: int = 16) -> dict[str, np.ndarray]:
    """Signatures (n×32×32) and, per model, probabilities (n×1000) as decoded and after a JPEG round trip."""
    sizes = classifier.sizes

    def prepare(rgb: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        again = jpeg_round_trip(rgb)
        resize = lambda img, s: cv2.resize(img, (s, s), interpolation=cv2.INTER_AREA)  # noqa: E731
        return {s: resize(rgb, s) for s in sizes}, {s: resize(again, s) for s in sizes}

    decoded = frames.read_frames(path, range(n), prepare)
    order = sorted(decoded)
    out: dict[str, np.ndarray] = {"signatures": np.stack([dedup.signature(decoded[i][0][min(sizes)]) for i in order])}
    for variant, which in (("", 0), ("jpeg_", 1)):
        for spec in classifier.specs:
            x = np.stack([decoded[i][which][spec.size] for i in order])
            out[f"{variant}{spec.name}"] = run_batches(classifier.runners[spec.name], x, batch)
    return out


def simulate(signatures: np.ndarray, labels: dict[str, np.ndarray], threshold: float, audit_every: int, batch: int = 16) -> np.ndarray:
    """The worker's reuse for models whose top-1 per frame is ``labels`` (model → n): the worker's
    own windows (:func:`core.inference.runs._windows`), with each spot check fed back as
    :func:`core.inference.runs._classify` does. Returns, for each frame, the position of the frame whose
    labels it stores (itself when classified)."""
    policy = dedup.ReusePolicy(threshold, audit_every)
    samples = (Sample(i, 0.0, FramePayload({}, b"", sig)) for i, sig in enumerate(signatures))
    source = np.arange(len(signatures))
    last = -1
    for window, decisions in _windows(samples, policy, batch):
        for sample, decision in zip(window, decisions):
            i = sample.index
            if decision == dedup.REUSE:
                source[i] = last
                continue
            if decision == dedup.AUDIT:
                policy.record(all(top1[i] == top1[last] for top1 in labels.values()))
            last = i
    return source


def sweep(data: dict[str, np.ndarray], models: list[str]) -> dict[str, object]:
    """The figures for one video (see the module docstring)."""
    sigs = data["signatures"]
    result: dict[str, object] = {"frames": len(sigs)}
    kinds = {
        "plain": ({m: data[m].argmax(1) for m in models}, {m: data[f"jpeg_{m}"].argmax(1) for m in models}),
        "centred": ({m: centred_top1(data[m]) for m in models}, {m: (data[f"jpeg_{m}"] - data[m].mean(axis=0)).argmax(1) for m in models}),
    }
    result["jpeg_floor"] = {kind: float(np.mean([np.mean(a[m] == b[m]) for m in models])) for kind, (a, b) in kinds.items()}
    rows = []
    for threshold in THRESHOLDS:
        for audit_every in (0, dedup.AUDIT_EVERY):
            row: dict[str, object] = {"threshold": threshold, "audit_every": audit_every}
            for kind, (labels, _) in kinds.items():
                source = simulate(sigs, labels, threshold, audit_every)
                row[kind] = float(np.mean([np.mean(labels[m] == labels[m][source]) for m in models]))
                row[f"classified_{kind}"] = float(np.mean(source == np.arange(len(source))))
            rows.append(row)
    result["thresholds"] = rows
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=240, help="first N frames of each video, every frame sampled")
    parser.add_argument("--videos", type=Path, default=VIDEOS)
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("reuse_sweep.json"))
    parser.add_argument("--cache", type=Path, help="folder for each video's probabilities (.npz), reused when present")
    args = parser.parse_args()

    import keras

    from core.config import load_settings
    from core.inference import MODEL_NAMES
    from core.worker import shared_classifier

    keras.utils.set_random_seed(0)
    weights = load_settings().weights
    classifier = shared_classifier(MODEL_NAMES, weights)
    report: dict[str, object] = {"weights": weights, "machine": f"{platform.processor() or platform.machine()}", "videos": {}}
    for path in sorted(args.videos.glob("*.mp4")):
        cached = args.cache / f"{path.stem}_{args.frames}.npz" if args.cache else None
        if cached and cached.exists():
            data = dict(np.load(cached))
        else:
            data = classify_video(path, args.frames, classifier)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(cached, **data)
        figures = sweep(data, list(MODEL_NAMES))
        report["videos"][path.name] = figures  # type: ignore[index]
        floor = figures["jpeg_floor"]
        print(f"{path.name}: {figures['frames']} frames; JPEG floor plain {floor['plain']:.3f} centred {floor['centred']:.3f}")  # type: ignore[index]
        for row in figures["thresholds"]:  # type: ignore[union-attr]
            checks = f"spot checks every {row['audit_every']}" if row["audit_every"] else "no spot checks"
            print(
                f"  threshold {row['threshold']:>3}, {checks:<20}: plain {row['plain']:.3f} ({row['classified_plain']:.1%} classified)"
                f"  centred {row['centred']:.3f} ({row['classified_centred']:.1%} classified)"
            )
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
