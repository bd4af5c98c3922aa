"""The inference runtime: batches of uint8 frames in, top-k (or raw outputs) out, by the fastest
call path for the Keras backend and device at hand.

Every model call of the product goes through here: the analysis models (:class:`InferenceRuntime`,
with the optional object detector of :mod:`core.inference.detectors` on the same batches),
screen-time backbones and classifiers (:class:`ModelRunner`, :func:`run_batches`) and the
benchmark. One pure function, :func:`plan_runtime`, makes the choices, so a CPU test can check
what a GPU machine would do:

- batch size: ``REELSIGHT_BATCH_SIZE=auto`` gives 16 frames on a CPU, 256 on a GPU under torch or
  JAX and 128 under TensorFlow; a number overrides it;
- call path: on torch the model is called directly in inference mode (``model(x, training=False)``
  under ``torch.no_grad()``), with the uint8 batch moved to the device and converted and
  preprocessed there, and top-k taken there (only batch×k numbers come back). TensorFlow and JAX
  use ``predict_on_batch``, which Keras already compiles (``tf.function``, ``jax.jit``);
- layout: channels_first on a GPU under torch, where it measured 1.2–1.4× faster; channels_last
  elsewhere (TensorFlow's CPU kernels need it);
- overlap: :meth:`InferenceRuntime.submit` runs a batch on one background thread, so the caller
  prepares and stores the next batch while the current one runs.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from core.inference.detectors import Detection, DetectorRunner
from core.inference.models import MODELS, ModelSpec, build_model, imagenet_labels

log = logging.getLogger(__name__)

CPU_BATCH = 16
GPU_BATCH = {"torch": 256, "jax": 256, "tensorflow": 128}
"""Frames per model call on a GPU by backend (``REELSIGHT_BATCH_SIZE=auto``)."""


@dataclass(frozen=True)
class TopK:
    """Top-k predictions of one model for a batch: ``indices`` and ``scores`` are batch×k."""

    indices: np.ndarray
    scores: np.ndarray

    def labels(self) -> list[list[str]]:
        names = imagenet_labels()
        return [[names[i] for i in row] for row in self.indices]


def top_k(probs: np.ndarray, k: int) -> TopK:
    """Top-k of a batch×classes probability array, best first; ties go to the lower class index
    (on the torch direct path ``torch.topk`` decides ties)."""
    k = min(k, probs.shape[1])
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return TopK(order, np.take_along_axis(probs, order, axis=1))


@dataclass(frozen=True)
class RuntimePlan:
    """How models run on this process's backend and device."""

    backend: str
    """``tensorflow``, ``torch`` or ``jax``."""
    accelerator: bool
    """A GPU is used."""
    batch_size: int
    """Frames per model call."""
    call: str
    """``direct``: ``model(x, training=False)``, with the uint8 batch moved to the device as it is
    and converted, preprocessed and reduced to top-k there; or ``predict_on_batch``."""
    channels_first: bool
    """Models are built channels_first; inputs are transposed on the device."""

    def describe(self) -> str:
        """``torch, batch 256, direct, channels_first``."""
        layout = "channels_first" if self.channels_first else "channels_last"
        return f"{self.backend}, batch {self.batch_size}, {self.call}, {layout}"


def plan_runtime(backend: str, accelerator: bool, batch_size: int | None = None) -> RuntimePlan:
    """The runtime's choices for ``backend`` with or without a GPU; ``batch_size`` None means auto."""
    batch = batch_size or (GPU_BATCH.get(backend, 128) if accelerator else CPU_BATCH)
    if backend == "torch":
        return RuntimePlan(backend, accelerator, batch, "direct", channels_first=accelerator)
    return RuntimePlan(backend, accelerator, batch, "predict_on_batch", channels_first=False)


@lru_cache(maxsize=1)
def describe_device() -> tuple[str, str]:
    """``(device, backend)``: the GPU's name, or ``CPU``, and the Keras backend (looked up once
    per process: the worker, the plan and every screen-time batch ask)."""
    import keras

    backend = keras.backend.backend()
    device = "CPU"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            device = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            device = torch.cuda.get_device_name(0)
    elif backend == "jax":
        import jax

        gpu = [d for d in jax.devices() if d.platform == "gpu"]
        if gpu:
            device = gpu[0].device_kind
    return device, backend


def current_plan(batch_size: int | None = None) -> RuntimePlan:
    """:func:`plan_runtime` for this process's Keras backend and device."""
    device, backend = describe_device()
    return plan_runtime(backend, device != "CPU", batch_size)


@contextlib.contextmanager
def _image_format(channels_first: bool) -> Iterator[None]:
    """Keras builds layers in the global image data format; set it only while building."""
    import keras

    before = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first" if channels_first else "channels_last")
    try:
        yield
    finally:
        keras.config.set_image_data_format(before)


class ModelRunner:
    """One Keras image model (``model``, taking side×side RGB after ``preprocess``) run by ``plan``."""

    def __init__(self, model: Any, preprocess: Callable[..., Any], plan: RuntimePlan) -> None:
        self.model = model
        self.preprocess = preprocess
        self.plan = plan
        self._device: Any = None
        if plan.call == "direct":
            import torch

            self._device = torch.device("cuda" if plan.accelerator else "cpu")

    @classmethod
    def build(cls, spec: ModelSpec, weights: str, plan: RuntimePlan, include_top: bool = True, size: int | None = None) -> ModelRunner:
        """Build ``spec``'s network with ``weights`` (see :func:`core.inference.models.build_model`) laid out for ``plan``."""
        with _image_format(plan.channels_first):
            model = build_model(spec, weights, include_top=include_top, size=size)
        return cls(model, spec.preprocess, plan)

    def _outputs(self, pixels: np.ndarray) -> Any:
        """The model's outputs for uint8 N×S×S×3 RGB: a numpy array, or a device tensor on the direct path."""
        if self.plan.call != "direct":
            return np.asarray(self.model.predict_on_batch(self.preprocess(pixels.astype("float32"))))
        import torch

        x = torch.from_numpy(np.ascontiguousarray(pixels)).to(self._device)  # uint8: a quarter of float32's bytes
        x = self.preprocess(x.float(), data_format="channels_last")
        if self.plan.channels_first:
            x = x.permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            return self.model(x, training=False)

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        """Outputs for uint8 N×S×S×3 RGB frames, float32 N×D."""
        out = self._outputs(pixels)
        if not isinstance(out, np.ndarray):
            out = out.detach().float().cpu().numpy()
        return out.astype("float32", copy=False)

    def top_k(self, pixels: np.ndarray, k: int) -> TopK:
        """Top-k classes of uint8 N×S×S×3 RGB frames (N×k indices and scores)."""
        out = self._outputs(pixels)
        if isinstance(out, np.ndarray):
            return top_k(out, k)
        import torch

        scores, indices = torch.topk(out.float(), min(k, out.shape[1]), dim=1)
        return TopK(indices.cpu().numpy(), scores.cpu().numpy())


def run_batches(runner: ModelRunner, pixels: np.ndarray, batch: int | None = None, on_batch: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``runner`` over uint8 N×S×S×3 frames, ``batch`` at a time (default: the plan's); float32 N×D."""
    batch = batch or runner.plan.batch_size
    out = []
    for start in range(0, len(pixels), batch):
        out.append(runner(pixels[start : start + batch]))
        if on_batch:
            on_batch(min(start + batch, len(pixels)), len(pixels))
    return np.concatenate(out) if out else np.zeros((0, runner.model.output_shape[-1]), dtype="float32")


@dataclass(frozen=True)
class BatchOutput:
    """What the models found on one batch: each classifier's top-k, and each frame's objects when a detector runs."""

    top_k: dict[str, TopK]
    objects: list[list[Detection]] | None = None
    """Per frame, boxes in pixels of the detector's letterboxed square input (:attr:`InferenceRuntime.object_side`)."""


class InferenceRuntime:
    """The analysis models (ImageNet classifiers by registry name, and optionally a COCO object
    detector, :mod:`core.inference.detectors`) on one plan."""

    def __init__(self, model_names: tuple[str, ...], weights: str, plan: RuntimePlan | None = None) -> None:
        self.plan = plan or current_plan()
        self.specs: tuple[ModelSpec, ...] = tuple(MODELS[n] for n in model_names)
        self.weights = weights
        self.runners: dict[str, ModelRunner] = {}
        for spec in self.specs:
            log.info("loading %s (weights=%s; %s)", spec.display, weights, self.plan.describe())
            self.runners[spec.name] = ModelRunner.build(spec, weights, self.plan)
        self.detector: DetectorRunner | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="models")

    @property
    def sizes(self) -> tuple[int, ...]:
        """The classifiers' square input sides (the detector's letterboxed input is :attr:`object_side`)."""
        return tuple(sorted({s.size for s in self.specs}))

    @property
    def object_side(self) -> int | None:
        return self.detector.size if self.detector else None

    def with_detector(self, detector: DetectorRunner | None) -> InferenceRuntime:
        """This runtime's classifiers and model thread, with ``detector`` run on every batch too (None: none)."""
        twin = copy.copy(self)
        twin.detector = detector
        return twin

    def warm_up(self) -> None:
        """Trace each model's inference for batches of 1 and 2 frames. After two sizes TensorFlow
        keeps one graph for every batch size; without this, the first batch of each new size in a
        job re-traces, which took 1.5–3 s per model on 2 CPU cores."""
        for spec in self.specs:
            for n in (1, 2):
                self.runners[spec.name](np.zeros((n, spec.size, spec.size, 3), np.uint8))

    def top_k(self, inputs: dict[int, np.ndarray], k: int) -> dict[str, TopK]:
        """Model name → top-k for a batch; ``inputs``: input side → uint8 N×side×side×3 RGB."""
        return {spec.name: self.runners[spec.name].top_k(inputs[spec.size], k) for spec in self.specs}

    def run(self, inputs: dict[int, np.ndarray], k: int, letterboxed: np.ndarray | None = None) -> BatchOutput:
        """:meth:`top_k`, and the detector's boxes on ``letterboxed`` (uint8 N×side×side×3) when there is a detector."""
        objects = self.detector(letterboxed) if self.detector is not None and letterboxed is not None else None
        return BatchOutput(self.top_k(inputs, k), objects)

    def submit(self, inputs: dict[int, np.ndarray], k: int, letterboxed: np.ndarray | None = None) -> Future:
        """:meth:`run` on the runtime's model thread; the future holds its :class:`BatchOutput`."""
        return self._pool.submit(self.run, inputs, k, letterboxed)

    def measure(self, batches: int | None = None) -> float:
        """Frames per second through every model at the plan's batch size, from ``batches``
        batches of random frames (default: 3 on a GPU, 1 on a CPU) after one untimed batch
        (compilation, autotuning)."""
        batches = batches or (3 if self.plan.accelerator else 1)
        rng = np.random.default_rng(0)
        inputs = {s: rng.integers(0, 256, (self.plan.batch_size, s, s, 3), dtype=np.uint8) for s in self.sizes}
        boxed = rng.integers(0, 256, (self.plan.batch_size, self.object_side, self.object_side, 3), dtype=np.uint8) if self.object_side else None
        self.run(inputs, 1, boxed)
        start = time.perf_counter()
        for _ in range(batches):
            self.run(inputs, 1, boxed)
        return batches * self.plan.batch_size / (time.perf_counter() - start)


class NullRuntime:
    """Stands in for the models in the feed benchmark: every frame gets class 0 at score 0."""

    def __init__(self, model_names: tuple[str, ...], plan: RuntimePlan) -> None:
        self.plan = plan
        self.specs = tuple(MODELS[n] for n in model_names)
        self.detector = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="models")

    sizes = InferenceRuntime.sizes
    object_side = InferenceRuntime.object_side
    run = InferenceRuntime.run

    def top_k(self, inputs: dict[int, np.ndarray], k: int) -> dict[str, TopK]:
        n = len(next(iter(inputs.values())))
        return {spec.name: TopK(np.zeros((n, k), np.int64), np.zeros((n, k), np.float32)) for spec in self.specs}

    submit = InferenceRuntime.submit
