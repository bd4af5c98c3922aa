"""Screen time: apply a trained classifier to a video or an image sequence, smooth, and add up.

A run (``screentime_runs``) stores the raw class probabilities of every sampled frame; everything
else is derived by :func:`compute`, so the page can change the smoothing window without running
the model again, and the CLI's CSVs are the page's tables.

- Smoothing: a centred rolling mean of the class probabilities over ``K`` samples (``K = 1``
  turns it off). The lecture averaged the last K predictions; centring the window removes the
  K/2-sample delay that a trailing mean adds to every change.
- Screen time: each sample stands for one sampling interval (``1 / fps`` seconds, or the time per
  image), so a class's seconds are its sample count × the interval, and its share is that over
  the analysed duration (samples × interval).
- Segments: runs of consecutive samples with the same smoothed class, ``[start_s, end_s)``.
"""

from __future__ import annotations

import logging
import math
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import NotFoundError, ScreenTimeError, TrainingSetError
from core.exports import output_dir, to_csv
from core.inference import current_plan
from core.jobs import RunningJob
from core.media import annotate, frames, open_source
from core.screentime import classmetrics, matching, trainingset
from core.screentime.classifier import find_classifier, load_classifier, predict_probs, read_image, resize_rgb
from core.store import Store, new_id, new_job, utcnow

log = logging.getLogger(__name__)

JOB_KIND = "screentime"
MAX_SMOOTH = 301


@dataclass(frozen=True)
class ApplySettings:
    """``fps`` samples per second of video (None: every frame); ``smooth`` is the window K in samples."""

    fps: float | None = 1.0
    smooth: int = 5
    annotate: bool = True
    """Also write an annotated MP4 with the smoothed label and confidence on every frame."""

    def __post_init__(self) -> None:
        if self.fps is not None and not (math.isfinite(self.fps) and 0 < self.fps <= 240):
            raise ScreenTimeError(f"Sampling rate must be between 0 and 240 frames per second, not {self.fps}.")
        check_smooth(self.smooth)

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)


def check_smooth(k: int) -> int:
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= MAX_SMOOTH):
        raise ScreenTimeError(f"The smoothing window K must be a whole number from 1 (off) to {MAX_SMOOTH} samples, not {k}.")
    return int(k)


# ---------------------------------------------------------------- sources


def video_source(store: Store, video_id: str) -> dict[str, Any]:
    video = store.videos.get(video_id)
    return {"kind": "video", "video_id": video_id, "name": video.get("title") or video_id}


def images_source(
    store: Store, images: Path, seconds_per_image: float, name: str | None = None, *, limits: trainingset.Limits = trainingset.DEFAULT_LIMITS
) -> dict[str, Any]:
    """Store a folder or ZIP of images as an image sequence, in natural name order
    (``frame2`` before ``frame10``), each shown for ``seconds_per_image``; refused beyond ``limits``."""
    if not (math.isfinite(seconds_per_image) and seconds_per_image > 0):
        raise ScreenTimeError(f"Seconds per image must be a positive number, not {seconds_per_image}.")
    with tempfile.TemporaryDirectory(prefix="reelsight-seq-") as tmp:
        folder = trainingset.unpack_images(Path(images), Path(tmp) / "in", limits=limits)
        files = trainingset.images_in(folder)
        if not files:
            raise TrainingSetError(f"{Path(images).name} holds no images ({', '.join(trainingset.IMAGE_SUFFIXES)}).")
        bad = [str(p.relative_to(folder)) for p in files if not trainingset.decodes(p, max_mp=limits.image_mp)]
        if bad:
            raise TrainingSetError(
                f"{Path(images).name}: {', '.join(bad[:6])} do{'es' if len(bad) == 1 else ''} not decode as images. Remove them and try again."
            )
        names = [str(p.relative_to(folder)) for p in files]
        blob = trainingset.put_images(store, folder, names)
    return {"kind": "images", "name": name or Path(images).name, "blob": blob, "images": names, "seconds_per_image": float(seconds_per_image)}


def read_labels(text: str, source: dict[str, Any], classes: list[str], source_name: str = "the labels CSV") -> list[dict[str, Any]]:
    """A labels CSV for accuracy: ``Image_ID,Class`` for images (file names) or ``frame,Class`` for a
    video (source frame numbers). Classes are ids or names. Returns ``[{"key", "class"}]``."""
    rows = trainingset.read_mapping(text, source_name)
    lookup = {name.lower(): i for i, name in enumerate(classes)}
    out, bad, bad_key = [], [], []
    for line, key, value in rows:
        class_index = lookup.get(value.lower())
        if class_index is None and value.lstrip("-").isdigit() and 0 <= int(value) < len(classes):
            class_index = int(value)
        if class_index is None:
            bad.append(line)
            continue
        if source["kind"] == "video":
            if not key.isdigit():
                bad_key.append(line)
                continue
            out.append({"key": int(key), "class": class_index})
        else:
            out.append({"key": key, "class": class_index})
    problems = []
    if bad:
        problems.append(f"rows {', '.join(map(str, bad[:6]))}: the class is not one of {', '.join(classes)} (or their numbers 0–{len(classes) - 1})")
    if bad_key:
        problems.append(f"rows {', '.join(map(str, bad_key[:6]))}: for a video the first column is the frame number")
    if problems:
        raise TrainingSetError(f"{source_name} cannot be used: " + "; ".join(problems) + ".")
    return out


def request_apply(
    store: Store, classifier_ref: str, source: dict[str, Any], settings: ApplySettings, labels: list[dict[str, Any]] | None = None
) -> tuple[str, str]:
    """Create a screen-time run and queue its job; returns ``(run_id, job_id)``."""
    classifier = find_classifier(store, classifier_ref)
    run_id = new_id()
    doc = {
        "_id": run_id,
        "classifier_id": classifier["_id"],
        "classifier": {"name": classifier["name"], "version": classifier["version"], "random_weights": classifier.get("random_weights", False)},
        "classes": [c["name"] for c in classifier["classes"]],
        "source": source,
        "settings": settings.to_doc(),
        "labels": labels or [],
        "created_at": utcnow(),
    }
    return run_id, store.screentime_runs.create_with_job(doc, new_job(JOB_KIND, {"run_id": run_id}))


# ---------------------------------------------------------------- derived results


def smooth_probs(probs: np.ndarray, k: int) -> np.ndarray:
    """Centred rolling mean over ``k`` samples of an N×C probability array (edges use what exists)."""
    if k <= 1 or len(probs) == 0:
        return probs
    return pd.DataFrame(probs).rolling(k, center=True, min_periods=1).mean().to_numpy()


def segments(classes: np.ndarray, times: np.ndarray, interval: float) -> list[tuple[int, float, float]]:
    """``(class, start_s, end_s)`` for each run of equal consecutive classes."""
    out = []
    if len(classes) == 0:
        return out
    changes = np.flatnonzero(np.diff(classes)) + 1
    starts = np.r_[0, changes]
    ends = np.r_[changes, len(classes)]
    for s, e in zip(starts, ends):
        out.append((int(classes[s]), float(times[s]), float(times[e - 1] + interval)))
    return out


@dataclass
class ScreenTime:
    """Every table of one run at one smoothing window."""

    frames: pd.DataFrame
    """frame, time_s, class, prob, smoothed_class, smoothed_prob (and image, for an image sequence): one row per sample."""
    totals: pd.DataFrame
    """class, seconds, share (smoothed), seconds_raw, share_raw: one row per class."""
    segments: pd.DataFrame
    """class, start_s, end_s, duration_s."""
    smooth: int
    interval_s: float
    duration_s: float
    accuracy: dict[str, Any] | None = None
    """When labels were given: ``matched`` and ``given`` (label counts), ``note`` (a sentence when some
    labels matched no sample, else None) and, when any matched, ``raw`` and ``smoothed`` (see
    :func:`core.screentime.classmetrics.evaluate`)."""


def compute(run: dict[str, Any], smooth: int | None = None) -> ScreenTime:
    """Tables for a finished run, smoothed with ``smooth`` (default: the run's own K)."""
    result = run.get("result")
    if not result:
        raise ScreenTimeError("This screen-time run has not finished yet; its tables appear when its job is done.")
    k = check_smooth(run["settings"]["smooth"] if smooth is None else smooth)
    names = run["classes"]
    probs = np.asarray(result["probs"], dtype=float).reshape(-1, len(names))
    times = np.asarray(result["time_s"], dtype=float)
    interval = float(result["interval_s"])
    raw = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=int)
    smoothed_probs = smooth_probs(probs, k)
    smoothed = smoothed_probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=int)
    name_of = np.asarray(names, dtype=object)
    table = pd.DataFrame(
        {
            "frame": np.asarray(result["frames"], dtype=int),
            "time_s": times,
            "class": name_of[raw],
            "prob": probs[np.arange(len(raw)), raw] if len(raw) else np.zeros(0),
            "smoothed_class": name_of[smoothed],
            "smoothed_prob": smoothed_probs[np.arange(len(smoothed)), smoothed] if len(smoothed) else np.zeros(0),
        }
    )
    if run["source"]["kind"] == "images":
        table["image"] = [run["source"]["images"][i] for i in table["frame"]]
    duration = len(raw) * interval
    count_raw = np.bincount(raw, minlength=len(names))
    count = np.bincount(smoothed, minlength=len(names))
    totals = pd.DataFrame(
        {
            "class": names,
            "seconds": count * interval,
            "share": count / len(raw) if len(raw) else 0.0,
            "seconds_raw": count_raw * interval,
            "share_raw": count_raw / len(raw) if len(raw) else 0.0,
        }
    )
    segs = pd.DataFrame([(names[c], s, e, e - s) for c, s, e in segments(smoothed, times, interval)], columns=["class", "start_s", "end_s", "duration_s"])
    return ScreenTime(table, totals, segs, k, interval, duration, _accuracy(run, table, raw, smoothed))


def image_label_match(source: dict[str, Any], labels: list[dict[str, Any]]) -> matching.LabelMatch:
    """How many ``labels`` (from :func:`read_labels`) name an image of an image-sequence ``source``;
    known before the run, so a user learns at once that the labels CSV belongs to other images."""
    return matching.match_images([lab["key"] for lab in labels], matching.ImageNames(source["images"]))


def _accuracy(run: dict[str, Any], table: pd.DataFrame, raw: np.ndarray, smoothed: np.ndarray) -> dict[str, Any] | None:
    labels = run.get("labels") or []
    if not labels or table.empty:
        return None
    names = run["classes"]
    if run["source"]["kind"] == "images":
        images = matching.ImageNames(run["source"]["images"])
        position = {path: i for i, path in enumerate(images.paths)}
        found = [(images.resolve(lab["key"]), lab["class"]) for lab in labels]
        pairs = [(position[path], class_index) for path, class_index in found if path is not None]
        match = matching.match_images([lab["key"] for lab in labels], images)
    else:
        sampled = table["frame"].to_numpy()
        step = np.median(np.diff(sampled)) if len(sampled) > 1 else 1
        pairs, unmatched = [], []
        for lab in labels:
            i = int(np.abs(sampled - lab["key"]).argmin())
            if abs(sampled[i] - lab["key"]) <= step / 2:
                pairs.append((i, lab["class"]))
            else:
                unmatched.append(lab["key"])
        frames_span = f"{sampled[0]} to {sampled[-1]}" + (f" every {step:g}" if len(sampled) > 1 else "")
        example = f"frame {unmatched[0]}" if unmatched else ""
        match = matching.LabelMatch(len(labels), len(pairs), example, frames_span, target="a sampled frame", source_noun="sampled frames")
    accuracy: dict[str, Any] = {"matched": len(pairs), "given": len(labels), "note": match.accuracy_note()}
    if pairs:
        idx = np.array([p[0] for p in pairs])
        truth = np.array([p[1] for p in pairs])
        accuracy.update(raw=classmetrics.evaluate(truth, raw[idx], names), smoothed=classmetrics.evaluate(truth, smoothed[idx], names))
    return accuracy


def frames_export(screen_time: ScreenTime) -> pd.DataFrame:
    """The rows of ``frames.csv``: frame, time_s, class, prob, smoothed_class, and for an image
    sequence ``image``, the file each sample came from (its path inside the folder or ZIP)."""
    columns = ["frame", "time_s", "class", "prob", "smoothed_class"]
    return screen_time.frames[columns + (["image"] if "image" in screen_time.frames else [])]


def write_outputs(screen_time: ScreenTime, out: Path) -> list[Path]:
    """``screentime.csv`` (class, seconds, share), ``frames.csv`` (see :func:`frames_export`) and
    ``segments.csv`` (class, start_s, end_s) in ``out``."""
    out = output_dir(out)
    paths = [out / "screentime.csv", out / "frames.csv", out / "segments.csv"]
    to_csv(screen_time.totals[["class", "seconds", "share"]], paths[0])
    to_csv(frames_export(screen_time), paths[1])
    to_csv(screen_time.segments[["class", "start_s", "end_s"]], paths[2])
    return paths


def leaderboard(store: Store) -> pd.DataFrame:
    """One row per finished run: source, classifier, settings and seconds per class (at the run's K)."""
    rows = []
    for run in store.screentime_runs.finished():
        c = run["classifier"]
        row = {
            "run_id": run["_id"],
            "source": run["source"].get("name"),
            "classifier": f"{c['name']} v{c['version']}" + (" (random weights)" if c.get("random_weights") else ""),
            "fps": run["settings"].get("fps"),
            "K": run["settings"]["smooth"],
            "analysed_s": run.get("duration_s"),
        }
        row.update({f"{name} (s)": seconds for name, seconds in (run.get("totals") or {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every screen-time run, newest first, without the per-frame arrays."""
    return store.screentime_runs.list()


def get_run(store: Store, run_id: str) -> dict[str, Any]:
    return store.screentime_runs.get(run_id)


# ---------------------------------------------------------------- the job


def _classify_video(ctx: RunningJob, run: dict[str, Any], model: Any, backbone: str, size: int) -> tuple[dict[str, Any], Path]:
    from core.media import video_file

    path = Path(video_file(ctx, ctx.store.videos.get(run["source"]["video_id"])))
    info = frames.probe(path)
    fps = run["settings"]["fps"]
    plan = frames.SamplePlan(fps)
    expected = plan.expected_count(info)
    indices, times, probs, batch = [], [], [], []

    def flush() -> None:
        probs.append(predict_probs(model, backbone, np.stack([s.payload for s in batch])))
        indices.extend(s.index for s in batch)
        times.extend(s.time_s for s in batch)
        batch.clear()
        ctx.progress("classify", len(indices), max(expected or 0, len(indices)), throttle_s=0.5)

    ctx.progress("classify", 0, expected)
    batch_size = current_plan(ctx.settings.batch_size).batch_size
    source = open_source(ctx.settings.video_source, ctx.settings.decode_workers)
    with closing(source.samples(path, info, plan, lambda rgb: resize_rgb(rgb, size))) as samples:
        for sample in samples:
            batch.append(sample)
            if len(batch) == batch_size:
                flush()
    if batch:
        flush()
    if not indices:
        raise ScreenTimeError(f"No frames were sampled from {path.name}.")
    interval = 1.0 / fps if fps else 1.0 / info.fps
    return {"frames": indices, "time_s": [round(t, 6) for t in times], "probs": np.concatenate(probs), "interval_s": interval, "source_fps": info.fps}, path


def _classify_images(ctx: RunningJob, run: dict[str, Any], model: Any, backbone: str, size: int, folder: Path) -> dict[str, Any]:
    source = run["source"]
    trainingset.extract_images(ctx.store, source["blob"], folder, limits=trainingset.Limits.from_settings(ctx.settings))
    names, spi = source["images"], source["seconds_per_image"]
    probs = []
    batch_size = current_plan(ctx.settings.batch_size).batch_size
    for start in range(0, len(names), batch_size):
        pixels = np.stack([read_image(folder / name, size, max_mp=ctx.settings.max_image_mp) for name in names[start : start + batch_size]])
        probs.append(predict_probs(model, backbone, pixels))
        ctx.progress("classify", min(start + batch_size, len(names)), len(names), throttle_s=0.5)
    return {"frames": list(range(len(names))), "time_s": [round(i * spi, 6) for i in range(len(names))], "probs": np.concatenate(probs), "interval_s": spi}


def _annotated_frames(run: dict[str, Any], st: ScreenTime, video: Path | None, folder: Path | None) -> tuple[Any, tuple[int, int], float]:
    """(frames iterator, size, fps) for the annotated video: every source frame carries the label of
    the latest sample at or before it; an image sequence plays at 10 fps, each image held for its time."""
    import cv2

    note = "random weights: labels are not meaningful" if run["classifier"].get("random_weights") else ""
    labels = [f"{c} {p:.0%}" for c, p in zip(st.frames["smoothed_class"], st.frames["smoothed_prob"])]
    if video is not None:
        info = frames.probe(video)
        size = annotate.output_size(info.width, info.height)
        sampled = st.frames["frame"].to_numpy()

        def gen() -> Any:
            cap = cv2.VideoCapture(str(video))
            index = -1
            try:
                while True:
                    ok, bgr = cap.read()
                    if not ok:
                        return
                    index += 1
                    at = max(0, int(np.searchsorted(sampled, index, side="right")) - 1)
                    yield annotate.draw_label(cv2.resize(bgr, size, interpolation=cv2.INTER_AREA), labels[at], note)
            finally:
                cap.release()

        return gen(), size, info.fps
    assert folder is not None
    names = run["source"]["images"]
    first = cv2.imread(str(folder / names[0]))
    size = annotate.output_size(first.shape[1], first.shape[0])
    out_fps = 10.0
    repeat = max(1, round(run["source"]["seconds_per_image"] * out_fps))

    def gen_images() -> Any:
        for name, label in zip(names, labels):
            frame = annotate.draw_label(cv2.resize(cv2.imread(str(folder / name)), size, interpolation=cv2.INTER_AREA), label, note)
            for _ in range(repeat):
                yield frame

    return gen_images(), size, out_fps


def run_screentime_job(ctx: RunningJob) -> None:
    """Execute a ``screentime`` job: classify the samples, store the result, then the annotated video."""
    store = ctx.store
    run = get_run(store, ctx.job["params"]["run_id"])
    classifier = store.classifiers.find(run["classifier_id"])
    if classifier is None:
        raise NotFoundError(f"The classifier of screen-time run {run['_id']} was deleted. Start the run again with another classifier.")
    ctx.progress("loading classifier", 0, None)
    model = load_classifier(store, classifier)
    backbone = classifier["settings"]["backbone"]
    size = int(classifier["settings"].get("image_size") or model.input_shape[1])
    with tempfile.TemporaryDirectory(prefix="reelsight-apply-") as tmp:
        video_path, folder = None, None
        if run["source"]["kind"] == "video":
            result, video_path = _classify_video(ctx, run, model, backbone, size)
        else:
            folder = Path(tmp) / "images"
            result = _classify_images(ctx, run, model, backbone, size, folder)
        result["probs"] = np.round(result["probs"], 5).tolist()
        run["result"] = result
        st = compute(run)
        update: dict[str, Any] = {
            "result": result,
            "duration_s": st.duration_s,
            "totals": dict(zip(st.totals["class"], st.totals["seconds"].round(3))),
            "device": ctx.device,
        }
        if run["settings"].get("annotate", True):
            frames_iter, size_wh, fps = _annotated_frames(run, st, video_path, folder)
            ctx.progress("annotate", 0, None)  # counts video frames written, not samples
            out = Path(tmp) / "annotated.mp4"
            annotate.write_h264(out, _reporting(frames_iter, ctx), size_wh, fps)
            update["video_blob"] = store.blobs.put_file(out, "annotated.mp4")
        ctx.progress("save", len(result["frames"]), len(result["frames"]))  # the job's final count: samples classified
        update["finished_at"] = utcnow()
        store.screentime_runs.set(run["_id"], **update)
    log.info("screen-time run %s: %s", run["_id"], update["totals"])


def _reporting(frames_iter: Any, ctx: RunningJob) -> Any:
    """Pass frames through, reporting progress (and so honouring cancel) every 50 frames."""
    for i, frame in enumerate(frames_iter):
        if i % 50 == 0:
            ctx.progress("annotate", i, None, throttle_s=1.0)
        yield frame
