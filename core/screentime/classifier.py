"""Screen-time classifiers: a frozen ImageNet backbone plus a small dense head, trained as a job.

Training, as in the Tom & Jerry tutorial and the lecture:

    images → resize to the backbone's input → frozen backbone (global average pooled features,
    computed once) → dense head with dropout, class weights against imbalance, stratified
    train/validation split, best epoch kept by validation loss
    → optionally, fine-tune the backbone's top block at a low learning rate

The stored classifier is the whole network (backbone and head) as a ``.keras`` blob, with its
class names and settings, in ``classifiers`` under a name and an increasing version, so any
worker can load it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.config import MAX_IMAGE_MP
from core.errors import NotFoundError, ScreenTimeError, TrainingSetError
from core.inference import BACKBONES, ModelRunner, RuntimePlan, build_model, current_plan, run_batches
from core.jobs import RunningJob, enqueue
from core.media import frames
from core.screentime import classmetrics, trainingset
from core.store import VERSION_ATTEMPTS, Store, VersionConflict, utcnow

log = logging.getLogger(__name__)

JOB_KIND = "train_classifier"
FEATURE_BATCH = 16
"""Images per backbone call while extracting features."""


@dataclass(frozen=True)
class TrainSettings:
    """What the analyst chose. ``image_size=None`` uses the backbone's native input (224 or 299 px)."""

    backbone: str = "vgg16"
    epochs: int = 40
    image_size: int | None = None
    val_fraction: float = 0.3
    batch_size: int = 32
    hidden: tuple[int, ...] = (512, 256)
    dropout: float = 0.5
    learning_rate: float = 1e-3
    fine_tune_epochs: int = 0
    """Epochs of fine-tuning the backbone's top block after the head has trained; 0 turns it off."""
    seed: int = 0

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise ScreenTimeError(f"Unknown backbone {self.backbone!r}; choose {', '.join(BACKBONES)}.")
        if not 1 <= self.epochs <= 1000 or not 0 <= self.fine_tune_epochs <= 100:
            raise ScreenTimeError("Epochs must be between 1 and 1000 (fine-tuning epochs between 0 and 100).")
        if not 0.05 <= self.val_fraction <= 0.5:
            raise ScreenTimeError(f"The validation share must be between 0.05 and 0.5, not {self.val_fraction}.")
        if self.image_size is not None and not 32 <= self.image_size <= 512:
            raise ScreenTimeError(f"The image size must be between 32 and 512 pixels, not {self.image_size}.")
        if self.image_size is not None and self.backbone == "inception_v3" and self.image_size < 75:
            raise ScreenTimeError("InceptionV3 needs images of at least 75 pixels.")
        if not 0 <= self.dropout < 1:
            raise ScreenTimeError("Dropout must be at least 0 and below 1.")
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))

    @property
    def size(self) -> int:
        return self.image_size or BACKBONES[self.backbone].size

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["hidden"] = list(self.hidden)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> TrainSettings:
        return cls(**{**doc, "hidden": tuple(doc.get("hidden", (512, 256)))})


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 60 or any(c in name for c in "/\\:"):
        raise ScreenTimeError(f"Classifier name {name!r}: use 1 to 60 characters without / \\ or :, e.g. tom-and-jerry.")
    return name


def request_training(store: Store, labelset_id: str, name: str, settings: TrainSettings) -> str:
    """Queue a training job for a stored training set; returns the job id."""
    if not store.labelsets.exists(labelset_id):
        raise NotFoundError(f"Training set {labelset_id} does not exist. Upload the training images again.")
    return enqueue(store, JOB_KIND, {"labelset_id": labelset_id, "name": check_name(name), "settings": settings.to_doc()})


def stratified_split(labels: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, validation)``: each class contributes ``round(n × val_fraction)`` images
    to validation, at least one, and keeps at least one for training."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_val = min(max(1, round(len(idx) * val_fraction)), len(idx) - 1)
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return np.sort(np.array(train, dtype=int)), np.sort(np.array(val, dtype=int))


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """``n / (classes × count)`` per output index present in ``labels``, so each class weighs the same."""
    values, counts = np.unique(labels, return_counts=True)
    return {int(v): float(len(labels) / (len(values) * c)) for v, c in zip(values, counts)}


def resize_rgb(rgb: np.ndarray, size: int) -> np.ndarray:
    """RGB uint8 H×W×3 → size×size×3 (area interpolation; training and applying a classifier both use it)."""
    return cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)


def read_image(path: Path, size: int, *, max_mp: float = MAX_IMAGE_MP) -> np.ndarray:
    """The image at ``path`` as RGB uint8, size×size×3; refused before decoding over ``max_mp`` megapixels
    (:func:`core.screentime.trainingset.pixel_size`)."""
    if trainingset.pixel_size(path, max_mp) is None:
        raise TrainingSetError(f"{path.name} does not decode as an image.")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise TrainingSetError(f"{path.name} does not decode as an image.")
    return resize_rgb(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), size)


def load_pixels(ctx: RunningJob, training_set: trainingset.TrainingSet, size: int) -> np.ndarray:
    """Every item's image as uint8, N×size×size×3, in item order."""
    if training_set.kind != "frames":
        assert training_set.image_dir is not None
        out = np.empty((len(training_set.items), size, size, 3), dtype=np.uint8)
        for i, item in enumerate(training_set.items):
            out[i] = read_image(training_set.image_dir / item.image, size, max_mp=ctx.settings.max_image_mp)
            if i % 32 == 0:
                ctx.progress("read images", i, len(training_set.items), throttle_s=1.0)
        return out
    from core.media import video_file

    wanted: dict[str, set[int]] = {}
    for item in training_set.items:
        video_id, frame = item.image.rsplit(":", 1)
        wanted.setdefault(video_id, set()).add(int(frame))
    decoded: dict[str, np.ndarray] = {}
    for video_id, indices in wanted.items():
        ctx.progress("read frames", len(decoded), len(training_set.items))
        path = video_file(ctx, ctx.store.videos.get(video_id))
        for index, pixels in frames.read_frames(path, indices, lambda rgb: resize_rgb(rgb, size)).items():
            decoded[f"{video_id}:{index}"] = pixels
    missing = [item.image for item in training_set.items if item.image not in decoded]
    if missing:
        raise TrainingSetError(f"Frames {', '.join(missing[:5])} could not be decoded from their videos. Remove their labels or add the video again.")
    return np.stack([decoded[item.image] for item in training_set.items])


def runtime_plan() -> RuntimePlan:
    """The inference runtime's plan for screen-time models: this device's call path, channels_last
    (a trained classifier keeps the layout it was built with)."""
    return dataclasses.replace(current_plan(), channels_first=False)


def backbone_features(backbone: Any, preprocess: Any, pixels: np.ndarray, on_batch: Any) -> np.ndarray:
    """Pooled backbone features, N×F float32, for uint8 N×S×S×3 RGB, ``FEATURE_BATCH`` images at a time."""
    return run_batches(ModelRunner(backbone, preprocess, runtime_plan()), pixels, FEATURE_BATCH, on_batch)


def _keep_best(ctx: RunningJob, stage: str, epochs: int) -> Any:
    """A ``model.fit`` callback that keeps the weights of the lowest validation loss and reports each epoch."""
    import keras

    class KeepBest(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.best, self.epoch, self.weights = math.inf, -1, None

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            loss = (logs or {}).get("val_loss", math.inf)
            if loss < self.best:
                self.best, self.epoch, self.weights = loss, epoch, self.model.get_weights()
            ctx.progress(stage, epoch + 1, epochs)

        def on_train_end(self, logs: dict | None = None) -> None:
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return KeepBest()


def _head(keras: Any, train_features: np.ndarray, n_classes: int, settings: TrainSettings) -> Any:
    """Standardise the features (mean and variance of the training split), then dense layers with dropout."""
    normalize = keras.layers.Normalization()
    normalize.adapt(train_features)
    layers: list[Any] = [keras.Input((train_features.shape[1],)), normalize]
    for units in settings.hidden:
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(settings.dropout)]
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    return keras.Sequential(layers, name="head")


def _history(history: Any, stage: str, offset: int) -> list[dict[str, Any]]:
    h = history.history
    return [
        {"epoch": offset + i + 1, "stage": stage, **{k: float(h[k][i]) for k in ("loss", "val_loss", "accuracy", "val_accuracy") if k in h}}
        for i in range(len(h.get("loss", [])))
    ]


def train(ctx: RunningJob, training_set: trainingset.TrainingSet, settings: TrainSettings) -> tuple[Any, dict[str, Any]]:
    """Train on ``training_set``; returns the full Keras model (image → class probabilities) and
    a document of metrics: ``val_accuracy``, ``confusion``, ``per_class``, ``history``, ``best_epoch``, split sizes."""
    import keras

    keras.utils.set_random_seed(settings.seed)
    spec = BACKBONES[settings.backbone]
    class_ids = sorted(training_set.classes)
    names = [training_set.classes[c] for c in class_ids]
    y = np.array([class_ids.index(item.class_id) for item in training_set.items])
    train_idx, val_idx = stratified_split(y, settings.val_fraction, settings.seed)
    pixels = load_pixels(ctx, training_set, settings.size)

    ctx.progress("loading backbone", 0, None)
    backbone = build_model(spec, ctx.settings.weights, include_top=False, size=settings.size)
    backbone.trainable = False
    features = backbone_features(backbone, spec.preprocess, pixels, lambda done, total: ctx.progress("features", done, total, throttle_s=1.0))

    head = _head(keras, features[train_idx], len(class_ids), settings)
    head.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    weights = balanced_class_weights(y[train_idx])
    keeper = _keep_best(ctx, "train head", settings.epochs)
    fit = head.fit(
        features[train_idx],
        y[train_idx],
        validation_data=(features[val_idx], y[val_idx]),
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        class_weight=weights,
        callbacks=[keeper],
        verbose=0,
    )
    history = _history(fit, "head", 0)
    best_epoch = keeper.epoch + 1

    inputs = keras.Input((settings.size, settings.size, 3))
    model = keras.Model(inputs, head(backbone(inputs, training=False)), name=f"screentime_{settings.backbone}")
    if settings.fine_tune_epochs:
        backbone.trainable = True
        start = [layer.name for layer in backbone.layers].index(spec.top_block)
        for layer in backbone.layers[:start]:
            layer.trainable = False
        model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate / 100), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x = spec.preprocess(pixels.astype("float32"))
        keeper = _keep_best(ctx, "fine-tune", settings.fine_tune_epochs)
        fit = model.fit(
            x[train_idx],
            y[train_idx],
            validation_data=(x[val_idx], y[val_idx]),
            epochs=settings.fine_tune_epochs,
            batch_size=min(settings.batch_size, 16),
            class_weight=weights,
            callbacks=[keeper],
            verbose=0,
        )
        history += _history(fit, "fine-tune", settings.epochs)
        if keeper.best < min(h["val_loss"] for h in history if h["stage"] == "head"):
            best_epoch = settings.epochs + keeper.epoch + 1
        backbone.trainable = False

    ctx.progress("evaluate", 0, None)
    val_probs = predict_probs(model, settings.backbone, pixels[val_idx])
    metrics = classmetrics.evaluate(y[val_idx], val_probs.argmax(axis=1), names)
    return model, {
        "val_accuracy": metrics["accuracy"],
        "confusion": metrics["confusion"],
        "per_class": metrics["per_class"],
        "history": history,
        "best_epoch": best_epoch,
        "n_train": int(len(train_idx)),
        "n_val": int(len(val_idx)),
        "class_weights": {names[k]: round(v, 4) for k, v in weights.items()},
    }


def predict_probs(model: Any, backbone: str, pixels: np.ndarray, batch: int = FEATURE_BATCH) -> np.ndarray:
    """Class probabilities, N×C float32, for uint8 N×S×S×3 images."""
    return run_batches(ModelRunner(model, BACKBONES[backbone].preprocess, runtime_plan()), pixels, batch)


def run_train_job(ctx: RunningJob) -> None:
    """Execute a ``train_classifier`` job and store the classifier (one document, written last)."""
    store, params = ctx.store, ctx.job["params"]
    if store.classifiers.by_job(ctx.job["_id"]):
        return  # an earlier attempt stored it just before dying
    settings = TrainSettings.from_doc(params["settings"])
    with tempfile.TemporaryDirectory(prefix="reelsight-train-") as tmp:
        training_set = trainingset.load(store, params["labelset_id"], Path(tmp), limits=trainingset.Limits.from_settings(ctx.settings))
        model, metrics = train(ctx, training_set, settings)
        path = Path(tmp) / "classifier.keras"
        model.save(path)
        blob = store.blobs.put_file(path, "classifier.keras")
    labelset = store.labelsets.find(params["labelset_id"], {"name": 1, "counts": 1, "notes": 1})
    doc = {
        "name": params["name"],
        "classes": [{"id": k, "name": v} for k, v in sorted(training_set.classes.items())],
        "settings": settings.to_doc(),
        "weights": ctx.settings.weights,
        "random_weights": ctx.settings.random_weights,
        "labelset_id": params["labelset_id"],
        "training_set": {"name": labelset.get("name"), "counts": labelset.get("counts"), "notes": labelset.get("notes", [])} if labelset else None,
        "metrics": metrics,
        "blob": blob,
        "job_id": ctx.job["_id"],
        "device": ctx.device,
        "created_at": utcnow(),
    }
    insert_versioned(store, doc)
    log.info("classifier %s v%s: validation accuracy %.3f", doc["name"], doc["version"], metrics["val_accuracy"])


def insert_versioned(store: Store, doc: dict[str, Any]) -> None:
    """Insert ``doc`` as the next version of its name; sets ``_id`` and ``version``. Another
    training of the same name may take a version first: after ``VERSION_ATTEMPTS`` such races
    it raises :class:`ScreenTimeError` instead of finishing without a classifier."""
    try:
        store.classifiers.insert_versioned(doc)
    except VersionConflict as err:
        raise ScreenTimeError(
            f"Classifier {doc['name']} could not be stored: other trainings of that name took each of {VERSION_ATTEMPTS} version numbers first. "
            "Retry this job on the Jobs page, or train under another name."
        ) from err


def find_classifier(store: Store, ref: str) -> dict[str, Any]:
    """A classifier by ``NAME`` (its latest version), ``NAME:vN`` / ``NAME@N``, or id."""
    ref = (ref or "").strip()
    doc = store.classifiers.find(ref)
    if doc is None:
        name, version = ref, None
        for sep in (":v", "@"):
            head, found, tail = ref.rpartition(sep)
            if found and tail.isdigit():
                name, version = head, int(tail)
                break
        doc = store.classifiers.latest(name, version)
    if doc is None:
        known = store.classifiers.names()
        hint = f"Known classifiers: {', '.join(known)}." if known else "No classifier has been trained yet; train one first."
        raise NotFoundError(f"No classifier named {ref!r}. {hint}")
    return doc


_LOADED: dict[str, Any] = {}
"""Classifier id → loaded Keras model, kept for the life of the worker process."""


def load_classifier(store: Store, doc: dict[str, Any]) -> Any:
    """The stored Keras model of a classifier document (cached per process)."""
    if doc["_id"] not in _LOADED:
        import keras

        path = store.blobs.local_path(doc["blob"])
        try:
            _LOADED[doc["_id"]] = keras.models.load_model(path, compile=False)
        except (OSError, ValueError) as err:
            raise ScreenTimeError(f"Classifier {doc['name']} v{doc['version']} could not be loaded from {path} ({err}). Train it again.") from err
    return _LOADED[doc["_id"]]


def list_classifiers(store: Store) -> list[dict[str, Any]]:
    """Every classifier, newest first, without its training history."""
    return store.classifiers.list()
