"""The inference runtime: its choices per backend and device, and the same top-k as calling the
models directly on the CPU."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from core.config import PROJECT_ROOT
from core.inference.models import MODELS, build_model
from core.inference.runtime import CPU_BATCH, InferenceRuntime, ModelRunner, NullRuntime, plan_runtime, run_batches, top_k


@pytest.mark.parametrize(
    ("backend", "gpu", "batch", "expected"),
    [
        pytest.param("tensorflow", False, None, (16, "predict_on_batch", False), id="tf-cpu"),
        pytest.param("tensorflow", True, None, (128, "predict_on_batch", False), id="tf-gpu"),
        pytest.param("torch", True, None, (256, "direct", True), id="torch-gpu"),
        pytest.param("torch", False, None, (16, "direct", False), id="torch-cpu"),
        pytest.param("jax", True, None, (256, "predict_on_batch", False), id="jax-gpu"),
        pytest.param("torch", True, 64, (64, "direct", True), id="batch-set-by-hand"),
    ],
)
def test_plan_by_backend_and_device(backend: str, gpu: bool, batch: int | None, expected: tuple) -> None:
    plan = plan_runtime(backend, gpu, batch)
    assert (plan.batch_size, plan.call, plan.channels_first) == expected
    assert plan.describe() == f"{backend}, batch {expected[0]}, {expected[1]}, {'channels_first' if expected[2] else 'channels_last'}"


def test_batch_size_auto_and_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import load_settings
    from core.errors import ConfigError

    monkeypatch.setenv("REELSIGHT_BATCH_SIZE", "auto")
    assert load_settings().batch_size is None and plan_runtime("tensorflow", False, load_settings().batch_size).batch_size == CPU_BATCH
    monkeypatch.setenv("REELSIGHT_BATCH_SIZE", "48")
    assert load_settings().batch_size == 48
    monkeypatch.setenv("REELSIGHT_BATCH_SIZE", "0")
    with pytest.raises(ConfigError, match="may also be auto"):
        load_settings()


def test_top_k_orders_ties_by_class() -> None:
    probs = np.array([[0.1, 0.3, 0.3, 0.3], [0.2, 0.2, 0.2, 0.2]], np.float32)
    assert top_k(probs, 3).indices.tolist() == [[1, 2, 3], [0, 1, 2]]
    flat = np.full((1, 1000), 0.001, np.float32)  # ties across the k-th place
    assert top_k(flat, 5).indices.tolist() == [[0, 1, 2, 3, 4]]


def test_runtime_gives_the_same_top_k_as_calling_the_model() -> None:
    """Today's CPU path, written out: float32, the model's preprocessing, ``predict_on_batch``."""
    import keras

    keras.utils.set_random_seed(0)
    runtime = InferenceRuntime(("resnet50",), "none", plan_runtime("tensorflow", False, 4))
    spec = MODELS["resnet50"]
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (6, 224, 224, 3), dtype=np.uint8)
    model = runtime.runners["resnet50"].model
    expected = top_k(np.asarray(model.predict_on_batch(spec.preprocess(pixels.astype("float32")))), 5)
    got = runtime.top_k({224: pixels}, 5)["resnet50"]
    assert got.indices[:, 0].tolist() == expected.indices[:, 0].tolist()
    assert np.allclose(got.scores, expected.scores, atol=1e-4)
    future = runtime.submit({224: pixels}, 5)
    output = future.result()
    assert output.top_k["resnet50"].indices.tolist() == got.indices.tolist() and output.objects is None  # no detector: no objects
    probs = run_batches(runtime.runners["resnet50"], pixels, batch=4)
    assert probs.shape == (6, 1000) and probs.dtype == np.float32 and (probs.argmax(1) == expected.indices[:, 0]).all()
    assert runtime.measure(batches=1) > 0


def test_null_runtime_answers_every_frame() -> None:
    null = NullRuntime(("resnet50", "inception_v3"), plan_runtime("tensorflow", False))
    out = null.submit({224: np.zeros((3, 224, 224, 3), np.uint8), 299: np.zeros((3, 299, 299, 3), np.uint8)}, 2).result()
    assert {m: t.indices.shape for m, t in out.top_k.items()} == {"resnet50": (3, 2), "inception_v3": (3, 2)} and out.objects is None


def test_screen_time_models_keep_channels_last() -> None:
    from core.screentime.classifier import runtime_plan

    assert runtime_plan().channels_first is False


TORCH_CHECK = """
import dataclasses, json, numpy as np, keras
from core.inference.models import MODELS
from core.inference.runtime import InferenceRuntime, plan_runtime, top_k
keras.utils.set_random_seed(0)
spec = MODELS["resnet50"]
runtime = InferenceRuntime(("resnet50",), "none", plan_runtime("torch", False, 4))
pixels = np.random.default_rng(1).integers(0, 256, (4, 224, 224, 3), dtype=np.uint8)
model = runtime.runners["resnet50"].model
ref = top_k(np.asarray(model.predict_on_batch(spec.preprocess(pixels.astype("float32")))), 5)
got = runtime.top_k({224: pixels}, 5)["resnet50"]
keras.utils.set_random_seed(0)  # the same weights, built channels_first as on a GPU
first = InferenceRuntime(("resnet50",), "none", dataclasses.replace(plan_runtime("torch", False, 4), channels_first=True))
cf = first.top_k({224: pixels}, 5)["resnet50"]
print(json.dumps({
    "same_top1": bool((got.indices[:, 0] == ref.indices[:, 0]).all()), "max_diff": float(np.abs(got.scores - ref.scores).max()), "call": runtime.plan.call,
    "channels_first_top1": bool((cf.indices[:, 0] == ref.indices[:, 0]).all()), "channels_first_diff": float(np.abs(cf.scores - ref.scores).max()),
    "input_shape": list(first.runners["resnet50"].model.input_shape[1:]), "format_after": keras.config.image_data_format(),
}))
"""


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed (the GPU machines have it; CI does not)")
def test_torch_direct_path_matches_predict_on_batch() -> None:
    env = dict(os.environ, KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES="")
    out = subprocess.run([sys.executable, "-c", TORCH_CHECK], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {
        "same_top1": True, "max_diff": pytest.approx(0, abs=1e-4), "call": "direct",
        "channels_first_top1": True, "channels_first_diff": pytest.approx(0, abs=1e-4), "input_shape": [3, 224, 224], "format_after": "channels_last",
    }  # fmt: skip


def test_runner_wraps_any_keras_image_model() -> None:
    import keras

    keras.utils.set_random_seed(0)
    backbone = build_model(MODELS["resnet50"], "none", include_top=False, size=64)
    runner = ModelRunner(backbone, MODELS["resnet50"].preprocess, dataclasses.replace(plan_runtime("tensorflow", False), batch_size=3))
    features = run_batches(runner, np.zeros((5, 64, 64, 3), np.uint8), on_batch=lambda done, total: None)
    assert features.shape == (5, 2048)
