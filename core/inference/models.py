"""Registry of the ImageNet models: constructor, input size, preprocessing and weight file together.

Importing this module does not import Keras: the dashboard reads names and sizes from here, and
only :func:`build_model` (called by the worker) loads the framework.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import WeightsUnavailable

log = logging.getLogger(__name__)

CLASS_INDEX_PATH = Path(__file__).resolve().parents[1] / "data" / "imagenet_class_index.json"
WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class ModelSpec:
    """One ImageNet classifier from ``keras.applications``."""

    name: str
    display: str
    module: str
    """``keras.applications`` sub-module holding the constructor and ``preprocess_input``."""
    constructor: str
    size: int
    """Square input side in pixels (inputs are RGB, size×size×3)."""
    weights_file: str
    """File name Keras downloads for ``weights="imagenet"``; also what a local weights folder must hold."""
    weights_subdir: str
    notop_file: str = ""
    """Weight file for the headless network (``include_top=False``), used as a frozen backbone."""
    top_block: str = ""
    """First layer of the last convolutional block: fine-tuning trains from there on."""

    def load_module(self) -> Any:
        return importlib.import_module(self.module)

    @property
    def preprocess(self) -> Callable[[Any], Any]:
        return self.load_module().preprocess_input


MODELS: dict[str, ModelSpec] = {
    "inception_v3": ModelSpec(
        name="inception_v3",
        display="InceptionV3",
        module="keras.applications.inception_v3",
        constructor="InceptionV3",
        size=299,
        weights_file="inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        weights_subdir="inception_v3",
        notop_file="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        top_block="mixed9",
    ),
    "resnet50": ModelSpec(
        name="resnet50",
        display="ResNet50",
        module="keras.applications.resnet50",
        constructor="ResNet50",
        size=224,
        weights_file="resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        weights_subdir="resnet",
        notop_file="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        top_block="conv5_block1_1_conv",
    ),
}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)

BACKBONES: dict[str, ModelSpec] = {
    "vgg16": ModelSpec(
        name="vgg16",
        display="VGG16",
        module="keras.applications.vgg16",
        constructor="VGG16",
        size=224,
        weights_file="vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        weights_subdir="vgg16",
        notop_file="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        top_block="block5_conv1",
    ),
    "resnet50": MODELS["resnet50"],
    "inception_v3": MODELS["inception_v3"],
}
"""Frozen feature extractors for screen-time classifiers (ImageNet weights without the top)."""


def parse_model_names(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"inception_v3,resnet50"`` → a tuple of registry names; unknown names raise ``ValueError``."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown or not names:
        raise ValueError(f"unknown model {', '.join(unknown) or '(none given)'}; choose from {', '.join(MODEL_NAMES)}")
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[tuple[str, str], ...]:
    """The 1000 ImageNet classes as ``(WordNet id, name)``, in output order (``("n01440764", "tench")``, …)."""
    index = json.loads(CLASS_INDEX_PATH.read_text(encoding="utf-8"))
    return tuple((index[str(i)][0], index[str(i)][1]) for i in range(len(index)))


@lru_cache(maxsize=1)
def imagenet_labels() -> tuple[str, ...]:
    """The 1000 ImageNet class names, in output order (``"tench"``, ``"goldfish"``, …)."""
    return tuple(name for _, name in imagenet_classes())


def build_model(spec: ModelSpec, weights: str, include_top: bool = True, size: int | None = None) -> Any:
    """Build the Keras model with ``weights``: ``imagenet``, ``none`` or a folder of weight files.

    ``include_top=False`` gives the headless network with global average pooling (a backbone
    whose output is one feature vector per image), at ``size``×``size`` input (default: native).
    Raises :class:`WeightsUnavailable` with instructions when the weights cannot be had; it never
    falls back to random weights.
    """
    constructor = getattr(spec.load_module(), spec.constructor)
    kwargs: dict[str, Any] = {} if include_top else {"include_top": False, "pooling": "avg", "input_shape": (size or spec.size, size or spec.size, 3)}
    weights_file = spec.weights_file if include_top else spec.notop_file
    url = WEIGHTS_URL + spec.weights_subdir + "/" + weights_file
    if weights == "none":
        return constructor(weights=None, **kwargs)
    if weights == "imagenet":
        try:
            return constructor(weights="imagenet", **kwargs)
        # Keras wraps network failures in a bare Exception, so that is what we can catch here.
        except Exception as err:
            raise WeightsUnavailable(
                f"Could not get the ImageNet weights for {spec.display} ({err}). This machine may be offline. "
                f"Download {url} elsewhere, put it in a folder here and set REELSIGHT_WEIGHTS to that folder "
                "(or copy it into ~/.keras/models/). For a trial with random weights set REELSIGHT_WEIGHTS=none; "
                "such results are labelled 'random weights'."
            ) from err
    path = Path(weights).expanduser()
    file = path / weights_file if path.is_dir() else path
    if not file.is_file():
        raise WeightsUnavailable(
            f"REELSIGHT_WEIGHTS={weights} holds no {weights_file} for {spec.display}. "
            f"Download it from {url} into that folder, or set REELSIGHT_WEIGHTS=imagenet or none."
        )
    try:
        return constructor(weights=str(file), **kwargs)
    except (OSError, ValueError) as err:
        raise WeightsUnavailable(f"{file} could not be loaded into {spec.display} ({err}). Download a fresh copy from {url}.") from err
