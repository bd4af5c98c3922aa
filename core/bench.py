"""``python -m core bench``: the worker against the seed approach and the model-only ceiling.

Three modes, one process, the same sampled frames and the same two models (built once, warmed
up once each, and left out of every timing):

- **naive**: the 2018 seed loop. Decode the video with OpenCV; for each sampled frame, write it
  as a JPEG, read it back, resize, and call ``model.predict`` on one frame per model.
- **model-only**: the same frames, decoded and resized beforehand, through both models in
  batches of ``batch``: no decode, no storage. The ceiling for this machine.
- **pipeline**: the worker's real path with its default settings (decode thread, near-duplicate
  reuse, batched models, bulk writes), from the video file to the predictions in a scratch
  embedded store.

``max_frames`` limits the run to the first N sampled frames; the pipeline gets an end trim that
stops it after exactly those frames.
"""
from __future__ import annotations

import dataclasses
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core import dedup, frames
from core.analyze import RunSettings, request_analysis
from core.classify import FrameClassifier, top_k
from core.config import load_settings
from core.errors import ReelsightError
from core.models import MODEL_NAMES


@dataclasses.dataclass(frozen=True)
class BenchSettings:
    fps: float | None = 5.0
    """Sampled frames per second; None samples every frame."""
    max_frames: int | None = 200
    batch: int = 16
    reuse_threshold: float | None = dedup.DEFAULT_THRESHOLD
    models: tuple[str, ...] = MODEL_NAMES


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


def naive(path: Path, indices: list[int], classifier: FrameClassifier) -> tuple[float, dict[str, np.ndarray]]:
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
                probs = classifier.models[spec.name].predict(spec.preprocess(np.expand_dims(x, 0)), verbose=0)
                top1[spec.name].append(int(np.argmax(probs[0])))
            if index >= indices[-1]:
                break
        cap.release()
        seconds = time.perf_counter() - start
    return seconds, {m: np.array(v) for m, v in top1.items()}


def decoded_inputs(path: Path, indices: list[int], sizes: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Input size → uint8 N×S×S×3 of the sampled frames (prepared outside the model-only timing)."""
    pixels = frames.read_frames(path, indices, lambda rgb: {s: cv2.resize(rgb, (s, s), interpolation=cv2.INTER_AREA) for s in sizes})
    return {s: np.stack([pixels[i][s] for i in indices]) for s in sizes}


def model_only(inputs: dict[int, np.ndarray], classifier: FrameClassifier, batch: int) -> tuple[float, dict[str, np.ndarray]]:
    """Both models over in-memory frames in batches; returns (seconds, model → probabilities, N×1000)."""
    n = len(next(iter(inputs.values())))
    probs: dict[str, list[np.ndarray]] = {spec.name: [] for spec in classifier.specs}
    start = time.perf_counter()
    for lo in range(0, n, batch):
        for spec in classifier.specs:
            x = inputs[spec.size][lo : lo + batch].astype("float32")
            probs[spec.name].append(np.asarray(classifier.models[spec.name].predict_on_batch(spec.preprocess(x))))
    return time.perf_counter() - start, {m: np.concatenate(v) for m, v in probs.items()}


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


def pipeline(path: Path, plan: frames.SamplePlan, settings: BenchSettings, workdir: Path) -> tuple[float, dict[str, Any]]:
    """The worker's real path into a scratch embedded store; returns (seconds, run document with
    ``top1``: model → top-1 label names in frame order)."""
    from core import ingest
    from core.store import open_store
    from core.worker import Worker

    cfg = load_settings(db=str(workdir / "db"), data=str(workdir / "data"), batch_size=settings.batch)
    store = open_store(cfg)
    video_id, _ = ingest.add_file(store, cfg, path)
    rs = RunSettings(fps=plan.fps, trim_end_s=plan.trim_end_s, models=settings.models, top_k=1, reuse_threshold=settings.reuse_threshold)
    run_id, job_id = request_analysis(store, video_id, rs)
    worker = Worker(store, cfg, worker_id="bench")
    worker.classifier(settings.models)  # built (and cached) before the clock starts, as for the other modes
    start = time.perf_counter()
    worker.run_one(job_id)
    seconds = time.perf_counter() - start
    run = store.runs.find_one({"_id": run_id})
    job = store.jobs.find_one({"_id": job_id})
    if job["state"] != "done":
        raise ReelsightError(f"The pipeline run failed: {job.get('error')}")
    compact = store.run_top1.find_one({"_id": run_id})
    run["top1"] = {m: compact["models"][m]["labels"] for m in settings.models}
    run["frames"] = compact["frames"]
    run["reused_from"] = {d["frame"]: d["reused_from"] for d in store.frames.find({"run_id": run_id, "reused_from": {"$exists": True}}, {"frame": 1, "reused_from": 1})}
    return seconds, run


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(path: Path, settings: BenchSettings, modes: tuple[str, ...] = ("naive", "model_only", "pipeline"), log: Any = None) -> dict[str, Any]:
    """Run the modes and return the figures (see ``python -m core bench --help``)."""
    from core.models import imagenet_labels
    from core.worker import describe_device, shared_classifier

    say = log or (lambda text: print(text, file=sys.stderr))
    info = frames.probe(path)
    indices, plan = _sampled(path, info, settings)
    cfg = load_settings()
    if cfg.random_weights:  # the same random networks in every run, so runs compare
        import keras

        keras.utils.set_random_seed(0)
    models = shared_classifier(settings.models, cfg.weights)
    device, backend = describe_device()
    warm = {s: np.zeros((1, s, s, 3), np.uint8) for s in models.sizes}
    for spec in models.specs:  # one warm-up call per model and shape used
        models.models[spec.name].predict(spec.preprocess(warm[spec.size].astype("float32")), verbose=0)
        models.models[spec.name].predict_on_batch(spec.preprocess(np.zeros((min(settings.batch, len(indices)), spec.size, spec.size, 3), "float32")))
    n = len(indices)
    result: dict[str, Any] = {
        "video": path.name, "frames": n, "fps_setting": settings.fps, "batch": settings.batch, "models": list(settings.models),
        "reuse_threshold": settings.reuse_threshold, "device": device, "backend": backend, "weights": cfg.weights,
    }  # fmt: skip
    top1: dict[str, dict[str, np.ndarray]] = {}
    if "naive" in modes:
        seconds, top1["naive"] = naive(path, indices, models)
        result["naive_fps"] = n / seconds
        say(f"naive       {n / seconds:7.2f} frames/s  ({seconds:.1f} s)")
    if "model_only" in modes:
        inputs = decoded_inputs(path, indices, models.sizes)
        seconds, probs = model_only(inputs, models, settings.batch)
        top1["model_only"] = {m: top_k(p, 1).indices[:, 0] for m, p in probs.items()}
        result["model_only_fps"] = n / seconds
        say(f"model-only  {n / seconds:7.2f} frames/s  ({seconds:.1f} s)")
    if "pipeline" in modes:
        with tempfile.TemporaryDirectory(prefix="reelsight-bench-") as tmp:
            seconds, run = pipeline(path, plan, settings, Path(tmp))
        if run["frames"] != indices:
            raise ReelsightError(f"The pipeline sampled {len(run['frames'])} frames, not the {n} of the other modes.")
        result["pipeline_fps"] = n / seconds
        result["classified_fraction"] = 1 - run.get("n_reused", 0) / n
        result["pipeline_timings_s"] = run.get("timings", {})
        result["store_share"] = run.get("timings", {}).get("store_s", 0.0) / seconds
        result["reuse_checks"] = run.get("reuse_checks", {})
        top1["pipeline"] = {m: np.array(labels, dtype=object) for m, labels in run["top1"].items()}
        if "model_only" in modes:
            result["top1_agreement_centred"] = centred_reuse_agreement(probs, indices, run["reused_from"])
        say(f"pipeline    {n / seconds:7.2f} frames/s  ({seconds:.1f} s; {result['classified_fraction']:.0%} of frames through the models; storage {result['store_share']:.1%} of the time)")
    names = np.array(imagenet_labels(), dtype=object)  # compare names: ImageNet has two "crane" and two "maillot" classes
    for mode in ("naive", "model_only"):
        if mode in top1:
            top1[mode] = {m: names[v] for m, v in top1[mode].items()}
    for a, b in (("pipeline", "model_only"), ("naive", "model_only")):
        if a in top1 and b in top1:
            agree = [float(np.mean(top1[a][m] == top1[b][m])) for m in settings.models]
            result[f"top1_agreement{'' if a == 'pipeline' else '_naive'}"] = float(np.mean(agree))
    if "pipeline_fps" in result and "naive_fps" in result:
        result["c_over_a"] = result["pipeline_fps"] / result["naive_fps"]
    if "pipeline_fps" in result and "model_only_fps" in result:
        result["c_over_b"] = result["pipeline_fps"] / result["model_only_fps"]
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
