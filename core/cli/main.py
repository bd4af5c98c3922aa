"""Command line: ``python -m core COMMAND``. Errors print one line on stderr and exit 2.

Commands: ``add``, ``videos``, ``views``, ``delete``, ``analyze``, ``worker``, ``jobs``, ``cancel``,
``retry``, ``export``, ``report``, ``categories show|set|clear``, ``screentime train|apply``, ``yt8m import|train``, ``app``. Each prints its main result (an id) as its last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import PROJECT_ROOT, Settings, load_settings
from core.errors import OutputError, ReelsightError
from core.exports import output_dir

if TYPE_CHECKING:
    from core.store import Store


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(db=args.db)


def _store(args: argparse.Namespace) -> Store:
    from core.store import open_store

    return open_store(_settings(args))


def _fps(text: str) -> float | None:
    if text.strip().lower() in ("all", "every", "every-frame"):
        return None
    try:
        return float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--fps takes a number or 'all', not {text!r}") from err


def cmd_add(args: argparse.Namespace) -> None:
    from core.media import add_source

    video_id, created = add_source(_store(args), _settings(args), args.source, views=args.views, title=args.title)
    if not created:
        print(f"already added as {video_id}", file=sys.stderr)
    print(video_id)


def cmd_videos(args: argparse.Namespace) -> None:
    from core.media import list_videos

    table = list_videos(_store(args))
    print(table[["video_id", "title", "views", "views_source", "duration_s", "source"]].to_string(index=False) if len(table) else "no videos yet")


def cmd_views(args: argparse.Namespace) -> None:
    from core.media import set_views

    set_views(_store(args), args.video_id, None if args.views < 0 else args.views)
    print(args.video_id)


def cmd_delete(args: argparse.Namespace) -> None:
    from core.media import delete_video

    settings = _settings(args)
    counts = delete_video(_store(args), settings, args.video_id)
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + " deleted", file=sys.stderr)
    print(args.video_id)


def cmd_analyze(args: argparse.Namespace) -> None:
    from core.inference import RunSettings, request_analysis
    from core.inference.detectors import DEFAULT_DETECTOR

    fps = None if args.every_frame else args.fps
    store = _store(args)
    if args.trim == "auto":
        from core.media.trims import accept_trims, suggest_for_video

        if args.trim_start or args.trim_end:
            raise ReelsightError("Give either --trim auto or --trim-start/--trim-end, not both.")
        suggestion = suggest_for_video(store, args.video_id)
        for reason in suggestion.reasons:
            print(f"trim: {reason}", file=sys.stderr)
        args.trim_start, args.trim_end = suggestion.start_s, suggestion.end_s
        accept_trims(store, args.video_id, suggestion.start_s, suggestion.end_s, suggested=True)
        print(f"trimming {args.trim_start:g} s at the start and {args.trim_end:g} s at the end", file=sys.stderr)
    rs = RunSettings(
        fps=fps, trim_start_s=args.trim_start, trim_end_s=args.trim_end, models=args.models, top_k=args.top_k, reuse_threshold=_reuse_threshold(args),
        scenes=_scene_settings(args), people=not args.no_people, objects=DEFAULT_DETECTOR if args.objects else None,
    )  # fmt: skip
    run_id, job_id = request_analysis(store, args.video_id, rs)
    print(f"run {run_id} queued", file=sys.stderr)
    print(job_id)


def cmd_worker(args: argparse.Namespace) -> None:
    from core.inference import MODEL_NAMES
    from core.worker import Worker

    settings = _settings(args)
    if args.lease is not None:
        settings = load_settings(db=args.db, lease_s=args.lease)
    from core.store import open_store

    worker = Worker(open_store(settings), settings)
    for sig in (signal.SIGTERM, signal.SIGINT):  # finish cleanly: the running job is handed back
        signal.signal(sig, lambda *_: worker.stop())
    if not args.no_measure:
        print(f"worker on {worker.device}: {worker.plan.describe()}, weights {settings.weights}; loading the models…", file=sys.stderr)
        fps = worker.measure()
        print(f"models: {fps:.1f} frames/s through {' + '.join(MODEL_NAMES)} at batch {worker.plan.batch_size}", file=sys.stderr)
    n = worker.run(burst=args.burst)
    print(f"{n} job(s) processed", file=sys.stderr)
    if args.burst:
        from core.jobs import lease_waits

        for job_id, note in lease_waits(worker.store, settings.lease_s).items():
            print(f"job {job_id}: {note}", file=sys.stderr)


def cmd_jobs(args: argparse.Namespace) -> None:
    from core.jobs import lease_waits, list_jobs, reap_expired

    settings = _settings(args)
    store = _store(args)
    reap_expired(store)
    rows = list_jobs(store, limit=args.limit)
    waits = lease_waits(store, settings.lease_s)
    if not rows:
        print("no jobs")
        return
    kind_w = max(8, *(len(job["kind"]) for job in rows))  # train_classifier, browser_copy, … keep the columns aligned
    print(f"{'job_id':<13} {'kind':<{kind_w}} {'state':<10} {'stage':<15} {'progress':>11} {'per_s':>8} {'eta_s':>7}  video_id     error")
    for job in rows:
        p = job.get("progress") or {}
        prog = f"{p.get('done', 0)}/{p.get('total') if p.get('total') is not None else '?'}"
        running = job["state"] == "running"
        eta = "" if p.get("eta_s") is None or not running else f"{p['eta_s']:.0f}"
        rate = "" if not p.get("rate") or not running else f"{p['rate']:.1f}"
        print(
            f"{job['_id']:<13} {job['kind']:<{kind_w}} {job['state']:<10} {p.get('stage', ''):<15} {prog:>11} {rate:>8} {eta:>7}  {job['params'].get('video_id', ''):<12} {job.get('error') or job.get('warning') or ''}"
        )
    for job_id, note in waits.items():
        print(f"job {job_id}: {note}")


def cmd_cancel(args: argparse.Namespace) -> None:
    from core.jobs import cancel

    print(f"{args.job_id} {cancel(_store(args), args.job_id)}")


def cmd_retry(args: argparse.Namespace) -> None:
    from core.jobs import retry

    retry(_store(args), args.job_id)
    print(args.job_id)


def cmd_browser_copies(args: argparse.Namespace) -> None:
    from core.media.preview import request_unchecked_copies

    queued = request_unchecked_copies(_store(args))
    print(f"{len(queued)} browser-copy job(s) queued" + (": a worker checks each upload and converts those browsers cannot play" if queued else ""))
    for job_id in queued:
        print(job_id)


def cmd_export(args: argparse.Namespace) -> None:
    from core.analysis.results import export_predictions

    if not args.all and not args.video_id and not args.run:
        raise ReelsightError("Name a VIDEO_ID, or pass --all (or --run RUN_ID).")
    output_dir(args.out)
    path = export_predictions(_store(args), args.out, None if args.all else ([args.video_id] if args.video_id else None), run_id=args.run)
    print(path)


def cmd_report(args: argparse.Namespace) -> None:
    from core.analysis import categories
    from core.analysis.report import build_report, write_report

    videos = [v.strip() for v in args.videos.split(",") if v.strip()] if args.videos else None
    output_dir(args.out)
    store = _store(args)
    if videos:
        from core.media import get_video

        for vid in videos:
            get_video(store, vid)
    mapping = categories.level_mapping(store, args.level)
    leave_out = [k.strip() for k in (args.leave_out or "").split(",") if k.strip()]
    path = write_report(build_report(store, videos, threshold=args.threshold, label_categories=mapping, unit=args.unit, leave_out=leave_out), args.out)
    print(path)


def cmd_categories(args: argparse.Namespace) -> None:
    from core.analysis import categories, labels

    store = _store(args)
    if args.categories_command == "set":
        mapping = categories.save_custom(store, categories.read_csv_file(args.csv), args.csv.name)
        print(f"Saved {len(mapping)} labels in {len(set(mapping.values()))} categories as your categories; the other labels count as {categories.OTHER}.")
        print("custom")
        return
    if args.categories_command == "clear":
        print("Deleted your categories." if store.label_categories.delete() else "There were no custom categories to delete.")
        print("custom")
        return
    level = "custom" if args.custom else "category"
    mapping = categories.level_mapping(store, level)
    assert mapping is not None
    if args.out:
        try:
            args.out.write_text(categories.mapping_csv(mapping), encoding="utf-8")
        except OSError as err:
            raise OutputError(f"Cannot write {args.out}: {err.strerror or err}. Choose a file in a folder you can write to.") from err
        print(args.out)
        return
    for row in categories.category_summary(mapping).itertuples():
        print(f"{row.category:<28} {labels.count(row.label_count):>5}  {row.examples}")
    print(level)


def _run_or_queue(args: argparse.Namespace, store: Store, job_id: str) -> bool:
    """Run the job here unless ``--queue`` was given; True when it ran."""
    if args.queue:
        print(f"job {job_id} queued; run `python -m core worker --burst` to process it", file=sys.stderr)
        return False
    from core.worker import run_now

    run_now(store, _settings(args), job_id)
    return True


def cmd_screentime_train(args: argparse.Namespace) -> None:
    import tempfile

    from core.screentime import classifier as screen_classifier
    from core.screentime import trainingset

    if bool(args.folders) == bool(args.mapping or args.images):
        raise ReelsightError("Give either --mapping CSV with --images DIR_OR_ZIP, or --folders DIR_OR_ZIP (one sub-folder per class).")
    if args.mapping and not args.images:
        raise ReelsightError("--mapping needs --images: the folder or ZIP of the images the CSV names.")
    if args.images and not args.mapping:
        raise ReelsightError("--images needs --mapping: the Image_ID,Class CSV that labels them.")
    name = screen_classifier.check_name(args.name)
    settings = screen_classifier.TrainSettings(
        backbone=args.backbone, epochs=args.epochs, image_size=args.image_size, fine_tune_epochs=args.fine_tune, val_fraction=args.val_fraction
    )
    limits = trainingset.Limits.from_settings(_settings(args))
    with tempfile.TemporaryDirectory(prefix="reelsight-set-") as workdir:  # the unpacked images, until they are stored
        if args.folders:
            training_set = trainingset.from_folders(args.folders, Path(workdir), limits=limits)
        else:
            classes = trainingset.parse_classes(args.classes)
            training_set = trainingset.from_mapping(
                args.mapping, args.images, classes, drop_conflicts=not args.keep_conflicts, workdir=Path(workdir), limits=limits
            )
        for note in training_set.notes:
            print(f"note: {note}", file=sys.stderr)
        print("training set: " + ", ".join(f"{k} {v}" for k, v in training_set.counts().items()), file=sys.stderr)
        store = _store(args)
        set_id = trainingset.save(store, training_set, name)
    job_id = screen_classifier.request_training(store, set_id, name, settings)
    if _run_or_queue(args, store, job_id):
        doc = store.classifiers.by_job(job_id)
        if doc is None:
            raise ReelsightError(f"Training job {job_id} finished without storing a classifier. Run `python -m core jobs` and retry it.")
        flag = " (random weights)" if doc.get("random_weights") else ""
        print(f"{doc['name']}:v{doc['version']}\tvalidation accuracy {doc['metrics']['val_accuracy']:.3f}{flag}")


def cmd_screentime_apply(args: argparse.Namespace) -> None:
    import shutil

    from core.screentime import apply as screentime

    if bool(args.video) == bool(args.images):
        raise ReelsightError("Give either --video VIDEO_ID or --images DIR_OR_ZIP (with --seconds-per-image).")
    if args.images and args.seconds_per_image is None:
        raise ReelsightError("--images needs --seconds-per-image S: how long each image stands for.")
    output_dir(args.out)
    store = _store(args)
    from core.screentime import find_classifier, trainingset

    classifier = find_classifier(store, args.name)
    if args.video:
        source = screentime.video_source(store, args.video)
    else:
        source = screentime.images_source(store, args.images, args.seconds_per_image, limits=trainingset.Limits.from_settings(_settings(args)))
    labels, told = None, None
    if args.labels:
        if not args.labels.is_file():
            raise ReelsightError(f"No such labels CSV: {args.labels}.")
        labels = screentime.read_labels(args.labels.read_text(encoding="utf-8-sig"), source, [c["name"] for c in classifier["classes"]], args.labels.name)
    settings = screentime.ApplySettings(fps=args.fps, smooth=args.smooth, annotate=not args.no_video)
    run_id, job_id = screentime.request_apply(store, classifier["_id"], source, settings, labels)
    if labels and source["kind"] == "images":  # known before the run: say it before the wait
        told = screentime.image_label_match(source, labels).accuracy_note()
        if told:
            print(told, file=sys.stderr)
    if not _run_or_queue(args, store, job_id):
        print(run_id)
        return
    run = screentime.get_run(store, run_id)
    result = screentime.compute(run)
    screentime.write_outputs(result, args.out)
    if run.get("video_blob"):
        shutil.copyfile(store.blobs.local_path(run["video_blob"]), args.out / "annotated.mp4")
    for row in result.totals.itertuples():
        print(f"{row[1]:<16} {row.seconds:8.1f} s  {row.share:6.1%}", file=sys.stderr)
    accuracy = result.accuracy or {}
    if accuracy.get("matched"):
        print(
            f"accuracy on {accuracy['matched']} labelled frames: {accuracy['raw']['accuracy']:.3f} raw, {accuracy['smoothed']['accuracy']:.3f} smoothed",
            file=sys.stderr,
        )
    if accuracy.get("note") and accuracy["note"] != told:
        print(accuracy["note"], file=sys.stderr)
    print(args.out)


def _yt8m_import(args: argparse.Namespace, store: Store, records: str | None = None) -> dict[str, Any]:
    from core.worker import run_now
    from core.yt8m import dataset as yt8m

    dataset_id, job_id = yt8m.request_import(store, records or args.records, args.vocabulary)
    run_now(store, _settings(args), job_id)
    return yt8m.get_dataset(store, dataset_id)


def cmd_yt8m_import(args: argparse.Namespace) -> None:
    from core.yt8m import dataset as yt8m

    dataset = _yt8m_import(args, _store(args))
    stats = dataset["stats"]
    print(f"videos: {stats['n_videos']}")
    print("labels per video: " + ", ".join(f"{k}: {v}" for k, v in stats["labels_per_video"].items()))
    print("videos per vertical: " + ", ".join(f"{k} {v}" for k, v in list(stats["vertical_counts"].items())[:10]))
    top = yt8m.counts_table(dataset, 10)
    print("most frequent labels: " + ", ".join(f"{r.name} ({r.index}) {r.videos}" for r in top.itertuples()))
    if stats["unknown"]["records"]:
        print(
            f"warning: {stats['unknown']['records']} record(s) use label indices {args.vocabulary.name} does not know: {', '.join(stats['unknown']['labels'])}",
            file=sys.stderr,
        )
    print(dataset["_id"])


def cmd_yt8m_train(args: argparse.Namespace) -> None:
    from core.worker import run_now
    from core.yt8m import evaluation
    from core.yt8m import train as yt8m_train

    if args.test_records and args.test_dataset:
        raise ReelsightError("Give either --test-records GLOB or --test-dataset ID, not both.")
    output_dir(args.out)
    store = _store(args)
    test_id = args.test_dataset
    if test_id:
        store.yt8m_datasets.get(test_id)  # a clear message for an unknown id, before importing anything
    settings = yt8m_train.YT8MSettings(
        features=tuple(f.strip() for f in args.features.split(",") if f.strip()), epochs=args.epochs, hidden=args.hidden,
        batch_size=args.batch_size, learning_rate=args.learning_rate, category=args.category, top_n=args.top_n, threshold=args.threshold,
        test_dataset=test_id,
    )  # fmt: skip
    dataset = _yt8m_import(args, store)
    if args.test_records:
        test_id = _yt8m_import(args, store, args.test_records)["_id"]
        settings = dataclasses.replace(settings, test_dataset=test_id)
    job_id = yt8m_train.request_training(store, dataset["_id"], settings)
    run_now(store, _settings(args), job_id)
    doc = store.yt8m_models.by_job(job_id)
    if doc is None:
        raise ReelsightError(f"Training job {job_id} finished without storing a model. Run `python -m core jobs` and retry it.")
    yt8m_train.write_outputs(store, doc, args.out)
    m = evaluation.readings(doc)

    def line(values: dict[str, Any]) -> str:
        names = (("mAP", "map"), ("GAP@20", "gap"), ("Hit@1", "hit_at_1"), ("PERR", "perr"))
        return "  ".join(f"{label} {'n/a' if values.get(key) is None else format(values[key], '.3f')}" for label, key in names if key in values)

    print(f"official: {line(m)}  ({m['n_train']} training, {m['n_test']} test videos, {m['n_classes']} classes)", file=sys.stderr)
    print(f"in-vocabulary (test labels of the {m['n_classes']} trained classes only): {line(m['in_vocabulary'])}", file=sys.stderr)
    print(f"test set: {evaluation.test_set_text(m['test_set'])}", file=sys.stderr)
    if m["small_test_warning"]:
        print(f"warning: {m['small_test_warning']}", file=sys.stderr)
    print(args.out)


def _scene_settings(args: argparse.Namespace) -> Any:
    """``--no-scenes`` and the threshold options (:data:`SCENE_OPTIONS`) → the run's scene settings
    (None: detection off). Raises :class:`core.errors.IngestError` for a value out of range."""
    from core.media.scenes import SceneSettings

    given = {field: getattr(args, field) for field in SCENE_OPTIONS.values() if getattr(args, field) is not None}
    if args.no_scenes:
        if given:
            raise ReelsightError(f"--no-scenes turns shot detection off; leave out {', '.join(o for o, f in SCENE_OPTIONS.items() if f in given)}.")
        return None
    return SceneSettings(**given)


SCENE_OPTIONS = {
    "--shot-threshold": "shot_threshold",
    "--min-shot-frames": "min_shot_frames",
    "--black-level": "black_luma",
    "--black-min-s": "black_min_s",
    "--still-threshold": "static_diff",
    "--still-min-s": "static_min_s",
}
"""``analyze`` options → :class:`core.media.scenes.SceneSettings` fields."""


def _reuse_threshold(args: argparse.Namespace) -> float | None:
    """``--reuse-threshold`` / ``--no-reuse`` → the run setting (None classifies every frame)."""
    from core.inference.dedup import DEFAULT_THRESHOLD

    if args.no_reuse:
        return None
    return DEFAULT_THRESHOLD if args.reuse_threshold is None else args.reuse_threshold


def cmd_bench(args: argparse.Namespace) -> None:
    import json

    from core.cli.bench import BenchSettings, run_bench
    from core.inference.detectors import DEFAULT_DETECTOR

    if args.video is None:
        from core.cli.bench import synthetic_clip

        args.video = synthetic_clip(args.json.parent if args.json else Path("."), seconds=args.clip_seconds)
        print(f"no --video: using a generated {args.clip_seconds:g} s clip, {args.video}", file=sys.stderr)
    from core.inference import RunSettings

    fps, threshold = None if args.every_frame else args.fps, _reuse_threshold(args)
    RunSettings(fps=fps, reuse_threshold=threshold)  # validates the values
    settings = BenchSettings(
        fps=fps,
        max_frames=args.max_frames,
        batch=args.batch,
        reuse_threshold=threshold,
        scenes=not args.no_scenes,
        objects=DEFAULT_DETECTOR if args.objects else None,
    )
    result = run_bench(args.video, settings, tuple(m.strip() for m in args.modes.split(",")))
    print(
        f"device          {result['device']} ({result['runtime']}); {result['video_source']} with {result['decode_workers']} decode worker(s), resize {result['resize']}",
        file=sys.stderr,
    )
    for key in ("f_over_d", "c_over_f", "c_over_b", "c_over_a", "top1_agreement", "top1_agreement_centred"):
        if key in result:
            print(f"{key:<15} {result[key]:.3f}", file=sys.stderr)
    if result.get("reuse_checks"):
        checks = result["reuse_checks"]
        print(
            f"spot checks     {checks['agreed']} of {checks['checks']} frames kept every top-1; threshold at the end {checks['threshold_end']}", file=sys.stderr
        )
    print(f"peak RSS        {result['peak_rss_mb']:,.0f} MiB", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in result if k.endswith("_fps")}))


def cmd_app(args: argparse.Namespace) -> None:
    """Start one worker and the dashboard; stop both when either exits or on Ctrl-C / SIGTERM."""
    env = dict(os.environ)
    if args.db:
        env["REELSIGHT_DB"] = args.db
    dashboard_cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "streamlit_app.py"), "--server.port", str(args.port)]
    if args.headless:
        dashboard_cmd += ["--server.headless", "true"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the clean-up below on SIGTERM too
    children = [
        subprocess.Popen([sys.executable, "-m", "core", "worker"], cwd=PROJECT_ROOT, env=env),
        subprocess.Popen(dashboard_cmd, cwd=PROJECT_ROOT, env=env),
    ]
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:  # the worker hands its running job back at its next batch
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Reelsight: classify video frames with ImageNet models.")
    parser.add_argument("--db", help="mongodb:// URI or embedded-store folder (default: REELSIGHT_DB, else ./.data/db)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("add", help="add a YouTube URL or a local video file; prints the video id")
    p.add_argument("source", help="http(s) URL or path to an mp4/mov/avi/mkv/webm file")
    p.add_argument("--views", type=int, help="the business view count (overrides YouTube's)")
    p.add_argument("--title", help="title to show instead of the file name or YouTube title")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("videos", help="list videos")
    p.set_defaults(func=cmd_videos)

    p = sub.add_parser("views", help="set a video's view count (-1 clears it)")
    p.add_argument("video_id")
    p.add_argument("views", type=int)
    p.set_defaults(func=cmd_views)

    p = sub.add_parser("delete", help="delete a video and all its results")
    p.add_argument("video_id")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("analyze", help="queue an analysis; prints the job id")
    p.add_argument("video_id")
    p.add_argument("--fps", type=_fps, default=1.0, help="frames sampled per second (default 1; 'all' for every frame)")
    p.add_argument("--every-frame", action="store_true", help="sample every frame")
    p.add_argument("--trim-start", type=float, default=0.0, metavar="S", help="seconds skipped at the start")
    p.add_argument("--trim-end", type=float, default=0.0, metavar="S", help="seconds skipped at the end")
    p.add_argument(
        "--trim",
        choices=["auto"],
        help="auto: trim the leading and trailing black and still pictures and the opening and closing sequences the channel's videos share (from an earlier run)",
    )
    p.add_argument("--models", default="inception_v3,resnet50", help="comma-separated: inception_v3,resnet50")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument(
        "--reuse-threshold",
        type=float,
        metavar="T",
        help="a frame whose 32×32 grey image differs from the last classified one by less than T grey levels (mean) reuses its labels (default 2)",
    )
    p.add_argument("--no-reuse", action="store_true", help="classify every sampled frame")
    p.add_argument("--no-people", action="store_true", help="do not count faces and people on the frames")
    p.add_argument(
        "--objects",
        action="store_true",
        help="also detect objects (80 COCO classes, RetinaNet) on every classified frame; about 0.9 s per frame on a 2-core CPU",
    )
    p.add_argument("--no-scenes", action="store_true", help="skip shot, black and still-picture detection")
    p.add_argument("--shot-threshold", type=float, metavar="T", help="change score that starts a new shot (default 27, PySceneDetect's)")
    p.add_argument("--min-shot-frames", type=int, metavar="N", help="a cut closer than N frames to the previous one is ignored (default 15, PySceneDetect's)")
    p.add_argument("--black-level", type=float, metavar="L", dest="black_luma", help="a frame whose mean brightness (0-255) is under L is black (default 12)")
    p.add_argument("--black-min-s", type=float, metavar="S", help="shortest black segment, seconds (default 0.5)")
    p.add_argument(
        "--still-threshold",
        type=float,
        metavar="D",
        dest="static_diff",
        help="a frame differing from the one before by under D grey levels (mean) is still (default 1)",
    )
    p.add_argument("--still-min-s", type=float, metavar="S", dest="static_min_s", help="shortest still-picture segment, seconds (default 2)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("worker", help="process queued jobs")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.add_argument("--lease", type=float, help="lease in seconds (default REELSIGHT_LEASE_S or 60)")
    p.add_argument("--no-measure", action="store_true", help="skip loading the models and measuring their frames/s at start")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("jobs", help="list jobs with state and progress")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("cancel", help="cancel a job")
    p.add_argument("job_id")
    p.set_defaults(func=cmd_cancel)

    p = sub.add_parser("retry", help="retry a failed or cancelled job")
    p.add_argument("job_id")
    p.set_defaults(func=cmd_retry)

    p = sub.add_parser("browser-copies", help="queue browser copies of uploads not checked yet (e.g. analysed before copies existed)")
    p.set_defaults(func=cmd_browser_copies)

    p = sub.add_parser("export", help="write DIR/predictions.csv")
    p.add_argument("video_id", nargs="?")
    p.add_argument("--all", action="store_true", help="every video's latest run")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.add_argument("--run", metavar="RUN_ID", help="one specific run")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write DIR/report.html with its CSVs and word clouds")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.add_argument("--videos", help="comma-separated video ids (default: every analysed video)")
    p.add_argument("--threshold", type=float, metavar="VIEWS", help="popular from this many views (default: the median)")
    p.add_argument(
        "--level",
        choices=["label", "category", "custom"],
        default="label",
        help="read labels as they are, as the default categories, or as yours (see `categories`)",
    )
    p.add_argument("--unit", choices=["frames", "shots"], default="frames", help="count every sampled frame, or each shot once (its most frequent label)")
    p.add_argument("--leave-out", metavar="KINDS", help="comma-separated: black, static (still pictures), trims (outside the saved intro/outro)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("categories", help="label categories: show or write the default (or your) mapping, set yours from a CSV, clear it")
    c_sub = p.add_subparsers(dest="categories_command", required=True)
    c = c_sub.add_parser("show", help="each category with its label count; --out FILE writes the label,category CSV instead")
    c.add_argument("--custom", action="store_true", help="your categories instead of the default ones")
    c.add_argument("--out", type=Path, metavar="FILE", help="write label,category rows to this CSV file")
    c.set_defaults(func=cmd_categories)
    c = c_sub.add_parser("set", help="check a label,category CSV row by row and store it as your categories (all or nothing)")
    c.add_argument("csv", type=Path, metavar="FILE")
    c.set_defaults(func=cmd_categories)
    c = c_sub.add_parser("clear", help="delete your categories")
    c.set_defaults(func=cmd_categories)

    p = sub.add_parser("screentime", help="train a character classifier, or measure screen time with one")
    st_sub = p.add_subparsers(dest="screentime_command", required=True)
    t = st_sub.add_parser("train", help="train on labelled images; prints NAME:vN and the validation accuracy")
    t.add_argument("--mapping", type=Path, metavar="CSV", help="Image_ID,Class CSV naming the images")
    t.add_argument("--images", type=Path, metavar="DIR_OR_ZIP", help="the images the mapping names")
    t.add_argument("--folders", type=Path, metavar="DIR_OR_ZIP", help="instead: one sub-folder of images per class")
    t.add_argument("--name", required=True)
    t.add_argument("--classes", help="class names, e.g. 0=neither,1=Jerry,2=Tom (default: the numbers)")
    t.add_argument("--backbone", default="vgg16", choices=["vgg16", "resnet50", "inception_v3"])
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--image-size", type=int, metavar="PX", help="input side in pixels (default: the backbone's, 224 or 299)")
    t.add_argument("--fine-tune", type=int, default=0, metavar="N", help="then fine-tune the backbone's top block for N epochs")
    t.add_argument("--val-fraction", type=float, default=0.3, metavar="F", help="share of each class held out for validation")
    t.add_argument("--keep-conflicts", action="store_true", help="fail on ids labelled twice with different classes instead of dropping them")
    t.add_argument("--queue", action="store_true", help="queue the job for a worker instead of running it here")
    t.set_defaults(func=cmd_screentime_train)
    a = st_sub.add_parser("apply", help="apply a classifier; writes screentime.csv, frames.csv, segments.csv (and annotated.mp4) to DIR")
    a.add_argument("name", metavar="NAME", help="classifier name (latest version), NAME:vN, or id")
    a.add_argument("--video", metavar="VIDEO_ID")
    a.add_argument("--images", type=Path, metavar="DIR_OR_ZIP", help="an image sequence, in natural name order")
    a.add_argument("--seconds-per-image", type=float, metavar="S")
    a.add_argument("--fps", type=_fps, default=1.0, help="frames sampled per second of video (default 1; 'all' for every frame)")
    a.add_argument("--smooth", type=int, default=5, metavar="K", help="rolling mean over K samples (1 = off; default 5)")
    a.add_argument("--labels", type=Path, metavar="CSV", help="true classes (Image_ID,Class or frame,Class) to score accuracy")
    a.add_argument("--no-video", action="store_true", help="skip the annotated video")
    a.add_argument("--out", type=Path, required=True, metavar="DIR")
    a.add_argument("--queue", action="store_true", help="queue the job for a worker instead of running it here; prints the run id")
    a.set_defaults(func=cmd_screentime_apply)

    p = sub.add_parser("yt8m", help="YouTube-8M video-level features: import, train a multi-label classifier")
    y_sub = p.add_subparsers(dest="yt8m_command", required=True)
    for name, helptext in (
        ("import", "stream the records and print counts; prints the dataset id"),
        ("train", "import, then train and evaluate (on a split, or on --test-records / --test-dataset); writes metrics.json, per_class.csv, predictions.csv"),
    ):
        y = y_sub.add_parser(name, help=helptext)
        y.add_argument("--records", required=True, metavar="GLOB", help="TFRecord files: a glob, a folder or one file")
        y.add_argument("--vocabulary", required=True, type=Path, metavar="CSV", help="vocabulary.csv")
        if name == "import":
            y.set_defaults(func=cmd_yt8m_import)
            continue
        y.add_argument("--category", metavar="NAME", help="only videos with this label (e.g. Cooking) or vertical")
        y.add_argument("--features", default="rgb,audio", help="rgb, audio or rgb,audio (default)")
        y.add_argument("--epochs", type=int, default=10)
        y.add_argument("--hidden", type=int, default=1024, help="hidden units (default 1024)")
        y.add_argument("--batch-size", type=int, default=64)
        y.add_argument("--learning-rate", type=float, default=1e-3)
        y.add_argument("--top-n", type=int, metavar="N", help="only the N most frequent training labels")
        y.add_argument("--threshold", type=float, default=0.5, help="for per-class precision, recall and F1")
        y.add_argument("--test-records", metavar="GLOB", help="test on these TFRecords (e.g. a held-out validation file), imported with the same vocabulary")
        y.add_argument("--test-dataset", metavar="ID", help="test on this imported dataset instead of a split of the training records")
        y.add_argument("--out", required=True, type=Path, metavar="DIR")
        y.set_defaults(func=cmd_yt8m_train)

    p = sub.add_parser("bench", help="frames/s of each stage (decode, feed, models, pipeline, seed loop) on the same frames")
    p.add_argument("--video", type=Path, metavar="FILE", help="default: a generated clip (a cut every 4 s, slow drift between)")
    p.add_argument("--clip-seconds", type=float, default=20, metavar="S", help="length of the generated clip (default 20)")
    p.add_argument("--fps", type=float, default=5.0, help="sampled frames per second (default 5)")
    p.add_argument("--every-frame", action="store_true")
    p.add_argument("--max-frames", type=int, default=200, metavar="N", help="the first N sampled frames (default 200; 0 = all)")
    p.add_argument("--batch", type=int, metavar="B", help="frames per model call (default: REELSIGHT_BATCH_SIZE, or by device)")
    p.add_argument("--reuse-threshold", type=float, metavar="T", help="the pipeline's near-duplicate threshold (default 2)")
    p.add_argument("--no-reuse", action="store_true", help="the pipeline classifies every frame")
    p.add_argument("--no-scenes", action="store_true", help="the pipeline skips shot and segment detection")
    p.add_argument("--objects", action="store_true", help="the pipeline detects objects too (RetinaNet); model_only also times the detector alone")
    p.add_argument(
        "--modes", default="decode,feed,model_only,pipeline,naive", help="any of decode, feed, model_only, pipeline, naive, resize (comma-separated)"
    )
    p.add_argument("--json", type=Path, metavar="OUT")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("app", help="start the dashboard with one local worker")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true")
    p.set_defaults(func=cmd_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else (logging.INFO if args.command in ("worker", "app") else logging.WARNING)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        args.func(args)
    except ReelsightError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
