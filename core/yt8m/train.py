"""A multi-label classifier on YouTube-8M video-level features, trained and evaluated as a job.

The model is the one the source notebook describes: standardised inputs → dense ``hidden`` ReLU →
sigmoid outputs over the classes, binary cross-entropy, Adam, batches of 64.

Everything streams from the TFRecords through ``tf.data``; nothing holds the whole dataset:

1. one pass computes the split sizes, the training labels' frequencies and the features' mean
   and variance (running sums);
2. ``model.fit`` reads the training split once per epoch (shuffled in a bounded buffer);
3. the test set is scored, capped at ``max_test`` videos (memory: max_test × classes floats):
   the test split of the training records, or every video of another imported dataset
   (``YT8MSettings.test_dataset``, e.g. a held-out validation file).

A video's split follows a hash of its id (``tf.strings.to_hash_bucket_fast``, 1,000 buckets), so
it is the same in every run and needs no list of ids. With a held-out test dataset the training
records' test share is trained on too; the validation split stays the same.

The model scores only the classes seen in training. Test labels of other classes are kept aside
(``unscored`` in the stored test predictions) so that the official metrics count them: see
:mod:`core.yt8m.evaluation` and :mod:`core.yt8m.metrics`.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import YT8MError
from core.exports import output_dir, to_csv
from core.jobs import RunningJob, enqueue
from core.store import Store, new_id, utcnow
from core.yt8m import metrics as mm
from core.yt8m.dataset import FEATURES, category_indices, check_records, get_dataset
from core.yt8m.evaluation import describe_test_set, evaluate, readings, unscored_matrix

log = logging.getLogger(__name__)

TRAIN_JOB = "yt8m_train"
BUCKETS = 1000
SHUFFLE_BUFFER = 10_000


@dataclass(frozen=True)
class YT8MSettings:
    features: tuple[str, ...] = ("rgb", "audio")
    hidden: int = 1024
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    """Train, validation and test shares (they must add up to 1)."""
    category: str | None = None
    """Train only on videos with this label or vertical."""
    top_n: int | None = None
    """Train only on the N most frequent training labels (default: every label seen in training)."""
    threshold: float = 0.5
    max_test: int = 20_000
    seed: int = 0
    test_dataset: str | None = None
    """Evaluate on every video of this imported dataset (a held-out file) instead of the test split."""

    def __post_init__(self) -> None:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or not self.features:
            raise YT8MError(f"Features must be rgb, audio or both, not {', '.join(unknown) or 'none'}.")
        object.__setattr__(self, "features", tuple(f for f in FEATURES if f in self.features))
        object.__setattr__(self, "split", tuple(float(s) for s in self.split))
        needs_test = not self.test_dataset
        if len(self.split) != 3 or min(self.split) < 0 or abs(sum(self.split) - 1) > 1e-6 or self.split[0] <= 0 or (needs_test and self.split[2] <= 0):
            raise YT8MError(
                f"The split {self.split} must be three shares (train, validation, test) adding up to 1, with training"
                + (" and test above 0 (or choose a held-out test dataset)." if needs_test else " above 0.")
            )
        if not 1 <= self.epochs <= 1000 or not 1 <= self.hidden <= 16384 or not 1 <= self.batch_size <= 8192:
            raise YT8MError("Epochs (1–1000), hidden units (1–16384) and batch size (1–8192) are out of range.")
        if not 0 < self.threshold < 1:
            raise YT8MError(f"The threshold must be between 0 and 1, not {self.threshold}.")
        if self.top_n is not None and self.top_n < 2:
            raise YT8MError("Top-N classes needs N of at least 2.")

    @property
    def input_size(self) -> int:
        return sum(FEATURES[f][1] for f in self.features)

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["features"], doc["split"] = list(self.features), list(self.split)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> YT8MSettings:
        return cls(**{**doc, "features": tuple(doc["features"]), "split": tuple(doc["split"])})


def request_training(store: Store, dataset_id: str, settings: YT8MSettings, name: str | None = None) -> str:
    """Queue a training job on an imported dataset; checks the category and the test dataset now. Returns the job id."""
    dataset = get_dataset(store, dataset_id)
    test = _test_dataset(store, dataset, settings.test_dataset) if settings.test_dataset else None
    if settings.category:
        indices, _ = category_indices(dataset, settings.category)
        for which, what in ((dataset, "to train on"), (test, "to test on")):
            if which is not None and which.get("stats") is not None and store.yt8m_datasets.count_with_labels(which["_id"], indices) == 0:
                raise YT8MError(f"No video in {which['name']} has {settings.category!r}: the filter leaves nothing {what}. Choose another label or vertical.")
    return enqueue(store, TRAIN_JOB, {"dataset_id": dataset_id, "settings": settings.to_doc(), "name": name or settings.category or "all labels"})


def _test_dataset(store: Store, dataset: dict[str, Any], test_id: str) -> dict[str, Any]:
    """The held-out test dataset, checked: imported, not the training dataset, and with videos."""
    if test_id == dataset["_id"]:
        raise YT8MError(f"{dataset['name']} is the training dataset: choose another dataset to test on, or test on a split of this one.")
    test = get_dataset(store, test_id)
    if "stats" not in test:
        raise YT8MError(f"Test dataset {test['name']} has not been imported yet; wait for its import job.")
    if test["stats"]["n_videos"] == 0:
        raise YT8MError(f"Test dataset {test['name']} has no video. Import a TFRecord file with records to test on.")
    return test


# ---------------------------------------------------------------- tf.data


def _parsed(tf: Any, files: list[Path], settings: YT8MSettings, subset: list[int] | None) -> Any:
    """(id, bucket, labels int64[None], x float32[D]) per record, optionally only videos in ``subset``."""
    spec = {"id": tf.io.FixedLenFeature([], tf.string), "labels": tf.io.VarLenFeature(tf.int64)}
    for f in settings.features:
        key, length = FEATURES[f]
        spec[key] = tf.io.FixedLenFeature([length], tf.float32)
    keys = [FEATURES[f][0] for f in settings.features]

    def parse(raw: Any) -> tuple[Any, ...]:
        ex = tf.io.parse_single_example(raw, spec)
        x = tf.concat([ex[k] for k in keys], axis=0)
        return ex["id"], tf.strings.to_hash_bucket_fast(ex["id"], BUCKETS), ex["labels"].values, x

    ds = tf.data.TFRecordDataset([str(p) for p in files]).map(parse, num_parallel_calls=tf.data.AUTOTUNE)
    if subset:
        wanted = tf.constant(subset, tf.int64)
        ds = ds.filter(lambda vid, bucket, labels, x: tf.reduce_any(tf.equal(labels[:, None], wanted[None, :])))
    return ds


def _in_part(bucket: Any, settings: YT8MSettings, part: str) -> Any:
    """Whether hash buckets (a numpy array or a tf tensor) belong to ``part`` (``train``, ``val``,
    ``test``, or ``all`` for a held-out test dataset). Buckets [0, train) train, then validation,
    then test; with a held-out test dataset the test share trains too."""
    train, val, _ = settings.split
    lo, hi = round(train * BUCKETS), round((train + val) * BUCKETS)
    if part == "all":
        return bucket >= 0
    if part == "val":
        return (bucket >= lo) & (bucket < hi)
    if part == "test":
        return bucket >= hi
    return (bucket < lo) | (bucket >= hi) if settings.test_dataset else bucket < lo


def _examples(tf: Any, parsed: Any, settings: YT8MSettings, part: str, classes: list[int], with_ids: bool = False) -> Any:
    """Batches of (x, multi-hot y over ``classes``) for one part (see :func:`_in_part`). With
    ``with_ids``: (x, y, id, every label index of the video) in ragged batches, for the test."""
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(classes, tf.int64), tf.range(len(classes), dtype=tf.int64)), default_value=-1
    )
    n = len(classes)

    def encode(vid: Any, bucket: Any, labels: Any, x: Any) -> tuple[Any, ...]:
        positions = table.lookup(labels)
        positions = tf.boolean_mask(positions, positions >= 0)
        y = tf.minimum(tf.scatter_nd(positions[:, None], tf.ones_like(positions, tf.float32), [n]), 1.0)
        return (x, y, vid, labels) if with_ids else (x, y)

    ds = parsed.filter(lambda vid, bucket, labels, x: _in_part(bucket, settings, part)).map(encode, num_parallel_calls=tf.data.AUTOTUNE)
    if part == "train":
        ds = ds.shuffle(SHUFFLE_BUFFER, seed=settings.seed, reshuffle_each_iteration=True)
    return (ds.ragged_batch(settings.batch_size) if with_ids else ds.batch(settings.batch_size)).prefetch(tf.data.AUTOTUNE)


def _scan(tf: Any, parsed: Any, settings: YT8MSettings, ctx: RunningJob) -> dict[str, Any]:
    """One streaming pass: split sizes, training label counts, and the training features' mean and variance."""
    sizes = {"train": 0, "val": 0, "test": 0}
    label_counts = np.zeros(0, dtype=np.int64)
    total = np.zeros(settings.input_size)
    total_sq = np.zeros(settings.input_size)
    seen = 0
    for _, bucket, labels, x in parsed.ragged_batch(1024).as_numpy_iterator():
        bucket = bucket.astype(int)
        train = _in_part(bucket, settings, "train")
        sizes["train"] += int(train.sum())
        sizes["val"] += int(_in_part(bucket, settings, "val").sum())
        sizes["test"] += 0 if settings.test_dataset else int(_in_part(bucket, settings, "test").sum())
        x64 = x[train].astype(np.float64)
        total += x64.sum(axis=0)
        total_sq += (x64**2).sum(axis=0)
        rows = labels.to_list() if hasattr(labels, "to_list") else labels  # a ragged batch comes back as a list-like of arrays
        flat = np.array([label for row, keep in zip(rows, train) if keep for label in row], dtype=np.int64)
        if flat.size:
            counts = np.bincount(flat)
            if len(counts) > len(label_counts):
                label_counts = np.pad(label_counts, (0, len(counts) - len(label_counts)))
            label_counts[: len(counts)] += counts
        seen += len(bucket)
        ctx.progress("scan", seen, None, throttle_s=1.0)
    n = max(sizes["train"], 1)
    mean = total / n
    variance = np.maximum(total_sq / n - mean**2, 1e-12)
    return {"sizes": sizes, "label_counts": label_counts, "mean": mean, "variance": variance}


def build_model(keras: Any, input_size: int, n_classes: int, mean: np.ndarray, variance: np.ndarray, settings: YT8MSettings) -> Any:
    model = keras.Sequential(
        [
            keras.Input((input_size,)),
            keras.layers.Normalization(mean=mean.astype("float32"), variance=variance.astype("float32")),
            keras.layers.Dense(settings.hidden, activation="relu"),
            keras.layers.Dense(n_classes, activation="sigmoid"),
        ],
        name="yt8m_multilabel",
    )
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="binary_crossentropy")
    return model


def run_train_job(ctx: RunningJob) -> None:
    """Execute a ``yt8m_train`` job; the model document is written last, with its blobs."""
    import keras
    import tensorflow as tf

    store, params = ctx.store, ctx.job["params"]
    if store.yt8m_models.by_job(ctx.job["_id"]):
        return
    settings = YT8MSettings.from_doc(params["settings"])
    dataset = get_dataset(store, params["dataset_id"])
    if "stats" not in dataset:
        raise YT8MError(f"Dataset {dataset['name']} has not been imported yet; wait for its import job.")
    unknown = dataset["stats"]["unknown"]
    if unknown["records"]:
        raise YT8MError(
            f"{dataset.get('vocabulary_file', 'The vocabulary')} does not cover label indices {', '.join(list(unknown['labels'])[:8])} "
            f"used by {unknown['records']} record(s). Import the records with the vocabulary that came with them."
        )
    test = _test_dataset(store, dataset, settings.test_dataset) if settings.test_dataset else None
    if test and test["stats"]["unknown"]["records"]:
        raise YT8MError(
            f"Test dataset {test['name']} uses label indices ({', '.join(list(test['stats']['unknown']['labels'])[:8])}) that "
            f"{test.get('vocabulary_file', 'its vocabulary')} does not cover. Import it with the vocabulary that came with the records."
        )
    subset = category_indices(dataset, settings.category)[0] if settings.category else None
    files = [Path(p) for p in dataset["records"]]
    check_records(files + ([Path(p) for p in test["records"]] if test else []), settings.features)
    keras.utils.set_random_seed(settings.seed)
    try:
        _train(ctx, tf, keras, dataset, test, settings, subset, params.get("name"))
    except (tf.errors.InvalidArgumentError, tf.errors.DataLossError) as err:  # a bad record past the first of its file
        files += [Path(p) for p in test["records"]] if test else []
        raise YT8MError(
            f"A record in {', '.join(p.name for p in files[:3])}{'…' if len(files) > 3 else ''} could not be read: {err.message.splitlines()[0]}"
        ) from err


def _train(
    ctx: RunningJob,
    tf: Any,
    keras: Any,
    dataset: dict[str, Any],
    test: dict[str, Any] | None,
    settings: YT8MSettings,
    subset: list[int] | None,
    name: str | None,
) -> None:
    """Scan, fit and evaluate (see the module docstring), then store the model document and its blobs."""
    store = ctx.store
    parsed = _parsed(tf, [Path(p) for p in dataset["records"]], settings, subset)
    scan = _scan(tf, parsed, settings, ctx)
    if scan["sizes"]["train"] == 0 or (scan["sizes"]["test"] == 0 and not test):
        what = f"videos with {settings.category!r}" if settings.category else "videos"
        raise YT8MError(
            f"Only {sum(scan['sizes'].values())} {what} in {dataset['name']}: too few for a training split of {scan['sizes']['train']} and a test split of {scan['sizes']['test']}. Import more records or widen the filter."
        )
    order = np.argsort(-scan["label_counts"], kind="stable")
    classes = [int(c) for c in order if scan["label_counts"][c] > 0][: settings.top_n or None]
    names = dict(zip(dataset["vocabulary"]["index"], dataset["vocabulary"]["name"]))

    model = build_model(keras, settings.input_size, len(classes), scan["mean"], scan["variance"], settings)
    train_ds = _examples(tf, parsed, settings, "train", classes)
    val_ds = _examples(tf, parsed, settings, "val", classes) if scan["sizes"]["val"] else None

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            ctx.progress("train", epoch + 1, settings.epochs)

    ctx.progress("train", 0, settings.epochs)
    fit = model.fit(train_ds, validation_data=val_ds, epochs=settings.epochs, callbacks=[Progress()], verbose=0, shuffle=False)  # tf.data shuffles
    history = [{"epoch": i + 1, **{k: float(v[i]) for k, v in fit.history.items()}} for i in range(len(fit.history.get("loss", [])))]

    ctx.progress("evaluate", 0, None)
    test_parsed = _parsed(tf, [Path(p) for p in test["records"]], settings, subset) if test else parsed
    test_examples = _examples(tf, test_parsed, settings, "all" if test else "test", classes, with_ids=True)
    ids, score_parts, label_parts, kept = [], [], [], 0
    unscored_video: list[int] = []
    unscored_class: list[int] = []
    known = set(classes)
    for x, y, vid, all_labels in test_examples.as_numpy_iterator():
        take = min(len(x), settings.max_test - kept)
        score_parts.append(np.asarray(model.predict_on_batch(x[:take]), dtype=np.float32))
        label_parts.append(y[:take].astype(np.uint8))
        ids.extend(v.decode("utf-8", errors="replace") for v in vid[:take])
        rows = all_labels.to_list() if hasattr(all_labels, "to_list") else all_labels
        for i, row in enumerate(list(rows)[:take]):
            other = sorted({int(c) for c in row} - known)
            unscored_video += [kept + i] * len(other)
            unscored_class += other
        kept += take
        if kept >= settings.max_test:
            break
    if not ids:
        what = f"videos with {settings.category!r}" if settings.category else "videos"
        raise YT8MError(f"Test dataset {test['name'] if test else dataset['name']} has no {what} to test on. Choose another test dataset or widen the filter.")
    scores, labels = np.concatenate(score_parts), np.concatenate(label_parts)
    stored = {"ids": np.array(ids), "unscored_video": np.array(unscored_video, np.int32), "unscored_class": np.array(unscored_class, np.int64)}
    metrics, per_class = evaluate(scores, labels, unscored_matrix(stored), settings.threshold)
    per_class.insert(0, "name", [names.get(c, str(c)) for c in classes])
    per_class.insert(0, "class_index", classes)
    metrics.update(n_train=scan["sizes"]["train"], n_val=scan["sizes"]["val"], n_test=len(ids), n_classes=len(classes))

    with tempfile.TemporaryDirectory(prefix="reelsight-yt8m-") as tmp:
        model_path = Path(tmp) / "yt8m_model.keras"
        model.save(model_path)
        test_path = Path(tmp) / "test_predictions.npz"
        np.savez_compressed(test_path, scores=scores, labels=labels, classes=np.array(classes), **stored)
        model_blob = store.blobs.put_file(model_path, "yt8m_model.keras")
        test_blob = store.blobs.put_file(test_path, "test_predictions.npz")
    store.yt8m_models.insert(
        {
            "_id": new_id(),
            "dataset": dataset["_id"],
            "name": name,
            "settings": settings.to_doc(),
            "test_set": describe_test_set(dataset, test, settings.split[2], len(ids)),
            "metrics": _finite(metrics),
            "per_class": [{k: _finite(v) for k, v in row.items()} for row in per_class.to_dict("records")],
            "history": history,
            "model_blob": model_blob,
            "test_blob": test_blob,
            "job_id": ctx.job["_id"],
            "device": ctx.device,
            "created_at": utcnow(),
        }
    )
    log.info("yt8m model on %s: mAP %.3f, GAP %.3f", dataset["name"], metrics["map"], metrics["gap"])


def _finite(value: Any) -> Any:
    """NaN (an AP or mean with no positive to score) is stored as None: documents hold JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return int(value) if isinstance(value, (int, np.integer)) else value


# ---------------------------------------------------------------- results


def get_model(store: Store, model_id: str) -> dict[str, Any]:
    return store.yt8m_models.get(model_id)


def test_predictions(store: Store, doc: dict[str, Any]) -> dict[str, np.ndarray]:
    """The test set's ids, scores (videos × classes), labels and class indices, and the labels of
    classes the model does not score as pairs ``unscored_video`` (row) and ``unscored_class`` (index)."""
    with np.load(store.blobs.local_path(doc["test_blob"])) as data:
        return {k: data[k] for k in data.files}


def predictions_table(store: Store, doc: dict[str, Any]) -> pd.DataFrame:
    """video_id, class_index, score, label: every test video × every class the model scores, with
    the model's float32 scores unrounded (they read back exactly as float32), then one row per
    test label of a class the model does not score, with no score and label 1. The official
    metrics can be recomputed from this table alone; the in-vocabulary ones from its scored rows."""
    test = test_predictions(store, doc)
    n_videos, n_classes = test["scores"].shape
    scored = pd.DataFrame(
        {
            "video_id": np.repeat(test["ids"], n_classes),
            "class_index": np.tile(test["classes"].astype(np.int64), n_videos),
            "score": test["scores"].ravel(),
            "label": test["labels"].ravel().astype(int),
            "_row": np.repeat(np.arange(n_videos), n_classes),
        }
    )
    rows = test.get("unscored_video", np.zeros(0, int)).astype(int)
    unscored = pd.DataFrame(
        {
            "video_id": test["ids"][rows],
            "class_index": test.get("unscored_class", np.zeros(0, np.int64)).astype(np.int64),
            "score": np.full(len(rows), np.nan, np.float32),
            "label": 1,
            "_row": rows,
        }
    )
    table = pd.concat([scored, unscored], ignore_index=True) if len(unscored) else scored
    return table.sort_values("_row", kind="stable", ignore_index=True).drop(columns="_row")


def metrics_json(doc: dict[str, Any]) -> str:
    return json.dumps(readings(doc) | {"settings": doc["settings"]}, indent=2)


def write_outputs(store: Store, doc: dict[str, Any], out: Path) -> list[Path]:
    """``metrics.json``, ``per_class.csv`` and ``predictions.csv`` in ``out``."""
    out = output_dir(out)
    (out / "metrics.json").write_text(metrics_json(doc))
    to_csv(pd.DataFrame(doc["per_class"])[["class_index", "name", "support", "ap", "precision", "recall", "f1"]], out / "per_class.csv")
    to_csv(predictions_table(store, doc), out / "predictions.csv")
    return [out / "metrics.json", out / "per_class.csv", out / "predictions.csv"]


def model_bytes(store: Store, doc: dict[str, Any]) -> bytes:
    return store.blobs.local_path(doc["model_blob"]).read_bytes()


def class_curves(test: dict[str, np.ndarray], positions: list[int], names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Precision–recall and ROC points for the chosen class positions (column ``curve`` holds the name)."""
    pr, roc = [], []
    for pos, name in zip(positions, names):
        scores, labels = test["scores"][:, pos], test["labels"][:, pos]
        pr.append(mm.pr_curve(scores, labels).assign(curve=name))
        roc.append(mm.roc_curve(scores, labels).assign(curve=name))
    empty_pr, empty_roc = pd.DataFrame(columns=["threshold", "precision", "recall", "curve"]), pd.DataFrame(columns=["threshold", "fpr", "tpr", "curve"])
    return (pd.concat(pr, ignore_index=True) if pr else empty_pr), (pd.concat(roc, ignore_index=True) if roc else empty_roc)


def per_class_at(test: dict[str, np.ndarray], doc: dict[str, Any], threshold: float) -> pd.DataFrame:
    """The per-class table at another threshold (AP does not depend on it)."""
    table = mm.per_class_table(test["scores"], test["labels"], threshold)
    names = {row["class_index"]: row["name"] for row in doc["per_class"]}
    table.insert(0, "name", [names.get(int(c), str(c)) for c in test["classes"]])
    table.insert(0, "class_index", test["classes"].astype(int))
    return table


def frequent_confusion(test: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list[int]]:
    """Confusion among the ``n`` classes with the most test positives, and their column positions."""
    positions = [int(p) for p in np.argsort(-test["labels"].sum(axis=0, dtype=np.int64), kind="stable")[:n]]
    return mm.top_class_confusion(test["scores"], test["labels"], np.array(positions)), positions
