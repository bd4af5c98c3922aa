"""A synthetic analysed library: videos, finished runs and frames with realistic label mixes.

Used by page tests (the normal case) and by the page-speed benchmark (20 videos × 2 models ×
3,000 frames). Labels are drawn from a per-video Zipf-like mix over ImageNet names, so videos differ.
"""
from __future__ import annotations

import numpy as np

from core.analyze import RunSettings, summarize_run
from core.docstore import new_id
from core.jobs import utcnow
from core.models import MODEL_NAMES, imagenet_labels


def populate(store, n_videos: int = 4, n_frames: int = 60, models: tuple[str, ...] = MODEL_NAMES, top_k: int = 5, seed: int = 0, random_weights: bool = False) -> list[str]:
    """Insert ``n_videos`` videos, each with one finished run of ``n_frames`` frames; returns video ids."""
    rng = np.random.default_rng(seed)
    names = imagenet_labels()
    video_ids = []
    for v in range(n_videos):
        video_id, run_id = new_id(), new_id()
        store.videos.insert_one(
            {"_id": video_id, "source": "url", "source_key": f"synthetic:{seed}:{v}", "title": f"Synthetic video {v + 1}", "channel": "Bench", "view_count": int(5e6 + 5e6 * v), "views_override": None, "created_at": utcnow(), "duration": n_frames / 1.0}
        )
        pool = rng.choice(len(names), size=40, replace=False)
        weights = 1.0 / np.arange(1, 41) ** 1.1
        weights /= weights.sum()
        docs = []
        for f in range(n_frames):
            preds = {}
            for m in models:
                classes = rng.choice(pool, size=top_k, replace=False, p=weights)
                scores = np.sort(rng.dirichlet(np.ones(top_k) * 0.5))[::-1] * rng.uniform(0.5, 1.0)
                preds[m] = {"labels": [names[c] for c in classes], "scores": [round(float(s), 6) for s in scores]}
            docs.append({"_id": f"{run_id}:{f}", "run_id": run_id, "video_id": video_id, "frame": f, "time_s": float(f), "preds": preds})
        store.frames.insert_many(docs)
        settings = RunSettings(fps=1, models=models, top_k=top_k).to_doc()
        store.runs.insert_one(
            {"_id": run_id, "video_id": video_id, "created_at": utcnow(), "settings": settings, "job_id": None, "weights": "none" if random_weights else "imagenet", "random_weights": random_weights, "device": "CPU", "n_frames": n_frames, "finished_at": utcnow()}
        )
        store.runs.update_one({"_id": run_id}, {"$set": {"summary": summarize_run(store, run_id, models)}})
        video_ids.append(video_id)
    return video_ids
