"""``python -m core bench``: every stage of the worker, alone and together, on the same frames.

The modes run in one process on the same sampled frames with the same models (built once,
warmed up once, and left out of every timing):

- **decode** (d): bare decoding, one OpenCV capture with its default threads, no conversion;
  ``decode_source`` is the same through the configured video source (decode workers in parallel).
- **feed** (f): the worker's real path (video source, resize once, thumbnails, signatures,
  windows, storage) with the models replaced by a no-op: what the CPU can deliver to a device.
- **model_only** (b): the frames, decoded and resized beforehand, through the inference runtime
  in batches: no decode, no storage. The ceiling for this device.
- **pipeline** (c): the worker's real path with its settings, from the video file to the
  predictions in a scratch embedded store.
- **naive** (a): the 2018 seed loop. Decode with OpenCV; for each sampled frame, write it as a
  JPEG, read it back, resize, and call ``model.predict`` on one frame per model.
- **resize**: each resize method of :mod:`core.inference.feed` on the decoded frames: frames/s, mean
  absolute pixel difference from ``area`` (today's reference) and the models' top-1 agreement
  with ``area`` inputs.

``max_frames`` limits the run to the first N sampled frames; the pipeline gets an end trim that
stops it after exactly those frames.
"""

from __future__ import annotations

import dataclasses
import itertools
import resource
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.cli.machine_busy import BusyMeter, cpu_model
from core.config import load_settings
from core.errors import ReelsightError
from core.inference import MODEL_NAMES, InferenceRuntime, NullRuntime, RunSettings, dedup, describe_device, feed, request_analysis, top_k
from core.media import OpenCVSource, VideoSource, default_workers, frames, open_source

MODES = ("decode", "feed", "model_only", "pipeline", "naive", "resize")
RESIZE_FRAMES = 64
"""Sampled frames the resize comparison measures."""


@dataclasses.dataclass(frozen=True)
class BenchSettings:
    fps: float | None = 5.0
    """Sampled frames per second; None samples every frame."""
    max_frames: int | None = 200
    batch: int | None = None
    """Frames per model call; None: the runtime's choice for this device."""
    reuse_threshold: float | None = dedup.DEFAULT_THRESHOLD
    models: tuple[str, ...] = MODEL_NAMES
    scenes: bool = True
    """The pipeline detects shots and segments in its decode pass (the worker's default)."""
    objects: str | None = None
    """An object detector (:data:`core.inference.detectors.DETECTORS`) the pipeline runs too; ``model_only`` then times it alone as ``objects_only``."""


def _sampled(path: Path, info: frames.VideoInfo, settings: BenchSettings) -> tuple[list[int], frames.SamplePlan]:
    """The first ``max_frames`` sampled indices, and a plan (with an end trim) that yields exactly them."""
    plan = frames.SamplePlan(settings.fps)
    count = info.frame_count or _count_frames(path)
    indices = list(frames.sample_indices(count, info.fps, plan))
    if settings.max_frames:
        indices = indices[: settings.max_frames]
    if not indices:
        raise ReelsightError(f"{path.name} yields no sampled frames at these settings.")
    trim_end = max(0.0, (count - indices[-1] - 0.5) / info.fps)
    return indices, frames.SamplePlan(settings.fps, 0.0, trim_end)


def _count_frames(path: Path) -> int:
    """Frames in ``path`` by decoding it (for files that do not report a count)."""
    cap = cv2.VideoCapture(str(path))
    count = 0
    try:
        while cap.grab():
            count += 1
    finally:
        cap.release()
    return count


def naive(path: Path, indices: list[int], classifier: InferenceRuntime) -> tuple[float, dict[str, np.ndarray]]:
    """The seed loop; returns (seconds, model → top-1 indices)."""
    wanted = set(indices)
    top1: dict[str, list[int]] = {spec.name: [] for spec in classifier.specs}
    with tempfile.TemporaryDirectory(prefix="reelsight-naive-") as tmp:
        jpeg = str(Path(tmp) / "frame.jpg")
        start = time.perf_counter()
        cap = cv2.VideoCapture(str(path))
        index = -1
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            index += 1
            if index not in wanted:
                continue
            cv2.imwrite(jpeg, bgr)
            rgb = cv2.cvtColor(cv2.imread(jpeg), cv2.COLOR_BGR2RGB)
            for spec in classifier.specs:
                x = cv2.resize(rgb, (spec.size, spec.size), interpolation=cv2.INTER_AREA).astype("float32")
                probs = classifier.runners[spec.name].model.predict(_layout(spec.preprocess(np.expand_dims(x, 0)), classifier.plan), verbose=0)
                top1[spec.name].append(int(np.argmax(probs[0])))
            if index >= indices[-1]:
                break
        cap.release()
        seconds = time.perf_counter() - start
    return seconds, {m: np.array(v) for m, v in top1.items()}


def _layout(x: np.ndarray, plan: Any) -> np.ndarray:
    """An N×H×W×C batch in the layout the plan's models were built with."""
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if plan.channels_first else x


def _as_decoded(bgr: np.ndarray) -> np.ndarray:
    """A transform that keeps OpenCV's frame as it is (no conversion, no resize)."""
    return bgr


_as_decoded.bgr_input = True  # type: ignore[attr-defined]


def decode_capture(path: Path, indices: list[int]) -> float:
    """Seconds for one OpenCV capture with its default FFmpeg threads to ``grab`` up to the last
    sampled frame and ``retrieve`` the sampled ``indices`` (bare decoding)."""
    start = time.perf_counter()
    wanted, last = set(indices), indices[-1]
    cap = cv2.VideoCapture(str(path))
    index = -1
    try:
        while index < last and cap.grab():
            index += 1
            if index in wanted:
                cap.retrieve()
    finally:
        cap.release()
    return time.perf_counter() - start


def decode_source(source: VideoSource, path: Path, info: frames.VideoInfo, plan: frames.SamplePlan) -> float:
    """Seconds for ``source`` to hand over the sampled frames as decoded (no conversion, no resize)."""
    start = time.perf_counter()
    for _ in source.samples(path, info, plan, _as_decoded):
        pass
    return time.perf_counter() - start


def decoded_inputs(path: Path, info: frames.VideoInfo, plan: frames.SamplePlan, sizes: tuple[int, ...], resize: str) -> tuple[list[int], dict[int, np.ndarray]]:
    """Sampled indices and input size → uint8 N×S×S×3, as the feed prepares them (outside every timing)."""
    payloads = [(s.index, s.payload) for s in OpenCVSource().samples(path, info, plan, feed.Preprocessor(sizes, resize))]
    return [i for i, _ in payloads], {s: np.stack([p.inputs[s] for _, p in payloads]) for s in sizes}


def model_only(inputs: dict[int, np.ndarray], classifier: InferenceRuntime, batch: int) -> tuple[float, dict[str, np.ndarray]]:
    """Every model over in-memory uint8 frames through the runtime, in batches; returns
    (seconds, model → probabilities, N×1000)."""
    n = len(next(iter(inputs.values())))
    probs: dict[str, list[np.ndarray]] = {spec.name: [] for spec in classifier.specs}
    start = time.perf_counter()
    for lo in range(0, n, batch):
        for spec in classifier.specs:
            probs[spec.name].append(classifier.runners[spec.name](inputs[spec.size][lo : lo + batch]))
    return time.perf_counter() - start, {m: np.concatenate(v) for m, v in probs.items()}


def resize_methods(path: Path, info: frames.VideoInfo, plan: frames.SamplePlan, classifier: InferenceRuntime, batch: int) -> dict[str, dict[str, float]]:
    """Per method of :data:`core.inference.feed.RESIZERS`: frames/s of the feed's per-frame work alone (on
    the first ``RESIZE_FRAMES`` sampled frames, decoded beforehand), mean absolute difference from ``area`` inputs (0–255), and top-1
    agreement with ``area`` inputs (plain, and centred as in :func:`centred_top1`)."""

    with closing(OpenCVSource().samples(path, info, plan, _as_decoded)) as samples:
        decoded = [s.payload for s in itertools.islice(samples, RESIZE_FRAMES)]  # full frames: only as many as are measured
    sizes = classifier.sizes
    out: dict[str, dict[str, Any]] = {}
    reference: dict[str, np.ndarray] = {}
    ref_inputs: dict[int, np.ndarray] = {}
    for name in ("area", *[m for m in feed.RESIZERS if m != "area"]):
        prep = feed.Preprocessor(sizes, name)
        start = time.perf_counter()
        payloads = [prep(bgr) for bgr in decoded]
        seconds = time.perf_counter() - start
        inputs = {s: np.stack([p.inputs[s] for p in payloads]) for s in sizes}
        _, probs = model_only(inputs, classifier, batch)
        row: dict[str, Any] = {"fps": len(decoded) / seconds}
        if name == "area":
            reference, ref_inputs = probs, inputs
        else:
            row["mean_abs_diff"] = float(np.mean([np.abs(inputs[s].astype(np.int16) - ref_inputs[s]).mean() for s in sizes]))
            row["top1_agreement"] = float(np.mean([np.mean(probs[m].argmax(1) == reference[m].argmax(1)) for m in probs]))
            both = {m: np.concatenate([reference[m], probs[m]]) for m in probs}
            n = len(decoded)
            row["top1_agreement_centred"] = float(np.mean([np.mean(centred_top1(both[m])[:n] == centred_top1(both[m])[n:]) for m in both]))
        out[name] = row
    return out


def centred_top1(probs: np.ndarray) -> np.ndarray:
    """Argmax after subtracting each class's mean score over the frames (n×classes → n)."""
    return (probs - probs.mean(axis=0)).argmax(axis=1)


def centred_reuse_agreement(probs: dict[str, np.ndarray], indices: list[int], reused_from: dict[int, int]) -> float:
    """How often a reused frame's own centred top-1 equals that of the frame it copied.

    Centred top-1 is the argmax of a frame's probabilities minus their mean over all frames. With
    random weights the plain top-1 is nearly the same class for every input, which would make any
    agreement look perfect; the centred top-1 follows every change of the input, so this is the
    stricter test of what reuse loses."""
    position = {frame: i for i, frame in enumerate(indices)}
    ref = np.array([position[reused_from.get(frame, frame)] for frame in indices])
    scores = []
    for p in probs.values():
        centred = centred_top1(p)
        scores.append(float(np.mean(centred == centred[ref])))
    return float(np.mean(scores))


def pipeline(
    path: Path, plan: frames.SamplePlan, settings: BenchSettings, workdir: Path, runtime: InferenceRuntime | None = None
) -> tuple[float, dict[str, Any]]:
    """The worker's real path into a scratch embedded store; returns (seconds, run document with
    ``top1``: model → top-1 label names in frame order). ``runtime`` replaces the models (the
    feed mode passes a :class:`core.inference.runtime.NullRuntime`)."""
    from core.media import add_file
    from core.store import open_store
    from core.worker import Worker

    cfg = load_settings(db=str(workdir / "db"), data=str(workdir / "data"), batch_size=settings.batch)
    store = open_store(cfg)
    video_id, _ = add_file(store, cfg, path)
    rs = RunSettings(fps=plan.fps, trim_end_s=plan.trim_end_s, models=settings.models, top_k=1, reuse_threshold=settings.reuse_threshold)
    rs = dataclasses.replace(rs, scenes=rs.scenes if settings.scenes else None, objects=settings.objects if runtime is None else None)
    run_id, job_id = request_analysis(store, video_id, rs)
    worker = Worker(store, cfg, worker_id="bench")
    if runtime is not None:
        worker.classifier = lambda models, objects=None: runtime  # type: ignore[method-assign]
    worker.classifier(settings.models, rs.objects)  # built (and cached) before the clock starts, as for the other modes
    start, cpu, meter = time.perf_counter(), time.process_time(), BusyMeter()
    worker.run_one(job_id)
    seconds = time.perf_counter() - start
    run = store.runs.get(run_id)
    run["cpu_s"] = time.process_time() - cpu  # every thread of this process; not immune to neighbours, hence ``busy``
    run["busy"] = meter.stop()
    job = store.jobs.get(job_id)
    if job["state"] != "done":
        raise ReelsightError(f"The pipeline run failed: {job.get('error')}")
    compact = store.runs.top1(run_id)
    run["top1"] = {m: compact["models"][m]["labels"] for m in settings.models}
    run["frames"] = compact["frames"]
    run["reused_from"] = store.frames.reused_from(run_id)
    return seconds, run


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(
    path: Path, settings: BenchSettings, modes: tuple[str, ...] = ("decode", "feed", "model_only", "pipeline", "naive"), log: Any = None
) -> dict[str, Any]:
    """Run the modes and return the figures (see ``python -m core bench --help``)."""
    from core.inference import imagenet_labels
    from core.worker import shared_classifier

    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ReelsightError(f"Unknown benchmark mode {', '.join(unknown)}; choose from {', '.join(MODES)}.")
    say = log or (lambda text: print(text, file=sys.stderr))
    info = frames.probe(path)
    indices, plan = _sampled(path, info, settings)
    cfg = load_settings(batch_size=settings.batch)
    if cfg.random_weights:  # the same random networks in every run, so runs compare
        import keras

        keras.utils.set_random_seed(0)
    models = shared_classifier(settings.models, cfg.weights, cfg.batch_size)
    rt = models.plan
    batch = rt.batch_size
    source = open_source(cfg.video_source, cfg.decode_workers)
    for spec in models.specs:  # one warm-up call per model and shape used
        if "naive" in modes:
            models.runners[spec.name].model.predict(_layout(spec.preprocess(np.zeros((1, spec.size, spec.size, 3), "float32")), rt), verbose=0)
        models.runners[spec.name](np.zeros((min(batch, len(indices)), spec.size, spec.size, 3), np.uint8))
    n = len(indices)
    result: dict[str, Any] = {
        "video": path.name, "resolution": f"{info.width}x{info.height}", "frames": n, "fps_setting": settings.fps, "batch": batch, "models": list(settings.models),
        "reuse_threshold": settings.reuse_threshold, "scenes": settings.scenes, "objects": settings.objects, "device": describe_device()[0], "backend": rt.backend,
        "runtime": rt.describe(), "weights": cfg.weights, "video_source": source.name, "decode_workers": getattr(source, "workers", 1), "resize": cfg.resize,
        "cores": default_workers(), "cpu": cpu_model(),
    }  # fmt: skip
    top1: dict[str, dict[str, np.ndarray]] = {}

    def line(name: str, seconds: float, extra: str = "") -> None:
        result[f"{name}_fps"] = n / seconds
        say(f"{name:<14}{n / seconds:8.1f} frames/s  ({seconds:.1f} s{extra})")

    if "decode" in modes:
        line("decode", decode_capture(path, indices), "; one capture")
        line("decode_source", decode_source(source, path, info, plan), f"; {source.name}")
    if "feed" in modes:
        with tempfile.TemporaryDirectory(prefix="reelsight-bench-") as tmp:
            seconds, run = pipeline(path, plan, settings, Path(tmp), NullRuntime(settings.models, rt))
        result["feed_timings_s"] = run.get("timings", {})
        line("feed", seconds, f"; models replaced by a no-op; waited {result['feed_timings_s'].get('wait_s', 0):.1f} s on the feed")
    if "model_only" in modes:
        _, inputs = decoded_inputs(path, info, plan, models.sizes, cfg.resize)
        seconds, probs = model_only(inputs, models, batch)
        top1["model_only"] = {m: top_k(p, 1).indices[:, 0] for m, p in probs.items()}
        line("model_only", seconds)
        if settings.objects:
            detector = shared_classifier(settings.models, cfg.weights, cfg.batch_size, settings.objects, cfg.object_side).detector
            assert detector is not None
            prep = feed.Preprocessor(models.sizes, cfg.resize, letterbox=detector.size)
            boxed = np.stack([sample.payload.letterboxed for sample in OpenCVSource().samples(path, info, plan, prep)])
            start = time.perf_counter()
            for lo in range(0, n, batch):
                detector(boxed[lo : lo + batch])
            result["object_side"] = detector.size
            line("objects_only", time.perf_counter() - start, f"; {detector.spec.display} alone at {detector.size}×{detector.size}")
    if "pipeline" in modes:
        with tempfile.TemporaryDirectory(prefix="reelsight-bench-") as tmp:
            seconds, run = pipeline(path, plan, settings, Path(tmp))
        if run["frames"] != indices:
            raise ReelsightError(f"The pipeline sampled {len(run['frames'])} frames, not the {n} of the other modes.")
        result["classified_fraction"] = 1 - run.get("n_reused", 0) / n
        result["pipeline_timings_s"] = run.get("timings", {})
        result["pipeline_s"], result["pipeline_cpu_s"] = seconds, run["cpu_s"]
        result["pipeline_machine_busy"] = run["busy"].to_doc()
        result["store_share"] = run.get("timings", {}).get("store_s", 0.0) / seconds
        result["reuse_checks"] = run.get("reuse_checks", {})
        top1["pipeline"] = {m: np.array(labels, dtype=object) for m, labels in run["top1"].items()}
        if "model_only" in modes:
            result["top1_agreement_centred"] = centred_reuse_agreement(probs, indices, run["reused_from"])
        waits = result["pipeline_timings_s"]
        line(
            "pipeline",
            seconds,
            f"; {run['cpu_s']:.1f} CPU s; {result['classified_fraction']:.0%} of frames through the models; waited {waits.get('wait_s', 0):.1f} s on the feed, {waits.get('models_s', 0):.1f} s on the models; storage {result['store_share']:.1%}; {run['busy'].describe()}",
        )
    if "naive" in modes:
        seconds, top1["naive"] = naive(path, indices, models)
        line("naive", seconds)
    if "resize" in modes:
        result["resize_methods"] = resize_methods(path, info, plan, models, batch)
        for name, row in result["resize_methods"].items():
            extra = (
                ""
                if name == "area"
                else f"; {row['mean_abs_diff']:.2f} grey levels from area, top-1 agreement {row['top1_agreement']:.1%} (centred {row['top1_agreement_centred']:.1%})"
            )
            say(f"resize {name:<12}{row['fps']:8.1f} frames/s{extra}")
    names = np.array(imagenet_labels(), dtype=object)  # compare names: ImageNet has two "crane" and two "maillot" classes
    for mode in ("naive", "model_only"):
        if mode in top1:
            top1[mode] = {m: names[v] for m, v in top1[mode].items()}
    for a, b in (("pipeline", "model_only"), ("naive", "model_only")):
        if a in top1 and b in top1:
            agree = [float(np.mean(top1[a][m] == top1[b][m])) for m in settings.models]
            result[f"top1_agreement{'' if a == 'pipeline' else '_naive'}"] = float(np.mean(agree))
    ratios = {"c_over_a": ("pipeline", "naive"), "c_over_b": ("pipeline", "model_only"), "f_over_d": ("feed", "decode"), "c_over_f": ("pipeline", "feed")}
    for key, (top, bottom) in ratios.items():
        if f"{top}_fps" in result and f"{bottom}_fps" in result:
            result[key] = result[f"{top}_fps"] / result[f"{bottom}_fps"]
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def synthetic_clip(folder: Path, seconds: float = 20, fps: float = 24, size: tuple[int, int] = (640, 360), shot_s: float = 4) -> Path:
    """A clip of smooth coloured blobs with a hard cut every ``shot_s`` seconds and a slow pan in
    between (one pixel every 4 frames), for runs without ``--video``."""
    path = Path(folder) / "bench_clip.mp4"
    rng = np.random.default_rng(0)
    shot = max(1, int(shot_s * fps))
    margin = shot // 4 + 1
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    scene = np.zeros((size[1] + margin, size[0] + margin, 3), np.uint8)
    for i in range(int(seconds * fps)):
        if i % shot == 0:
            scene = cv2.resize(rng.integers(0, 255, (4, 6, 3), dtype=np.uint8), (scene.shape[1], scene.shape[0]), interpolation=cv2.INTER_CUBIC)
        x = (i % shot) // 4
        writer.write(np.ascontiguousarray(scene[x : x + size[1], x : x + size[0]]))
    writer.release()
    return path
