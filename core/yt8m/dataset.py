"""YouTube-8M video-level features: read the vocabulary and TFRecords, import a dataset.

A record is a ``tf.train.Example`` with ``id`` (bytes), ``labels`` (int64 list), ``mean_rgb``
(1024 floats) and ``mean_audio`` (128 floats). Reading TFRecords needs TensorFlow, so every
``tf`` call of the project lives here and in :mod:`core.yt8m.train`, imported lazily by the worker.

Import streams the records once: it counts videos, labels per video, and videos per label and
per vertical, and stores one small document per video (id and label indices) for browsing. Its
memory does not depend on the number of records beyond the per-label counters (≤ 3,862 entries).
"""

from __future__ import annotations

import glob
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import YT8MError
from core.jobs import RunningJob
from core.store import Store, new_id, new_job, utcnow

log = logging.getLogger(__name__)

IMPORT_JOB = "yt8m_import"
VOCAB_COLUMNS = ["Index", "TrainVideoCount", "KnowledgeGraphId", "Name", "WikiUrl", "Vertical1", "Vertical2", "Vertical3", "WikiDescription"]
FEATURES = {"rgb": ("mean_rgb", 1024), "audio": ("mean_audio", 128)}
"""Feature set name → (record key, length)."""
INSERT_BATCH = 1000


@dataclass(frozen=True)
class Record:
    video_id: str
    labels: np.ndarray
    """int64 label indices."""
    rgb: np.ndarray
    audio: np.ndarray


def read_vocabulary(path: Path) -> pd.DataFrame:
    """``vocabulary.csv`` → DataFrame indexed by class ``Index`` with Name and Vertical1–3."""
    path = Path(path)
    if not path.is_file():
        raise YT8MError(f"No such vocabulary file: {path}.")
    try:
        vocab = pd.read_csv(path, dtype={"Name": str, "Vertical1": str, "Vertical2": str, "Vertical3": str})
    except (ValueError, UnicodeDecodeError) as err:
        raise YT8MError(f"{path.name} is not a readable CSV ({err}). Use the vocabulary.csv that comes with YouTube-8M.") from err
    missing = [c for c in ("Index", "Name", "Vertical1") if c not in vocab.columns]
    if missing:
        raise YT8MError(
            f"{path.name} has columns {', '.join(vocab.columns[:6])}…, not YouTube-8M's ({', '.join(VOCAB_COLUMNS[:4])}, …): it lacks {', '.join(missing)}. Use the vocabulary.csv that comes with the dataset."
        )
    if not pd.api.types.is_integer_dtype(vocab["Index"]) or vocab["Index"].duplicated().any():
        raise YT8MError(f"{path.name}: the Index column must hold distinct whole numbers.")
    return vocab.set_index("Index").sort_index()


def resolve_records(spec: str | Path | list[Path]) -> list[Path]:
    """A glob (``data/train*.tfrecord``), a folder (its ``*.tfrecord`` files) or a list of files."""
    if isinstance(spec, list):
        files = [Path(p) for p in spec]
    else:
        text = str(spec)
        path = Path(text).expanduser()
        files = sorted(path.glob("*.tfrecord")) if path.is_dir() else sorted(Path(p) for p in glob.glob(str(Path(text).expanduser())))
    if not files:
        raise YT8MError(f"No TFRecord files match {spec}. Give a folder, a file or a glob such as 'data/train*.tfrecord'.")
    return files


def iter_records(files: list[Path], features: tuple[str, ...] = ("rgb", "audio")) -> Iterator[Record]:
    """Stream every record of ``files`` in order; errors name the file and the record number."""
    import tensorflow as tf

    spec: dict[str, Any] = {"id": tf.io.FixedLenFeature([], tf.string), "labels": tf.io.VarLenFeature(tf.int64)}
    for name in features:
        key, length = FEATURES[name]
        spec[key] = tf.io.FixedLenFeature([length], tf.float32)
    empty_rgb, empty_audio = np.zeros(0, np.float32), np.zeros(0, np.float32)
    for path in files:
        n = 0
        try:
            for raw in tf.data.TFRecordDataset(str(path)):
                try:
                    ex = tf.io.parse_single_example(raw, spec)
                except tf.errors.InvalidArgumentError as err:
                    raise YT8MError(
                        f"{path.name}, record {n + 1}: {_feature_problem(err.message)} Every record needs id, labels, mean_rgb (1024 floats) and mean_audio (128 floats)."
                    ) from err
                yield Record(
                    video_id=ex["id"].numpy().decode("utf-8", errors="replace"),
                    labels=ex["labels"].values.numpy(),
                    rgb=ex["mean_rgb"].numpy() if "mean_rgb" in ex else empty_rgb,
                    audio=ex["mean_audio"].numpy() if "mean_audio" in ex else empty_audio,
                )
                n += 1
        except tf.errors.DataLossError as err:
            raise YT8MError(f"{path.name} is not a TFRecord file, or its record {n + 1} is corrupt ({err.message.splitlines()[0]}).") from err
        except (tf.errors.NotFoundError, tf.errors.PermissionDeniedError) as err:
            raise YT8MError(f"Cannot read {path}: {err.message.splitlines()[0]}.") from err


def _feature_problem(message: str) -> str:
    for key, length in [*FEATURES.values(), ("id", 1), ("labels", 0)]:
        if f"Feature: {key} " in message or f"Key: {key}," in message or f"Key: {key}." in message:
            if "required but could not be found" in message:
                return f"the feature {key} is missing."
            return f"the feature {key} has the wrong length or type (expected {length} values)." if length else f"the feature {key} has the wrong type."
    return message.splitlines()[0] + "."


def check_records(files: list[Path], features: tuple[str, ...]) -> None:
    """Parse the first record of every file with the wanted features, so that a missing or
    mis-sized feature is reported with its file name before training starts."""
    for path in files:
        next(iter_records([path], features), None)


# ---------------------------------------------------------------- datasets


def vocabulary_doc(vocab: pd.DataFrame) -> dict[str, list]:
    """The parts of the vocabulary the pages need, as parallel lists."""
    return {
        "index": [int(i) for i in vocab.index],
        "name": vocab["Name"].fillna("").tolist(),
        "vertical": vocab["Vertical1"].fillna("").tolist(),
    }


def request_import(store: Store, records: list[Path] | str, vocabulary: Path, name: str | None = None) -> tuple[str, str]:
    """Check the vocabulary, create a dataset and queue its import; returns ``(dataset_id, job_id)``.

    ``records`` is a glob or folder on the worker's machine, or a list of stored files."""
    vocab = read_vocabulary(vocabulary)
    files = resolve_records(records)
    dataset_id = new_id()
    doc = {
        "_id": dataset_id,
        "name": name or (records if isinstance(records, str) else f"{len(files)} uploaded file(s)"),
        "records": [str(p) for p in files],
        "vocabulary": vocabulary_doc(vocab),
        "vocabulary_file": Path(vocabulary).name,
        "created_at": utcnow(),
    }
    return dataset_id, store.yt8m_datasets.create_with_job(doc, new_job(IMPORT_JOB, {"dataset_id": dataset_id}))


def save_uploads(data_dir: Path, records: list[tuple[str, bytes]], vocabulary: bytes) -> tuple[list[Path], Path]:
    """Write uploaded TFRecords and the vocabulary under ``data_dir/yt8m/<id>/``; returns their paths."""
    folder = Path(data_dir) / "yt8m" / new_id()
    folder.mkdir(parents=True)
    vocab_path = folder / "vocabulary.csv"
    vocab_path.write_bytes(vocabulary)
    files = []
    for name, content in records:
        path = folder / Path(name).name
        path.write_bytes(content)
        files.append(path)
    return files, vocab_path


def get_dataset(store: Store, dataset_id: str) -> dict[str, Any]:
    """The dataset document, or :class:`NotFoundError`."""
    return store.yt8m_datasets.get(dataset_id)


def run_import_job(ctx: RunningJob) -> None:
    """Stream the records once: statistics, unknown labels, and one browse document per video."""
    store = ctx.store
    dataset = get_dataset(store, ctx.job["params"]["dataset_id"])
    files = [Path(p) for p in dataset["records"]]
    known = set(dataset["vocabulary"]["index"])
    vertical_of = dict(zip(dataset["vocabulary"]["index"], dataset["vocabulary"]["vertical"]))
    label_counts: Counter[int] = Counter()
    per_video: Counter[int] = Counter()
    verticals: Counter[str] = Counter()
    unknown_labels: Counter[int] = Counter()
    unknown_records, n, batch = 0, 0, []
    try:
        for record in iter_records(files, features=()):
            labels = [int(x) for x in record.labels]
            label_counts.update(labels)
            per_video[len(labels)] += 1
            verticals.update({vertical_of.get(i) or "(none)" for i in labels if i in known})
            missing = [i for i in labels if i not in known]
            if missing:
                unknown_records += 1
                unknown_labels.update(missing)
            batch.append({"video_id": record.video_id, "labels": labels})
            n += 1
            if len(batch) == INSERT_BATCH:
                store.yt8m_datasets.add_videos(dataset["_id"], batch)
                batch.clear()
                ctx.progress("import", n, None, throttle_s=1.0)
        store.yt8m_datasets.add_videos(dataset["_id"], batch)
    except YT8MError:
        store.yt8m_datasets.delete_with_records(dataset["_id"])  # leave nothing half-imported
        raise
    stats = {
        "n_videos": n,
        "labels_per_video": {str(k): v for k, v in sorted(per_video.items())},
        "label_counts": {str(k): v for k, v in label_counts.most_common()},
        "vertical_counts": dict(verticals.most_common()),
        "unknown": {"records": unknown_records, "labels": {str(k): v for k, v in unknown_labels.most_common(20)}},
    }
    store.yt8m_datasets.set(dataset["_id"], stats=stats, imported_at=utcnow())
    log.info("yt8m dataset %s: %d videos, %d distinct labels", dataset["_id"], n, len(label_counts))


def category_indices(dataset: dict[str, Any], category: str) -> tuple[list[int], str]:
    """A label name (``Cooking``) or a vertical (``Food & Drink``) → its label indices and what matched."""
    vocab = dataset["vocabulary"]
    wanted = category.strip().lower()
    labels = [i for i, name in zip(vocab["index"], vocab["name"]) if name.lower() == wanted]
    if labels:
        return labels, "label"
    vertical = [i for i, v in zip(vocab["index"], vocab["vertical"]) if v.lower() == wanted]
    if vertical:
        return vertical, "vertical"
    raise YT8MError(
        f"{category!r} is neither a label name nor a vertical in {dataset.get('vocabulary_file', 'the vocabulary')}. Try a label such as 'Cooking' or a vertical such as 'Food & Drink'."
    )


def filter_videos(store: Store, dataset: dict[str, Any], category: str, limit: int = 200) -> tuple[int, pd.DataFrame]:
    """Videos having ``category`` (label or vertical): their total number, and up to ``limit`` of
    them with label names (columns video_id, labels)."""
    indices, _ = category_indices(dataset, category)
    total, ids = store.yt8m_datasets.videos_with_labels(dataset["_id"], indices, limit)
    if total == 0:
        raise YT8MError(f"No video in {dataset['name']} has {category!r}. Choose another label or vertical.")
    names = dict(zip(dataset["vocabulary"]["index"], dataset["vocabulary"]["name"]))
    docs = store.yt8m_datasets.video_labels(dataset["_id"], ids)
    rows = [{"video_id": v, "labels": ", ".join(names.get(i, f"unknown {i}") for i in docs.get(v, []))} for v in ids]
    return total, pd.DataFrame(rows, columns=["video_id", "labels"])


def counts_table(dataset: dict[str, Any], top: int | None = None) -> pd.DataFrame:
    """Videos per label with names: columns index, name, vertical, videos (most frequent first)."""
    vocab = dataset["vocabulary"]
    names, verticals = dict(zip(vocab["index"], vocab["name"])), dict(zip(vocab["index"], vocab["vertical"]))
    rows = [
        {"index": int(k), "name": names.get(int(k), "(not in the vocabulary)"), "vertical": verticals.get(int(k), ""), "videos": v}
        for k, v in dataset.get("stats", {}).get("label_counts", {}).items()
    ]
    table = pd.DataFrame(rows, columns=["index", "name", "vertical", "videos"])
    return table.head(top) if top else table
