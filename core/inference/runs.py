"""Analysis runs: request one (dashboard, CLI) and execute one (worker).

Data flow inside the worker::

    video source (core.media.sources: decode workers, each resizing once, core.inference.feed)
        → feed thread → bounded queue → main thread: near-duplicate decision per frame (core.inference.dedup)
        → windows holding ``batch_size`` frames to classify → stacked uint8 batch
        → model thread (core.inference.runtime): every model, top-k, and the object detector's boxes when the
          run detects objects (core.inference.detectors); meanwhile the main thread stores the window before
          and decides the next one
        → reused frames copy the last classified frame's top-k and boxes (faces and people, counted on every
          sampled frame by the decode workers, core.media.people, are never copied)
        → bulk insert of thumbs then frames (frames are the commit marker)

A retried run first reads which frames are stored and skips them, and frame ``_id`` is
``"<run_id>:<frame>"``, so a run resumed after a crash ends with every sampled frame exactly once.
"""

from __future__ import annotations

import inspect
import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from core.errors import IngestError, JobCancelled, NotFoundError
from core.inference import dedup, detectors
from core.inference.feed import FramePayload, Preprocessor
from core.inference.models import MODEL_NAMES, parse_model_names
from core.inference.runtime import InferenceRuntime
from core.jobs import RunningJob
from core.media import VideoSource, frames, open_source, people, scenes, trims, video_file
from core.store import Store, new_id, new_job, utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

JOB_KIND = "analyze"
QUEUE_BATCHES = 4
"""Decoded batches the decode thread may run ahead of the models (bounds memory)."""
WINDOW_BATCHES = 8
"""At most this many batches' worth of frames wait for their batch to fill (see :func:`_windows`)."""
SUMMARY_LABELS = 20


@dataclass(frozen=True)
class RunSettings:
    """What the analyst chose: ``fps=None`` samples every frame; trims in seconds."""

    fps: float | None = 1.0
    trim_start_s: float = 0.0
    trim_end_s: float = 0.0
    models: tuple[str, ...] = MODEL_NAMES
    top_k: int = 5
    reuse_threshold: float | None = dedup.DEFAULT_THRESHOLD
    """A frame whose 32×32 grey image differs from the last classified frame's by less than this
    (mean absolute difference, 0–255) reuses its labels; None classifies every frame."""
    people: bool = True
    """Count faces and people on every sampled frame (:mod:`core.media.people`)."""
    scenes: scenes.SceneSettings | None = field(default_factory=lambda: scenes.SceneSettings())
    """Shot, black and static segment detection in the same decode pass (None: off)."""
    objects: str | None = None
    """COCO object detector (a name in :data:`core.inference.detectors.DETECTORS`) run in the same
    pass on every classified frame; None: off."""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "models", parse_model_names(self.models))
            object.__setattr__(self, "objects", detectors.parse_detector(self.objects))
        except ValueError as err:
            raise IngestError(f"Cannot analyse: {err}.") from err
        if self.fps is not None and not (math.isfinite(self.fps) and 0 < self.fps <= 240):
            raise IngestError(f"Sampling rate must be between 0 and 240 frames per second, not {self.fps}. Use 'every frame' to take all frames.")
        if self.trim_start_s < 0 or self.trim_end_s < 0:
            raise IngestError("Trims must be zero or more seconds.")
        if not 1 <= self.top_k <= 20:
            raise IngestError(f"Top-k must be between 1 and 20, not {self.top_k}.")
        if self.reuse_threshold is not None and not 0 < self.reuse_threshold <= 50:
            raise IngestError(f"The near-duplicate threshold must be above 0 and at most 50 grey levels, not {self.reuse_threshold}.")

    @property
    def plan(self) -> frames.SamplePlan:
        return frames.SamplePlan(self.fps, self.trim_start_s, self.trim_end_s)

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["models"] = list(self.models)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RunSettings:
        return cls(
            fps=doc.get("fps"), trim_start_s=doc.get("trim_start_s", 0.0), trim_end_s=doc.get("trim_end_s", 0.0), models=tuple(doc["models"]),
            top_k=int(doc.get("top_k", 5)), reuse_threshold=doc.get("reuse_threshold"),  # runs from before reuse existed classified every frame
            people=bool(doc.get("people", False)),  # runs from before people detection did not count people
            scenes=scenes.SceneSettings.from_doc(doc.get("scenes")),  # runs from before scene detection have none
            objects=doc.get("objects"),  # runs from before object detection detected none
        )  # fmt: skip


def request_analysis(store: Store, video_id: str, run_settings: RunSettings) -> tuple[str, str]:
    """Create a run and queue its job (both or neither). Returns ``(run_id, job_id)``; earlier runs are
    kept. Raises :class:`IngestError` for trims that leave nothing of the video (when its length is known)."""
    trims.check_trims(trims.video_duration(store.videos.get(video_id)), run_settings.trim_start_s, run_settings.trim_end_s)
    run_id = new_id()
    job = new_job(JOB_KIND, {"video_id": video_id, "run_id": run_id})
    job_id = store.runs.create_with_job({"_id": run_id, "video_id": video_id, "created_at": utcnow(), "settings": run_settings.to_doc()}, job)
    return run_id, job_id


@dataclass
class _Stream:
    """Runs the video source on a feed thread; iterate :meth:`samples` for the payloads in order."""

    source: VideoSource
    path: Any
    info: frames.VideoInfo
    plan: frames.SamplePlan
    preprocess: Preprocessor
    skip: set[int]
    batch_size: int
    scan: frames.FrameScan | None = None
    _queue: queue.Queue = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _error: list[BaseException] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._queue = queue.Queue(maxsize=QUEUE_BATCHES * self.batch_size)
        self._thread = threading.Thread(target=self._decode, name="feed", daemon=True)

    def _decode(self) -> None:
        try:
            scan = {"scan": self.scan} if self.scan is not None else {}
            with closing(self.source.samples(self.path, self.info, self.plan, self.preprocess, self.skip, **scan)) as samples:
                for sample in samples:
                    while not self._stop.is_set():
                        try:
                            self._queue.put(sample, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if self._stop.is_set():
                        return
        except BaseException as err:  # handed to the consumer thread, which re-raises it
            self._error.append(err)
        finally:
            self._queue.put(None)

    def samples(self) -> Iterator[frames.Sample[FramePayload]]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                yield item
            if self._error:
                raise self._error[0]
        finally:
            self._stop.set()
            while self._thread.is_alive():
                with suppress(queue.Empty):
                    self._queue.get(timeout=0.1)


def _windows(
    samples: Iterator[frames.Sample[FramePayload]], policy: dedup.ReusePolicy, batch_size: int
) -> Iterator[tuple[list[frames.Sample[FramePayload]], list[str]]]:
    """Consecutive frames with the policy's decision for each, cut so that each window holds
    ``batch_size`` frames to classify (full batches for the models, however many frames are
    reused in between) or ``WINDOW_BATCHES × batch_size`` frames in all. While the policy is at
    risk, a window also ends at a spot check, so its outcome steers the very next decision. A
    reused frame's model inputs are dropped at once, so at most ``batch_size`` frames of a window
    keep theirs."""
    window: list[frames.Sample[FramePayload]] = []
    decisions: list[str] = []
    pending = 0
    for sample in samples:
        decision = policy.decide(sample.payload.signature)
        if decision == dedup.REUSE:
            sample = replace(sample, payload=replace(sample.payload, inputs={}, letterboxed=None))
        else:
            pending += 1
        window.append(sample)
        decisions.append(decision)
        if pending == batch_size or len(window) == WINDOW_BATCHES * batch_size or (decision == dedup.AUDIT and policy.at_risk()):
            yield window, decisions
            window, decisions, pending = [], [], 0
    if window:
        yield window, decisions


def _per_frame(preds: dict[str, Any]) -> list[dict[str, dict[str, list]]]:
    """``{model: TopK}`` for a batch → one ``{model: {"labels", "scores"}}`` per frame."""
    labels = {m: tk.labels() for m, tk in preds.items()}
    n = len(next(iter(labels.values()))) if labels else 0
    return [{m: {"labels": labels[m][i], "scores": [round(float(s), 6) for s in tk.scores[i]]} for m, tk in preds.items()} for i in range(n)]


@dataclass(frozen=True)
class _Frame:
    """Where a frame's boxes are drawn: the detector's letterboxed input side and the full frame's size, in pixels."""

    side: int
    width: int
    height: int

    def objects(self, found: list[detectors.Detection]) -> list[dict[str, Any]]:
        """Detections on the letterboxed side×side input → documents with boxes in full-frame pixels
        (a box wholly in the black padding is dropped)."""
        docs = []
        for d in found:
            box = detectors.scale_box(d.box, self.side, self.width, self.height)
            if box is not None:
                docs.append({**d.to_doc(), "box": box})
        return docs


def _docs(
    run_id: str,
    video_id: str,
    batch: list[frames.Sample[FramePayload]],
    preds: list[dict[str, Any]],
    reused_from: list[int | None],
    checks: dict[int, dict],
    objects: list[list[detectors.Detection]] | None = None,
    frame: _Frame | None = None,
) -> tuple[list[dict], list[dict]]:
    """Frame and thumbnail documents of a window; ``objects`` (per frame, on ``frame``'s detector input) when the run detects them."""
    frame_docs, thumb_docs = [], []
    for i, sample in enumerate(batch):
        key = f"{run_id}:{sample.index}"
        doc = {"_id": key, "run_id": run_id, "video_id": video_id, "frame": sample.index, "time_s": round(sample.time_s, 6), "preds": preds[i]}
        if reused_from[i] is not None:
            doc["reused_from"] = reused_from[i]
        if i in checks:
            doc["audit"] = checks[i]
        if sample.payload.people is not None:
            doc["people"] = sample.payload.people.to_doc()
        if objects is not None and frame is not None:  # the run detects objects
            doc["objects"] = frame.objects(objects[i])
        frame_docs.append(doc)
        thumb_docs.append({"_id": key, "run_id": run_id, "frame": sample.index, "jpeg": sample.payload.thumb_jpeg})
    return frame_docs, thumb_docs


def summarize_run(store: Store, run_id: str, models: tuple[str, ...]) -> dict[str, Any]:
    """Store the run's compact top-1 table (``run_top1``) and return per model: frames, mean top-1
    score and the most frequent top-1 labels with counts."""
    compact = store.frames.compact_top1(run_id, models)
    store.runs.save_top1(compact)
    summary = {}
    for m in models:
        labels, scores = compact["models"][m]["labels"], compact["models"][m]["scores"]
        counts = Counter(labels)
        summary[m] = {
            "frames": len(labels),
            "mean_top1": sum(scores) / len(scores) if scores else None,
            "labels": [{"label": label, "count": c} for label, c in counts.most_common(SUMMARY_LABELS)],
        }
    return summary


def compact_on_screen(store: Store, run_id: str) -> None:
    """Keep the run's per-frame people and object counts as compact arrays (one read of its frames
    each, when it finishes; empty arrays for what it did not count), so pages that count them per
    shot or without segments read one small document per run instead of every frame."""
    store.runs.save_on_screen(run_id, "people", store.frames.compact_people(run_id))
    store.runs.save_on_screen(run_id, "objects", store.frames.compact_objects(run_id))


def summarize_people(store: Store, run_id: str) -> dict[str, Any]:
    """The run's people on screen per video (:func:`core.media.people.summarize`), from its stored frames."""
    counts = [(len(d["people"]["faces"]), len(d["people"]["persons"])) for d in store.frames.people(run_id)]
    return people.summarize([f for f, _ in counts], [p for _, p in counts])


def summarize_objects(store: Store, run_id: str) -> dict[str, Any]:
    """The run's objects per video: ``frames`` (detected on), ``with_objects`` (share of frames with
    at least one box, 0–1), ``mean_objects`` (boxes per frame) and ``classes``: per COCO class the
    ``frames`` showing it and its ``boxes``, most frequent first."""
    per_frame = [[o["label"] for o in d["objects"]] for d in store.frames.objects(run_id)]
    shown = Counter(label for found in per_frame for label in set(found))
    boxes = Counter(label for found in per_frame for label in found)
    n = len(per_frame)
    return {
        "frames": n,
        "with_objects": sum(1 for found in per_frame if found) / n if n else None,
        "mean_objects": sum(len(found) for found in per_frame) / n if n else None,
        "classes": [{"label": label, "frames": c, "boxes": boxes[label]} for label, c in sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


@dataclass
class _Batch:
    """One window on its way through the models: the positions classified and their future top-k."""

    window: list[frames.Sample[FramePayload]]
    decisions: list[str]
    unique: list[int]
    future: Any = None

    @classmethod
    def submit(cls, runtime: InferenceRuntime, window: list[frames.Sample[FramePayload]], decisions: list[str], k: int) -> _Batch:
        """Stack the inputs of the frames not reused and start the models on them."""
        unique = [i for i, d in enumerate(decisions) if d != dedup.REUSE]
        batch = cls(window, decisions, unique)
        if unique:
            inputs = {s: np.stack([window[i].payload.inputs[s] for i in unique]) for s in runtime.sizes}
            boxed = [window[i].payload.letterboxed for i in unique]
            letterboxed = np.stack(boxed) if all(b is not None for b in boxed) else None
            batch.future = runtime.submit(inputs, k, letterboxed)
        return batch


def _pipeline(
    windows: Iterator[tuple[list[frames.Sample[FramePayload]], list[str]]],
    runtime: InferenceRuntime,
    k: int,
    policy: dedup.ReusePolicy,
    finish: Callable[[_Batch], None],
) -> None:
    """Run each window through the models and ``finish`` it, in order. The models run one window
    while this thread finishes the one before and decides the next, unless the window's spot
    checks must steer the next decisions first (:func:`_feed_back_first`), so every decision is
    the one a worker that waited for each batch would make."""
    inflight: _Batch | None = None
    try:
        for window, decisions in windows:
            batch = _Batch.submit(runtime, window, decisions, k)
            if inflight is not None:
                finish(inflight)
            inflight = batch
            if _feed_back_first(policy, decisions):
                finish(inflight)
                inflight = None
        if inflight is not None:
            finish(inflight)
            inflight = None
    finally:  # stopped early: the batch on the model thread ends before another job queues behind it
        if inflight is not None and inflight.future is not None and not inflight.future.cancel():
            inflight.future.exception()


def _timed(items: Iterator[T], timings: dict[str, float], key: str) -> Iterator[T]:
    """``items``, adding the seconds spent waiting for each to ``timings[key]``."""
    while True:
        start = time.perf_counter()
        try:
            item = next(items)
        except StopIteration:
            return
        timings[key] += time.perf_counter() - start
        yield item


def _feed_back_first(policy: dedup.ReusePolicy, decisions: list[str]) -> bool:
    """Whether a window's spot checks must be fed back before the next window is decided, so that
    decisions are those of a worker that waits for every batch: when the window ends at a spot
    check while the policy is at risk (:meth:`core.inference.dedup.ReusePolicy.at_risk`), or when its spot
    checks, should they all find a changed top-1, would lower the threshold."""
    audits = decisions.count(dedup.AUDIT)
    if not audits or policy.threshold is None:
        return False
    if decisions[-1] == dedup.AUDIT and policy.at_risk():
        return True
    worst = replace(policy)
    for _ in range(audits):
        worst.record(False)
    return worst.threshold != policy.threshold


@dataclass(frozen=True)
class _Last:
    """The last classified frame: its predictions, index and objects (None when the run detects none)."""

    preds: dict
    index: int
    objects: list[detectors.Detection] | None = None


@dataclass(frozen=True)
class _Classified:
    """A window's results, per frame: predictions, the frame each reused frame copied (None when
    classified), spot checks (window position → ``{"of", "agree", "threshold"}``) and objects (empty lists when the run detects none)."""

    preds: list[dict]
    reused_from: list[int | None]
    checks: dict[int, dict]
    objects: list[list[detectors.Detection]]


def _classify(batch: _Batch, policy: dedup.ReusePolicy, last: _Last | None) -> tuple[_Classified, _Last | None]:
    """Wait for the models' results on ``batch``; reused frames copy the last classified frame's
    predictions and objects. Each spot check is fed back to ``policy``. Returns the window's
    results and the new last classified frame."""
    window, decisions = batch.window, batch.decisions
    output = batch.future.result() if batch.unique else None
    classified = dict(zip(batch.unique, _per_frame(output.top_k))) if output else {}
    detected = dict(zip(batch.unique, output.objects)) if output and output.objects is not None else {}
    preds: list[dict] = []
    reused_from: list[int | None] = []
    checks: dict[int, dict] = {}
    objects: list[list[detectors.Detection]] = []
    for i, decision in enumerate(decisions):
        if decision == dedup.REUSE:
            assert last is not None
            preds.append(last.preds)
            reused_from.append(last.index)
            objects.append(last.objects or [])
            continue
        if decision == dedup.AUDIT:
            assert last is not None
            agree = {m: classified[i][m]["labels"][0] == last.preds[m]["labels"][0] for m in classified[i]}
            policy.record(all(agree.values()))
            checks[i] = {"of": last.index, "agree": agree, "threshold": policy.threshold}
        preds.append(classified[i])
        reused_from.append(None)
        objects.append(detected.get(i, []))
        last = _Last(classified[i], window[i].index, detected.get(i))
    return _Classified(preds, reused_from, checks, objects), last


def reuse_report(store: Store, run_id: str) -> dedup.ReuseReport:
    """Frames, reused frames and spot-check outcomes of a run, counted from its stored frames."""
    checks = agreed = 0
    latest: tuple[int, float | None] = (-1, None)
    for doc in store.frames.audits(run_id):
        checks += 1
        agreed += all(doc["audit"]["agree"].values())
        latest = max(latest, (doc["frame"], doc["audit"].get("threshold")), key=lambda t: t[0])
    return dedup.ReuseReport(
        frames=store.frames.count_run(run_id),
        reused=store.frames.count_run(run_id, reused=True),
        checks=checks,
        agreed=agreed,
        threshold_end=latest[1],
    )


def short_read_warning(read: int, expected: int | None) -> str | None:
    """The message when a video yields fewer sampled frames than its header promised (truncated or damaged), else None."""
    if expected is None or read >= expected:
        return None
    return (
        f"{read} of {expected} expected frames could be read; the file ends early or is damaged. "
        "Results cover the frames that were read; add the video again from a complete copy to analyse the rest."
    )


def _scans(source: VideoSource) -> bool:
    """Whether ``source`` hands every decoded frame to a scan (a registered decoder written before scans may not)."""
    if "scan" in inspect.signature(source.samples).parameters:
        return True
    log.info("video source %s does not detect shots; the run is analysed without them", source.name)
    return False


def run_analyze_job(ctx: RunningJob) -> None:
    """Execute an ``analyze`` job: download if needed, classify every sampled frame, summarize."""
    store, params = ctx.store, ctx.job["params"]
    run_id, video_id = params["run_id"], params["video_id"]
    run = store.runs.find(run_id)
    if run is None:
        raise NotFoundError(f"Run {run_id} no longer exists (its video was deleted).")
    video = store.videos.get(video_id)
    rs = RunSettings.from_doc(run["settings"])
    path = video_file(ctx, video)
    info = frames.probe(path)
    trims.check_trims(info.duration_s, rs.trim_start_s, rs.trim_end_s)  # a download's length is known only now
    if video.get("fps") is None:
        store.videos.set(
            video_id, fps=info.fps, frame_count=info.frame_count, width=info.width, height=info.height, duration=video.get("duration") or info.duration_s
        )

    done = store.frames.indices(run_id)
    expected = rs.plan.expected_count(info)
    ctx.progress("loading models", 0, None)
    runtime: InferenceRuntime = ctx.classifier(rs.models, rs.objects)
    store.runs.set(
        run_id,
        weights=ctx.settings.weights,
        random_weights=ctx.settings.random_weights,
        device=ctx.device,
        runtime=runtime.plan.describe(),
        started_at=utcnow(),
    )
    log.info("run %s: classifying %s (%s frames expected, %d already stored)", run_id, video.get("title"), expected, len(done))

    stored = len(done)
    ctx.progress("classify", stored, expected)
    settings = ctx.settings
    source = open_source(settings.video_source, settings.decode_workers)
    batch_size = runtime.plan.batch_size
    detector = people.PeopleDetector() if rs.people else None
    scanner = scenes.SceneScanner(info.fps, info.width, info.height, rs.scenes) if rs.scenes is not None and _scans(source) else None
    preprocess = Preprocessor(runtime.sizes, settings.resize, detector, runtime.object_side if rs.objects else None)
    stream = _Stream(source, path, info, rs.plan, preprocess, done, batch_size, scanner)
    timings = {"wait_s": 0.0, "models_s": 0.0, "store_s": 0.0}
    policy = dedup.ReusePolicy.resumed(rs.reuse_threshold, reuse_report(store, run_id))  # a resumed run carries on where its spot checks left it
    last: _Last | None = None  # the last classified frame
    boxes = _Frame(runtime.object_side, info.width, info.height) if rs.objects and runtime.object_side else None

    def finish(batch: _Batch) -> None:
        """Wait for ``batch``'s top-k, then store its frames (thumbs first; frames commit)."""
        nonlocal last, stored
        t = time.perf_counter()
        result, last = _classify(batch, policy, last)
        timings["models_s"] += time.perf_counter() - t
        t = time.perf_counter()
        frame_docs, thumb_docs = _docs(run_id, video_id, batch.window, result.preds, result.reused_from, result.checks, result.objects, boxes)
        store.frames.insert_batch(frame_docs, thumb_docs)
        timings["store_s"] += time.perf_counter() - t
        stored += len(frame_docs)
        ctx.progress("classify", stored, max(expected or 0, stored))

    try:
        with closing(stream.samples()) as samples:
            _pipeline(_timed(_windows(samples, policy, batch_size), timings, "wait_s"), runtime, rs.top_k, policy, finish)
    except JobCancelled:
        if not store.runs.exists(run_id):  # video deleted meanwhile
            store.frames.delete_runs([run_id])
        raise

    ctx.progress("summarize", stored, stored)
    if scanner is not None:
        store.scenes.save(run_id, video_id, scanner.result().to_doc(), run.get("created_at") or utcnow())
    reuse = reuse_report(store, run_id)
    summary = summarize_run(store, run_id, rs.models)
    people_summary = summarize_people(store, run_id) if rs.people else None
    objects_summary = summarize_objects(store, run_id) if rs.objects else None
    if rs.people or rs.objects:
        compact_on_screen(store, run_id)
    warning = short_read_warning(reuse.frames, expected)
    if warning:
        ctx.warn(warning)
    store.runs.set(
        run_id, summary=summary, n_frames=reuse.frames, n_expected=expected, warning=warning, n_reused=reuse.reused,
        reuse_checks={"checks": reuse.checks, "agreed": reuse.agreed, "threshold_end": reuse.threshold_end},
        timings={k: round(v, 3) for k, v in timings.items()}, people=people_summary, objects=objects_summary, finished_at=utcnow(),
    )  # fmt: skip
    log.info("run %s: done, %d frames, %d reused, spot checks %d/%d agreed", run_id, reuse.frames, reuse.reused, reuse.agreed, reuse.checks)
