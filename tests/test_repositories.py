"""The repositories' contract, run on every implementation of the store protocol:

- ``embedded``: the SQLite store the product ships (always);
- ``mongomock``: an independent implementation of pymongo's API with GridFS, needing no server
  (always): it catches query shapes the embedded store accepts but MongoDB would not;
- ``mongodb``: a real server, when ``REELSIGHT_TEST_MONGO_URI`` is set (skipped otherwise).

Multi-document operations are tested for a failure in the middle: nothing half-written stays.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pymongo.errors import AutoReconnect, DuplicateKeyError

from core.errors import NotFoundError, StoreError
from core.exports import to_csv
from core.store import VERSION_ATTEMPTS, Store, VersionConflict, documents, new_id, new_job, utcnow
from core.store.blobs import GridFSBlobs, LocalBlobs
from core.store.embedded import EmbeddedDatabase

MONGO_URI = os.environ.get("REELSIGHT_TEST_MONGO_URI")


@pytest.fixture(params=["embedded", "mongomock", "mongodb"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh :class:`Store` on each implementation, with its indexes."""
    if request.param == "embedded":
        db = EmbeddedDatabase(tmp_path / "db")
        store = Store(db=db, blobs=LocalBlobs(tmp_path / "blobs"), kind="embedded", location=str(db.path))
    elif request.param == "mongomock":
        import gridfs
        import mongomock
        import mongomock.gridfs

        mongomock.gridfs.enable_gridfs_integration()
        db = mongomock.MongoClient(tz_aware=True)[f"reelsight_{new_id()}"]
        store = Store(db=db, blobs=GridFSBlobs(gridfs.GridFS(db), tmp_path / "cache"), kind="mongodb", location="mongomock")
    else:
        if not MONGO_URI:
            pytest.skip("no MongoDB server: set REELSIGHT_TEST_MONGO_URI (e.g. mongodb://localhost/) to run the contract on one")
        import gridfs
        from pymongo import MongoClient

        client: MongoClient = MongoClient(MONGO_URI, tz_aware=True, serverSelectionTimeoutMS=5000)
        name = f"reelsight_test_{new_id()}"
        db = client[name]
        store = Store(db=db, blobs=GridFSBlobs(gridfs.GridFS(db), tmp_path / "cache"), kind="mongodb", location=name)
        request.addfinalizer(lambda: client.drop_database(name))
    store.ensure_indexes()
    yield store


def _boom(*args: object, **kwargs: object) -> None:
    raise AutoReconnect("connection lost")


def _video(store: Store, key: str = "url:a", **extra: object) -> str:
    video_id, created = store.videos.insert_unique({"_id": new_id(), "source_key": key, "title": key, "created_at": utcnow()} | extra)
    assert created
    return video_id


def _later(seconds: float) -> dt.datetime:
    """A time ``seconds`` from now: MongoDB keeps milliseconds, so documents made within one
    millisecond would tie on ``created_at``."""
    return utcnow() + dt.timedelta(seconds=seconds)


def _run(store: Store, video_id: str, **extra: object) -> str:
    run_id = new_id()
    store.runs.create_with_job(
        {"_id": run_id, "video_id": video_id, "created_at": utcnow()} | extra, new_job("analyze", {"video_id": video_id, "run_id": run_id})
    )
    return run_id


def _frames(run_id: str, video_id: str, indices: list[int], reused: dict[int, int] | None = None) -> tuple[list[dict], list[dict]]:
    frames, thumbs = [], []
    for i in indices:
        doc = {
            "_id": f"{run_id}:{i}",
            "run_id": run_id,
            "video_id": video_id,
            "frame": i,
            "time_s": i / 10,
            "preds": {"resnet50": {"labels": [f"l{i % 3}", "x"], "scores": [0.5 + i / 100, 0.1]}, "inception_v3": {"labels": [f"m{i}"], "scores": [0.9]}},
        }
        if reused and i in reused:
            doc["reused_from"] = reused[i]
        if i == 2:
            doc["audit"] = {"of": 1, "agree": {"resnet50": True}, "threshold": 0.8}
        frames.append(doc)
        thumbs.append({"_id": doc["_id"], "run_id": run_id, "frame": i, "jpeg": bytes([i, 255, 0])})
    return frames, thumbs


# ---------------------------------------------------------------- videos


def test_videos_are_unique_by_source_and_listed_by_age(repo: Store) -> None:
    first = _video(repo, "url:a")
    second = _video(repo, "url:b", created_at=_later(1))
    again, created = repo.videos.insert_unique({"_id": new_id(), "source_key": "url:a", "created_at": utcnow()})
    assert (again, created) == (first, False)
    assert repo.videos.ids() == [first, second]
    assert [v["_id"] for v in repo.videos.list()] == [second, first]
    assert repo.videos.id_by_source("url:b") == second and repo.videos.id_by_source("url:c") is None
    with pytest.raises(DuplicateKeyError):  # the unique index itself, not only the repository's check
        repo.db["videos"].insert_one({"_id": new_id(), "source_key": "url:a"})


def test_get_says_what_to_do_and_set_reports_a_missing_document(repo: Store) -> None:
    video_id = _video(repo)
    with pytest.raises(NotFoundError, match="No video with id nope. Run `python -m core videos`"):
        repo.videos.get("nope")
    assert repo.videos.find("nope") is None and not repo.videos.exists("nope")
    assert repo.videos.set(video_id, views_override=7, **{"meta.fps": 25.0})
    assert not repo.videos.set("nope", views_override=7)
    doc = repo.videos.get(video_id)
    assert (doc["views_override"], doc["meta"]) == (7, {"fps": 25.0})
    assert repo.videos.find(video_id, {"title": 1}) == {"_id": video_id, "title": "url:a"}


def test_deleting_a_video_removes_its_children_and_file_only(repo: Store, tmp_path: Path) -> None:
    source = tmp_path / "v.mp4"
    source.write_bytes(b"video bytes")
    blob = repo.blobs.put_file(source, "v.mp4")
    gone, kept = _video(repo, "url:gone", blob=blob), _video(repo, "url:kept")
    runs = [_run(repo, gone), _run(repo, gone), _run(repo, kept)]
    for run_id, video_id in zip(runs, (gone, gone, kept)):
        repo.frames.insert_batch(*_frames(run_id, video_id, [0, 1]))
        repo.runs.save_top1(repo.frames.compact_top1(run_id, ("resnet50",)))
    for run_id, video_id in ((runs[0], gone), (runs[2], kept)):
        repo.scenes.save(run_id, video_id, {"fps": 25.0, "frame_count": 2, "shots": [[0, 2]], "segments": []}, utcnow())
    running = repo.jobs.claim("w1", 60, job_id=repo.runs.get(runs[0])["job_id"])
    assert running is not None

    counts = repo.videos.delete_with_results(gone)

    assert counts == {"frames": 4, "thumbs": 4, "run_top1": 2, "scenes": 1, "runs": 2, "jobs": 1}
    assert repo.scenes.of_run(runs[0]) is None and repo.scenes.of_run(runs[2]) is not None
    assert repo.videos.ids() == [kept] and [r["_id"] for r in repo.runs.list()] == [runs[2]]
    assert repo.frames.count_run(runs[0]) == 0 and repo.frames.count_run(runs[2]) == 2
    assert repo.runs.top1(runs[0]) is None and repo.runs.top1(runs[2]) is not None
    assert repo.jobs.get(running["_id"])["cancel_requested"] is True  # a running job is asked to stop, not deleted
    with pytest.raises(NotFoundError):
        repo.blobs.local_path(blob)


def test_scene_structures_keep_their_signatures_apart_and_the_newest_wins(repo: Store) -> None:
    video_id = _video(repo, "url:scenes")
    old, new = _run(repo, video_id), _run(repo, video_id)
    doc = {"fps": 25.0, "frame_count": 50, "shots": [[0, 20], [20, 50]], "segments": [{"kind": "black", "start": 0, "end": 5}]}
    repo.scenes.save(old, video_id, {**doc, "head": b"\x00\x01", "head_frames": [0]}, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    repo.scenes.save(new, video_id, {**doc, "head": b"\xff\xfe", "head_frames": [0]}, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    repo.scenes.save(new, video_id, {**doc, "head": b"\xff\xfd", "head_frames": [0]}, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))  # replaced, not doubled

    assert repo.scenes.latest(video_id)["_id"] == new and "head" not in repo.scenes.latest(video_id)
    assert bytes(repo.scenes.latest(video_id, signatures=True)["head"]) == b"\xff\xfd"
    assert repo.scenes.of_run(old)["shots"] == [[0, 20], [20, 50]] and "head" not in repo.scenes.of_run(old)
    assert set(repo.scenes.of_runs([old, new, "missing"])) == {old, new}
    assert repo.scenes.latest("no-such-video") is None and repo.scenes.count(video_id=video_id) == 2


# ---------------------------------------------------------------- runs and frames


@pytest.mark.parametrize("owner", ["runs", "screentime_runs", "yt8m_datasets"])
def test_a_document_and_its_job_are_stored_together(repo: Store, owner: str) -> None:
    repository = getattr(repo, owner)
    doc_id = new_id()
    job_id = repository.create_with_job({"_id": doc_id, "created_at": utcnow()}, new_job("kind", {"id": doc_id}))
    assert repository.get(doc_id)["job_id"] == job_id
    assert repo.jobs.get(job_id)["params"] == {"id": doc_id}


@pytest.mark.parametrize("owner", ["runs", "screentime_runs", "yt8m_datasets"])
def test_a_job_that_cannot_be_queued_leaves_no_document(repo: Store, owner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = getattr(repo, owner)
    monkeypatch.setattr(repo.jobs._c, "insert_one", _boom)
    doc_id = new_id()
    with pytest.raises(
        StoreError, match=rf"Could not queue the {repository.NOUN}: the database did not take its job \(AutoReconnect\)\. Nothing was saved"
    ) as info:
        repository.create_with_job({"_id": doc_id, "created_at": utcnow()}, new_job("kind", {"id": doc_id}))
    assert isinstance(info.value.__cause__, AutoReconnect)
    assert repository.find(doc_id) is None and repository.count() == 0
    monkeypatch.undo()
    assert repo.jobs.list() == []


def test_latest_run_prefers_the_newest_finished_one(repo: Store) -> None:
    video_id = _video(repo)
    old = _run(repo, video_id, finished_at=utcnow())
    newer = _run(repo, video_id, created_at=_later(1))
    assert repo.runs.latest(video_id)["_id"] == old
    repo.runs.set(newer, finished_at=utcnow())
    assert repo.runs.latest(video_id)["_id"] == newer
    assert repo.runs.latest("other") is None
    assert [r["_id"] for r in repo.runs.list(video_id)] == [newer, old]
    assert sorted(repo.runs.ids_for_video(video_id)) == sorted([old, newer])


def test_frames_of_a_run_are_stored_once_and_read_in_order(repo: Store) -> None:
    video_id = _video(repo)
    run_id = _run(repo, video_id)
    frames, thumbs = _frames(run_id, video_id, [3, 0, 2, 1], reused={3: 2})
    assert repo.frames.insert_batch(frames[:2], thumbs[:2]) == 2
    assert repo.frames.insert_batch(frames, thumbs) == 2  # a resumed job stores its batch again: only the new ones count
    assert [d["frame"] for d in repo.frames.of_run(run_id)] == [0, 1, 2, 3]
    one_model = next(iter(repo.frames.of_run(run_id, {"frame": 1, "preds.resnet50": 1})))
    assert set(one_model["preds"]) == {"resnet50"} and "time_s" not in one_model
    assert repo.frames.indices(run_id) == {0, 1, 2, 3}
    assert sorted(d["frame"] for d in repo.frames.some(run_id, [1, 3, 9])) == [1, 3]
    assert {d["frame"]: d["jpeg"] for d in repo.frames.thumbs(run_id, [0, 2])} == {0: bytes([0, 255, 0]), 2: bytes([2, 255, 0])}
    assert (repo.frames.count_run(run_id), repo.frames.count_run(run_id, reused=True), repo.frames.count_run(run_id, reused=False)) == (4, 1, 3)
    assert repo.frames.reused_from(run_id) == {3: 2}
    assert [(d["frame"], d["audit"]["threshold"]) for d in repo.frames.audits(run_id)] == [(2, 0.8)]


def test_the_compact_top1_of_a_run_matches_its_frames(repo: Store) -> None:
    video_id = _video(repo)
    run_id = _run(repo, video_id)
    frames, thumbs = _frames(run_id, video_id, [2, 0, 1])
    del frames[0]["preds"]["inception_v3"]  # frame 2 lacks one model
    repo.frames.insert_batch(frames, thumbs)
    compact = repo.frames.compact_top1(run_id, ("inception_v3", "resnet50"))
    assert compact == {
        "_id": run_id,
        "video_id": video_id,
        "frames": [0, 1, 2],
        "time_s": [0.0, 0.1, 0.2],
        "models": {
            "inception_v3": {"labels": ["m0", "m1", None], "scores": [0.9, 0.9, None]},
            "resnet50": {"labels": ["l0", "l1", "l2"], "scores": [0.5, 0.51, 0.52]},
        },
    }
    repo.runs.save_top1(compact)
    repo.runs.save_top1(compact)  # replacing is idempotent
    assert repo.runs.top1(run_id) == compact


# ---------------------------------------------------------------- jobs and workers


def test_run_aggregates_are_counted_by_the_store(repo: Store) -> None:
    """Issue 16: label counts per run and summed over runs (MongoDB: an aggregation pipeline)."""

    def stats(run_id: str, video_id: str, rows: dict[str, list[tuple[str, int, float]]]) -> dict:
        models = [{"model": m, "labels": [{"label": lab, "count": n, "score_sum": s} for lab, n, s in labels]} for m, labels in rows.items()]
        return {"_id": run_id, "video_id": video_id, "version": 1, "models": models}

    repo.runs.save_stats(stats("r1", "v1", {"resnet50": [("cat", 3, 2.5), ("dog", 1, 0.5)], "inception_v3": [("cat", 4, 3.0)]}))
    repo.runs.save_stats(stats("r2", "v2", {"resnet50": [("dog", 2, 1.25), ("cat", 1, 0.75)]}))
    repo.runs.save_stats(stats("r3", "v3", {"resnet50": [("dog", 7, 7.0)]}))
    by_run = sorted((r["run_id"], r["video_id"], r["model"], r["label"], r["count"], r["score_sum"]) for r in repo.runs.label_counts(["r1", "r2"]))
    assert by_run == [
        ("r1", "v1", "inception_v3", "cat", 4, 3.0), ("r1", "v1", "resnet50", "cat", 3, 2.5), ("r1", "v1", "resnet50", "dog", 1, 0.5),
        ("r2", "v2", "resnet50", "cat", 1, 0.75), ("r2", "v2", "resnet50", "dog", 2, 1.25),
    ]  # fmt: skip
    totals = sorted((r["model"], r["label"], r["count"], r["score_sum"]) for r in repo.runs.label_counts(["r1", "r2"], by_run=False))
    assert totals == [("inception_v3", "cat", 4, 3.0), ("resnet50", "cat", 4, 3.25), ("resnet50", "dog", 3, 1.75)]  # r3 is not asked for
    assert repo.runs.label_counts([]) == [] and set(repo.runs.stats(["r2", "r9"])) == {"r2"}
    repo.runs.delete_top1(["r1", "r2"])
    assert set(repo.runs.stats(["r1", "r2", "r3"])) == {"r3"}


def test_claims_take_the_highest_priority_then_the_oldest_job(repo: Store) -> None:
    low = repo.jobs.insert(new_job("analyze", {}, priority=0))
    high = repo.jobs.insert(new_job("analyze", {}, priority=5))
    other = repo.jobs.insert(new_job("screentime", {}, priority=9))
    assert repo.jobs.claim("w1", 60, kinds=("analyze",))["_id"] == high
    job = repo.jobs.claim("w2", 60, kinds=("analyze",))
    assert job["_id"] == low and job["state"] == "running" and job["attempts"] == 1 and job["worker_id"] == "w2"
    assert job["lease_until"] > utcnow()
    assert repo.jobs.claim("w3", 60, kinds=("analyze",)) is None
    assert repo.jobs.claim("w3", 60, job_id=other)["_id"] == other


def test_only_the_owner_of_a_lease_changes_its_job(repo: Store) -> None:
    job_id = repo.jobs.insert(new_job("analyze", {"video_id": "v"}))
    repo.jobs.claim("w1", 60)
    assert repo.jobs.extend_owned(job_id, "w2", {"progress": {"done": 1}}) is None
    assert not repo.jobs.update_owned(job_id, "w2", {"state": "done"})
    assert repo.jobs.extend_owned(job_id, "w1", {"progress": {"done": 2}})["progress"] == {"done": 2}
    assert repo.jobs.update_owned(job_id, "w1", {"state": "queued", "worker_id": None}, inc={"attempts": -1})
    job = repo.jobs.get(job_id)
    assert (job["state"], job["attempts"]) == ("queued", 0)
    assert not repo.jobs.update_in_state(job_id, ("failed", "cancelled"), {"state": "queued"})
    assert repo.jobs.update_in_state(job_id, ("queued",), {"state": "cancelled"})
    assert [j["_id"] for j in repo.jobs.list(states=("cancelled",))] == [job_id] and repo.jobs.list(states=("queued",)) == []


def test_expired_leases_are_found_and_reaped_once(repo: Store) -> None:
    job_id = repo.jobs.insert(new_job("analyze", {}))
    repo.jobs.claim("w1", 60)
    repo.db["jobs"].update_one({"_id": job_id}, {"$set": {"lease_until": utcnow() - dt.timedelta(seconds=5)}})
    now = utcnow()
    assert [j["_id"] for j in repo.jobs.expired(now)] == [job_id]
    assert repo.jobs.update_if_expired(job_id, now, {"state": "queued", "worker_id": None, "lease_until": None})
    assert not repo.jobs.update_if_expired(job_id, now, {"state": "queued"})  # a second reaper finds nothing
    assert repo.jobs.expired(utcnow()) == []


def test_a_videos_jobs_are_cancelled_then_deleted_unless_running(repo: Store) -> None:
    queued = repo.jobs.insert(new_job("analyze", {"video_id": "v"}))
    running = repo.jobs.insert(new_job("analyze", {"video_id": "v"}))
    unrelated = repo.jobs.insert(new_job("analyze", {"video_id": "w"}))
    repo.jobs.claim("w1", 60, job_id=running)
    repo.jobs.cancel_for_video("v")
    assert repo.jobs.get(queued)["state"] == "cancelled" and repo.jobs.get(running)["cancel_requested"] is True
    assert repo.jobs.delete_for_video("v") == 1
    assert sorted(j["_id"] for j in repo.jobs.list()) == sorted([running, unrelated])


def test_a_pending_job_is_one_queued_or_running_of_that_kind_for_that_video(repo: Store) -> None:
    assert not repo.jobs.pending("browser_copy", "v")
    job = repo.jobs.insert(new_job("browser_copy", {"video_id": "v"}))
    repo.jobs.insert(new_job("analyze", {"video_id": "w"}))
    assert repo.jobs.pending("browser_copy", "v") and not repo.jobs.pending("browser_copy", "w") and not repo.jobs.pending("analyze", "v")
    repo.jobs.claim("w1", 60, job_id=job)
    assert repo.jobs.pending("browser_copy", "v")  # running
    assert repo.jobs.update_owned(job, "w1", {"state": "done"})
    assert not repo.jobs.pending("browser_copy", "v")


def test_live_workers_are_recent_and_not_stopped(repo: Store) -> None:
    now = utcnow()
    repo.workers.save("old", last_seen=now - dt.timedelta(minutes=5), state="idle")
    repo.workers.save("busy", last_seen=now, state="busy")
    repo.workers.save("stopped", last_seen=now, state="stopped")
    repo.workers.save("idle", last_seen=now - dt.timedelta(seconds=1), state="idle")
    assert [w["_id"] for w in repo.workers.live(now - dt.timedelta(seconds=60))] == ["busy", "idle"]
    assert repo.workers.set("idle", state="stopped") and not repo.workers.set("nobody", state="idle")


# ---------------------------------------------------------------- screen time


def test_classifier_versions_count_up_per_name(repo: Store) -> None:
    docs = [{"name": name, "metrics": {"history": [1, 2], "val_accuracy": 0.5}, "created_at": utcnow()} for name in ("toons", "toons", "sports")]
    for doc in docs:
        repo.classifiers.insert_versioned(doc)
    assert [d["version"] for d in docs] == [1, 2, 1]
    assert repo.classifiers.latest("toons")["_id"] == docs[1]["_id"]
    assert repo.classifiers.latest("toons", 1)["_id"] == docs[0]["_id"] and repo.classifiers.latest("toons", 3) is None
    assert repo.classifiers.names() == ["sports", "toons"]
    listed = repo.classifiers.list()
    assert len(listed) == 3 and all("history" not in d["metrics"] and d["metrics"]["val_accuracy"] == 0.5 for d in listed)


def test_a_versioned_insert_that_keeps_losing_stores_nothing(repo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = []

    def taken(doc: dict) -> None:
        attempts.append(doc["version"])
        raise DuplicateKeyError("E11000 duplicate key")

    monkeypatch.setattr(repo.classifiers._c, "insert_one", taken)
    with pytest.raises(VersionConflict, match=f"took each of {VERSION_ATTEMPTS} version numbers"):
        repo.classifiers.insert_versioned({"name": "toons"})
    monkeypatch.undo()
    assert len(attempts) == VERSION_ATTEMPTS and repo.classifiers.count() == 0


def test_labelsets_and_screentime_runs_list_without_their_bulk(repo: Store) -> None:
    frames_set = repo.labelsets.insert({"_id": new_id(), "kind": "frames", "items": [{"image": "1", "class": 0}], "created_at": utcnow()})
    repo.labelsets.insert({"_id": new_id(), "kind": "images", "items": [], "created_at": utcnow()})
    assert [d["_id"] for d in repo.labelsets.list("frames")] == [frames_set] and "items" not in repo.labelsets.list()[0]
    assert len(repo.labelsets.list()) == 2
    done, pending = new_id(), new_id()
    for seconds, run_id in enumerate((done, pending)):
        doc = {"_id": run_id, "labels": [1], "result": {"probs": [[1.0]], "classes": ["tom"]}, "created_at": _later(seconds)}
        repo.screentime_runs.create_with_job(doc, new_job("screentime", {"run_id": run_id}))
    repo.screentime_runs.set(done, finished_at=utcnow())
    assert repo.screentime_runs.count_finished() == 1
    finished = repo.screentime_runs.finished()
    assert [r["_id"] for r in finished] == [done] and finished[0]["result"] == {"classes": ["tom"]} and "labels" not in finished[0]
    assert [r["_id"] for r in repo.screentime_runs.list()] == [pending, done] and "result" not in repo.screentime_runs.list()[0]


# ---------------------------------------------------------------- YouTube-8M


def test_yt8m_records_filter_by_label_and_go_with_their_dataset(repo: Store) -> None:
    dataset = new_id()
    repo.yt8m_datasets.create_with_job({"_id": dataset, "created_at": utcnow()}, new_job("yt8m_import", {"dataset_id": dataset}))
    videos = [{"video_id": "c", "labels": [1, 2]}, {"video_id": "a", "labels": [2]}, {"video_id": "b", "labels": [3]}]
    repo.yt8m_datasets.add_videos(dataset, videos)
    repo.yt8m_datasets.add_videos(dataset, videos[:1])  # again: skipped
    assert repo.yt8m_datasets.count_videos(dataset) == 3
    assert repo.yt8m_datasets.count_with_labels(dataset, [1, 2]) == 3
    assert repo.yt8m_datasets.videos_with_labels(dataset, [1, 2], limit=10) == (2, ["a", "c"])
    assert repo.yt8m_datasets.videos_with_labels(dataset, [1, 2], limit=1) == (2, ["a"])
    assert repo.yt8m_datasets.video_labels(dataset, ["c", "b", "zz"]) == {"c": [1, 2], "b": [3]}
    repo.yt8m_datasets.set(dataset, imported_at=utcnow())
    assert repo.yt8m_datasets.count_imported() == 1 and [d["_id"] for d in repo.yt8m_datasets.list()] == [dataset]

    model = repo.yt8m_models.insert({"_id": new_id(), "dataset": dataset, "history": {"loss": [1]}, "job_id": "j1", "created_at": utcnow()})
    assert repo.yt8m_models.by_job("j1")["_id"] == model and repo.yt8m_models.by_job("j2") is None
    assert [m["_id"] for m in repo.yt8m_models.list(dataset)] == [model] and "history" not in repo.yt8m_models.list(dataset)[0]
    assert repo.yt8m_models.count(dataset=dataset) == 1

    repo.yt8m_datasets.delete_with_records(dataset)
    assert repo.yt8m_datasets.find(dataset) is None and repo.yt8m_datasets.count_videos(dataset) == 0
    assert repo.yt8m_datasets.count_with_labels(dataset, [1, 2, 3]) == 0


# ---------------------------------------------------------------- blobs


def test_blobs_round_trip_and_delete(repo: Store, tmp_path: Path) -> None:
    source = tmp_path / "model.keras"
    source.write_bytes(b"\x00weights\xff" * 1000)
    key = repo.blobs.put_file(source, "model.keras")
    assert key.endswith(".keras")
    assert repo.blobs.local_path(key).read_bytes() == source.read_bytes()
    assert repo.blobs.local_path(key).read_bytes() == source.read_bytes()  # the cached copy too
    repo.blobs.delete(key)
    with pytest.raises(NotFoundError, match="missing"):
        repo.blobs.local_path(key)


def test_new_ids_never_read_as_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["534e24119183" + "0" * 20, "123456789012" + "0" * 20, "00000000000b" + "0" * 20])
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(next(draws)))
    assert documents.new_id() == "00000000000b"  # the scientific-notation and all-digit draws are drawn again
    monkeypatch.undo()

    ids = [new_id() for _ in range(5000)]
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids) and len(set(ids)) == len(ids)
    for value in ids:
        with pytest.raises(ValueError):
            float(value)
    read = pd.read_csv(io.StringIO(to_csv(pd.DataFrame({"run_id": ids}))))  # no dtype given, as an analyst would read it
    assert read["run_id"].tolist() == ids
