"""Analysis runs and their frames.

- ``runs``: one per analysis of a video; ``settings``, ``job_id``, ``summary`` per model, ``finished_at``.
- ``frames``: one per (run, sampled frame), ``_id = "<run_id>:<frame>"``; ``preds[model]`` holds the
  top-k ``labels`` and ``scores``; ``reused_from`` and ``audit`` record near-duplicate reuse;
  ``people`` holds ``faces`` and ``persons`` boxes ``[x, y, w, h]`` when the run counted them.
- ``thumbs``: JPEG thumbnails, same ``_id`` as the frame.
- ``run_top1``: one per finished run, ``_id = run_id``: the top-1 label and score of every frame and
  model as parallel arrays, so analytics read one document per run, not every frame.
- ``run_on_screen``: per finished run that counted people or detected objects, ``_id = "<run_id>:people"``
  or ``"<run_id>:objects"``: the counts (and classes) of every frame as parallel arrays, for pages that
  count them per shot or without segments.
- ``run_stats``: one per finished run, ``_id = run_id``: its aggregates (label counts per model,
  confidence summary, model agreement; see :mod:`core.analysis.aggregates`), so pages over a whole
  library combine small documents instead of frames.
- ``run_fits``: heavy statistics (regressions) of a selection of runs, ``_id`` = a key of what they
  were computed from, kept until that data changes (a new key) or a run they used is deleted; at most
  :data:`KEPT_FITS`, the oldest go first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.store.documents import insert_ignoring_duplicates, utcnow
from core.store.jobs import JobRepository
from core.store.protocol import Database
from core.store.repository import JobOwnerRepository, Repository

KEPT_FITS = 200
"""Kept statistics (:meth:`RunRepository.keep_fit`) beyond which the oldest are deleted."""


class RunRepository(JobOwnerRepository):
    COLLECTION = "runs"
    MISSING = "No run with id {id}. The Results page lists each video's runs."
    NOUN = "analysis run"

    def __init__(self, db: Database, jobs: JobRepository) -> None:
        super().__init__(db, jobs)
        self._top1 = db["run_top1"]
        self._stats = db["run_stats"]
        self._fits = db["run_fits"]
        self._screen = db["run_on_screen"]

    def list(self, video_id: str | None = None) -> list[dict[str, Any]]:
        """Runs (of one video, or all), newest first."""
        return list(self._c.find({"video_id": video_id} if video_id else {}, sort=[("created_at", -1)]))

    def latest(self, video_id: str) -> dict[str, Any] | None:
        """The newest finished run of a video, else its newest run of any state, else None."""
        done = self._c.find_one({"video_id": video_id, "finished_at": {"$exists": True}}, sort=[("created_at", -1)])
        return done or self._c.find_one({"video_id": video_id}, sort=[("created_at", -1)])

    def ids_for_video(self, video_id: str) -> list[str]:
        return [r["_id"] for r in self._c.find({"video_id": video_id}, {"_id": 1})]

    def delete_for_video(self, video_id: str) -> int:
        return int(self._c.delete_many({"video_id": video_id}).deleted_count)

    def top1(self, run_id: str) -> dict[str, Any] | None:
        """The run's compact top-1 document, written when it finished."""
        return self._top1.find_one({"_id": run_id})

    def on_screen(self, run_id: str, part: str) -> dict[str, list] | None:
        """The run's compact ``people`` or ``objects`` arrays (:meth:`save_on_screen`), if written."""
        doc = self._screen.find_one({"_id": f"{run_id}:{part}"})
        return doc["arrays"] if doc else None

    def kept_on_screen(self, run_id: str, part: str, build: Any) -> dict[str, list]:
        """The run's ``part`` arrays; when none were kept (a run finished before they were), ``build()``
        makes them from its frames, and they are kept if the run has finished, as its aggregates are."""
        arrays = self.on_screen(run_id, part)
        if arrays is None:
            arrays = build()
            if (self.find(run_id, {"finished_at": 1}) or {}).get("finished_at"):
                self.save_on_screen(run_id, part, arrays)
        return arrays

    def save_on_screen(self, run_id: str, part: str, arrays: dict[str, list]) -> None:
        """Keep per-frame arrays of a finished run (``people``: :meth:`FrameRepository.compact_people`;
        ``objects``: :meth:`FrameRepository.compact_objects`), one document each."""
        self._screen.replace_one({"_id": f"{run_id}:{part}"}, {"_id": f"{run_id}:{part}", "run_id": run_id, "arrays": arrays}, upsert=True)

    def save_top1(self, compact: dict[str, Any]) -> None:
        self._top1.replace_one({"_id": compact["_id"]}, compact, upsert=True)

    def delete_top1(self, run_ids: list[str]) -> int:
        """Delete the compact top-1 and the aggregates of runs; returns how many top-1 documents went."""
        if not run_ids:
            return 0
        self._stats.delete_many({"_id": {"$in": run_ids}})
        gone = set(run_ids)
        using = [d["_id"] for d in self._fits.find({}, {"run_ids": 1}) if gone & set(d.get("run_ids", []))]
        if using:
            self._fits.delete_many({"_id": {"$in": using}})
        self._screen.delete_many({"run_id": {"$in": run_ids}})
        return int(self._top1.delete_many({"_id": {"$in": run_ids}}).deleted_count)

    def stats(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Run id → its stored aggregates document (runs without one are left out); one query."""
        return {d["_id"]: d for d in self._stats.find({"_id": {"$in": list(run_ids)}})} if run_ids else {}

    def save_stats(self, doc: dict[str, Any]) -> None:
        self._stats.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def kept_fit(self, key: str) -> dict[str, Any] | None:
        """The statistics kept under ``key`` (:meth:`keep_fit`), else None."""
        doc = self._fits.find_one({"_id": key})
        return doc["result"] if doc else None

    def keep_fit(self, key: str, run_ids: list[str], result: dict[str, Any]) -> None:
        """Keep ``result`` (computed from ``run_ids``) under ``key``; the oldest beyond :data:`KEPT_FITS` go."""
        self._fits.replace_one({"_id": key}, {"_id": key, "run_ids": sorted(run_ids), "created_at": utcnow(), "result": result}, upsert=True)
        old = [d["_id"] for d in self._fits.find({}, {"_id": 1}, sort=[("created_at", -1)], skip=KEPT_FITS)]
        if old:
            self._fits.delete_many({"_id": {"$in": old}})

    def label_counts(self, run_ids: list[str], by_run: bool = True) -> list[dict[str, Any]]:
        """Top-1 label counts from the aggregates of ``run_ids``: ``{run_id, video_id, model, label,
        count, score_sum}`` per run (``by_run``), or summed over the runs ``{model, label, count,
        score_sum}``. MongoDB counts with an aggregation pipeline; the embedded store sums in Python."""
        if not run_ids:
            return []
        if hasattr(self._stats, "aggregate"):  # MongoDB (and mongomock): the server unwinds and groups
            key = {"model": "$models.model", "label": "$models.labels.label"}
            if by_run:
                key.update(run_id="$_id", video_id="$video_id")
            pipeline = [
                {"$match": {"_id": {"$in": list(run_ids)}}},
                {"$unwind": "$models"},
                {"$unwind": "$models.labels"},
                {"$group": {"_id": key, "count": {"$sum": "$models.labels.count"}, "score_sum": {"$sum": "$models.labels.score_sum"}}},
            ]
            return [{**row["_id"], "count": row["count"], "score_sum": row["score_sum"]} for row in self._stats.aggregate(pipeline)]
        totals: dict[tuple[str, ...], list[float]] = {}
        for doc in self._stats.find({"_id": {"$in": list(run_ids)}}, {"video_id": 1, "models": 1}):
            for per_model in doc.get("models", []):
                for row in per_model["labels"]:
                    key_ = (doc["_id"], doc["video_id"], per_model["model"], row["label"]) if by_run else (per_model["model"], row["label"])
                    total = totals.setdefault(key_, [0, 0.0])
                    total[0] += row["count"]
                    total[1] += row["score_sum"]
        names = ("run_id", "video_id", "model", "label") if by_run else ("model", "label")
        return [{**dict(zip(names, key_, strict=True)), "count": n, "score_sum": s} for key_, (n, s) in totals.items()]


class FrameRepository(Repository):
    COLLECTION = "frames"
    MISSING = "No frame {id}."

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._thumbs = db["thumbs"]

    @staticmethod
    def _ids(run_id: str, frames: list[int]) -> list[str]:
        return [f"{run_id}:{f}" for f in frames]

    def insert_batch(self, frame_docs: list[dict[str, Any]], thumb_docs: list[dict[str, Any]]) -> int:
        """Store thumbnails, then frames (frames commit a batch); already stored ones are skipped, so a
        resumed job may store a batch again. Returns the number of frames inserted."""
        insert_ignoring_duplicates(self._thumbs, thumb_docs)
        return insert_ignoring_duplicates(self._c, frame_docs)

    def of_run(self, run_id: str, fields: dict[str, int] | None = None) -> Iterator[dict[str, Any]]:
        """The run's frame documents in frame order (only ``fields`` when given)."""
        return self._c.find({"run_id": run_id}, fields, sort=[("frame", 1)])

    def indices(self, run_id: str) -> set[int]:
        """Frame indices already stored for a run (what a resumed job skips)."""
        return {d["frame"] for d in self._c.find({"run_id": run_id}, {"frame": 1})}

    def some(self, run_id: str, frames: list[int], fields: dict[str, int] | None = None) -> list[dict[str, Any]]:
        """The documents of the given frames of a run (one query; missing frames are left out)."""
        return list(self._c.find({"_id": {"$in": self._ids(run_id, frames)}}, fields))

    def thumbs(self, run_id: str, frames: list[int]) -> list[dict[str, Any]]:
        """Thumbnail documents (``frame``, ``jpeg``) of the given frames of a run."""
        return list(self._thumbs.find({"_id": {"$in": self._ids(run_id, frames)}}))

    def count_run(self, run_id: str, reused: bool | None = None) -> int:
        """Stored frames of a run; ``reused=True``: only those whose labels were copied from a near duplicate."""
        flt: dict[str, Any] = {"run_id": run_id}
        if reused is not None:
            flt["reused_from"] = {"$exists": reused}
        return self._c.count_documents(flt)

    def audits(self, run_id: str) -> list[dict[str, Any]]:
        """Frames spot-checked by the reuse policy (``frame``, ``audit``)."""
        return list(self._c.find({"run_id": run_id, "audit": {"$exists": True}}, {"frame": 1, "audit": 1}))

    def people(self, run_id: str) -> list[dict[str, Any]]:
        """``frame``, ``time_s`` and ``people`` (faces and persons boxes) of the run's frames that were counted, in frame order."""
        return list(self._c.find({"run_id": run_id, "people": {"$exists": True}}, {"frame": 1, "time_s": 1, "people": 1}, sort=[("frame", 1)]))

    def objects(self, run_id: str) -> list[dict[str, Any]]:
        """``frame``, ``time_s`` and ``objects`` (label, score, box) of the run's frames that went through an object detector, in frame order."""
        return list(self._c.find({"run_id": run_id, "objects": {"$exists": True}}, {"frame": 1, "time_s": 1, "objects": 1}, sort=[("frame", 1)]))

    def compact_people(self, run_id: str) -> dict[str, list]:
        """``{"frames", "time_s", "faces", "persons"}``: the counts of the run's counted frames, in frame order (empty when none was counted)."""
        docs = self.people(run_id)
        return {
            "frames": [d["frame"] for d in docs], "time_s": [d["time_s"] for d in docs],
            "faces": [len(d["people"]["faces"]) for d in docs], "persons": [len(d["people"]["persons"]) for d in docs],
        }  # fmt: skip

    def compact_objects(self, run_id: str) -> dict[str, list]:
        """``{"frames", "time_s", "boxes", "classes"}``: per detected frame of the run, in frame order, its box count and
        the classes shown (each once, in the order of their best box); empty when the run detected on no frame."""
        docs = self.objects(run_id)
        return {
            "frames": [d["frame"] for d in docs], "time_s": [d["time_s"] for d in docs],
            "boxes": [len(d["objects"]) for d in docs], "classes": [list(dict.fromkeys(o["label"] for o in d["objects"])) for d in docs],
        }  # fmt: skip

    def reused_from(self, run_id: str) -> dict[int, int]:
        """Reused frame → the frame whose labels it copied."""
        return {d["frame"]: d["reused_from"] for d in self._c.find({"run_id": run_id, "reused_from": {"$exists": True}}, {"frame": 1, "reused_from": 1})}

    def compact_top1(self, run_id: str, models: tuple[str, ...]) -> dict[str, Any]:
        """``{"_id": run_id, "video_id", "frames": [...], "time_s": [...], "models": {m: {"labels", "scores"}}}``
        from the run's frame documents, in frame order (a model missing on a frame gives None there)."""
        frames, times, video_id = [], [], None
        per_model: dict[str, dict[str, list]] = {m: {"labels": [], "scores": []} for m in models}
        for doc in self.of_run(run_id, {"frame": 1, "time_s": 1, "video_id": 1, "preds": 1}):
            video_id = doc["video_id"]
            frames.append(doc["frame"])
            times.append(doc["time_s"])
            for m in models:
                pred = doc["preds"].get(m)
                per_model[m]["labels"].append(pred["labels"][0] if pred else None)
                per_model[m]["scores"].append(pred["scores"][0] if pred else None)
        return {"_id": run_id, "video_id": video_id, "frames": frames, "time_s": times, "models": per_model}

    def delete_runs(self, run_ids: list[str]) -> dict[str, int]:
        """Delete the frames and thumbnails of runs; counts ``{"frames", "thumbs"}``."""
        if not run_ids:
            return {"frames": 0, "thumbs": 0}
        return {
            "frames": int(self._c.delete_many({"run_id": {"$in": run_ids}}).deleted_count),
            "thumbs": int(self._thumbs.delete_many({"run_id": {"$in": run_ids}}).deleted_count),
        }
