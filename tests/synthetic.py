"""A synthetic analysed library: videos, finished runs and frames with realistic label mixes.

Used by page tests that need data (so they need no worker run) and by the page-speed benchmark
(20 videos × 2 models × 3,000 frames). Labels are drawn from a per-video Zipf-like mix over
ImageNet names, so videos differ. Everything is written through the repositories, as a worker would.
"""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np

from core.analysis import aggregates
from core.inference import MODEL_NAMES, RunSettings, imagenet_labels, reuse_report
from core.inference.runs import summarize_run
from core.store import Store, new_id, new_job, utcnow

_THUMB = cv2.imencode(".jpg", np.full((24, 32, 3), 128, np.uint8))[1].tobytes()


def add_video(
    store: Store,
    key: str,
    title: str,
    views: int | None = None,
    view_count: int | None = None,
    seconds: float = 60.0,
    offset_s: float = 0.0,
    channel: str | None = "Bench",
) -> str:
    """A video document as an upload or URL add would leave it; ``offset_s`` orders ``created_at``."""
    doc = {
        "_id": new_id(), "source": "url", "source_key": key, "title": title, "channel": channel, "view_count": view_count,
        "views_override": views, "duration": seconds, "created_at": utcnow() + dt.timedelta(seconds=offset_s),
    }  # fmt: skip
    video_id, _ = store.videos.insert_unique(doc)
    return video_id


def add_run(
    store: Store,
    video_id: str,
    n_frames: int,
    models: tuple[str, ...] = MODEL_NAMES,
    top_k: int = 5,
    fps: float | None = 1.0,
    source_fps: float = 24.0,
    rng: np.random.Generator | None = None,
    random_weights: bool = False,
    reuse_every: int | None = None,
    offset_s: float = 0.0,
    thumbnails: bool = True,
    top1_score: float | None = None,
) -> str:
    """A finished run of ``n_frames`` frames sampled at ``fps`` (None: every frame) from a video at
    ``source_fps``, with thumbnails, its summary and compact top-1.

    ``reuse_every=n``: every n-th frame copies the labels of the frame before it, and every
    (2n)-th frame after one is a spot check, all agreeing but the first; the run records its reuse
    counts as the worker does (:func:`core.inference.reuse_report`). ``top1_score`` gives every
    frame that top-1 confidence (a run whose scores do not vary)."""
    rng = rng or np.random.default_rng(0)
    names = imagenet_labels()
    pool = rng.choice(len(names), size=40, replace=False)
    weights = 1.0 / np.arange(1, 41) ** 1.1
    weights /= weights.sum()
    run_id = new_id()
    settings = RunSettings(fps=fps, models=models, top_k=top_k).to_doc()
    run = {
        "_id": run_id, "video_id": video_id, "created_at": utcnow() + dt.timedelta(seconds=offset_s), "settings": settings,
        "weights": "none" if random_weights else "imagenet", "random_weights": random_weights, "device": "CPU",
    }  # fmt: skip
    job_id = store.runs.create_with_job(run, new_job("analyze", {"video_id": video_id, "run_id": run_id}))
    store.jobs.update_in_state(job_id, ("queued",), {"state": "done", "finished_at": utcnow()})
    step = round(source_fps / fps) if fps else 1
    frames, thumbs = [], []
    for f in range(n_frames):
        index = f * step
        doc = {"_id": f"{run_id}:{index}", "run_id": run_id, "video_id": video_id, "frame": index, "time_s": round(index / source_fps, 6)}
        if reuse_every and f % reuse_every == 0 and f > 0:
            doc["preds"] = frames[-1]["preds"]
            doc["reused_from"] = frames[-1].get("reused_from", frames[-1]["frame"])
        else:
            doc["preds"] = {}
            for m in models:
                classes = rng.choice(pool, size=top_k, replace=False, p=weights)
                scores = np.sort(rng.dirichlet(np.ones(top_k) * 0.5))[::-1] * rng.uniform(0.5, 1.0)
                if top1_score is not None:
                    scores = np.r_[top1_score, np.full(top_k - 1, (1 - top1_score) / max(top_k - 1, 1) / 2)]
                doc["preds"][m] = {"labels": [names[c] for c in classes], "scores": [round(float(s), 6) for s in scores]}
            if reuse_every and f % (2 * reuse_every) == 1 and f > 1:
                first = not any("audit" in d for d in frames)
                doc["audit"] = {"of": frames[-1]["frame"], "agree": {m: not (first and i == 0) for i, m in enumerate(models)}, "threshold": 0.9}
        frames.append(doc)
        if thumbnails:
            thumbs.append({"_id": doc["_id"], "run_id": run_id, "frame": index, "jpeg": _THUMB})
    store.frames.insert_batch(frames, thumbs)
    reuse = reuse_report(store, run_id)
    store.runs.set(
        run_id, summary=summarize_run(store, run_id, models), n_frames=n_frames, n_reused=reuse.reused,
        reuse_checks={"checks": reuse.checks, "agreed": reuse.agreed, "threshold_end": reuse.threshold_end}, finished_at=utcnow(),
    )  # fmt: skip
    aggregates.write(store, run_id)  # as the worker does when a run finishes
    return run_id


def populate(
    store: Store,
    n_videos: int = 4,
    n_frames: int = 60,
    models: tuple[str, ...] = MODEL_NAMES,
    top_k: int = 5,
    seed: int = 0,
    random_weights: bool | int = False,
    channel: str | None = "Bench",
) -> list[str]:
    """Insert ``n_videos`` videos, each with one finished run of ``n_frames`` frames at 1 fps (no
    thumbnails, as in the page benchmark's recorded figures); returns video ids.

    ``random_weights``: True for every run, or the number of runs (the first ones) made with random weights."""
    rng = np.random.default_rng(seed)
    video_ids = []
    for v in range(n_videos):
        video_id = add_video(
            store,
            f"synthetic:{seed}:{v}",
            f"Synthetic video {v + 1}",
            view_count=int(5e6 + 5e6 * v),
            seconds=float(n_frames),
            offset_s=v * 1e-3,
            channel=channel,
        )
        random = random_weights if isinstance(random_weights, bool) else v < random_weights
        add_run(store, video_id, n_frames, models, top_k, fps=1.0, source_fps=1.0, rng=rng, random_weights=random, thumbnails=False)
        video_ids.append(video_id)
    return video_ids
