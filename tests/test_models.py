"""Model registry, top-k decoding and the weight-loading failures a user may meet."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import numpy as np
import pytest

from core.errors import IngestError, WeightsUnavailable
from core.inference.feed import make_payload
from core.inference.models import MODELS, build_model, imagenet_labels, parse_model_names
from core.inference.runs import RunSettings, request_analysis
from core.inference.runtime import top_k
from core.jobs import queue as jobs
from core.media import ingest
from core.worker import Worker


def test_registry_holds_both_models_with_their_input_sizes() -> None:
    assert {n: s.size for n, s in MODELS.items()} == {"inception_v3": 299, "resnet50": 224}
    assert parse_model_names("resnet50, inception_v3,resnet50") == ("resnet50", "inception_v3")
    with pytest.raises(ValueError, match="unknown model vgg"):
        parse_model_names("vgg")
    with pytest.raises(IngestError, match="unknown model"):
        RunSettings(models=("nope",))


def test_class_index_ships_with_the_product() -> None:
    labels = imagenet_labels()
    assert len(labels) == 1000 and labels[0] == "tench" and labels[999] == "toilet_tissue"


def test_top_k_matches_a_full_sort() -> None:
    rng = np.random.default_rng(0)
    probs = rng.random((7, 1000)).astype("float32")
    result = top_k(probs, 5)
    expected = np.argsort(-probs, axis=1)[:, :5]
    assert (result.indices == expected).all()
    assert np.allclose(result.scores, np.take_along_axis(probs, expected, axis=1))
    assert result.labels()[0][0] == imagenet_labels()[expected[0, 0]]


def test_payload_resizes_once_per_input_size() -> None:
    rgb = np.zeros((360, 640, 3), np.uint8)
    payload = make_payload(rgb, (224, 299))
    assert {s: a.shape for s, a in payload.inputs.items()} == {224: (224, 224, 3), 299: (299, 299, 3)}
    assert payload.inputs[224].dtype == np.uint8 and payload.thumb_jpeg[:2] == b"\xff\xd8"


def test_weights_folder_without_the_file_says_which_file(tmp_path: Path) -> None:
    with pytest.raises(WeightsUnavailable, match="holds no resnet50_weights_tf_dim_ordering_tf_kernels.h5") as info:
        build_model(MODELS["resnet50"], str(tmp_path))
    assert "storage.googleapis.com" in str(info.value)


def test_corrupt_weights_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / MODELS["resnet50"].weights_file).write_bytes(b"not hdf5")
    with pytest.raises(WeightsUnavailable, match="could not be loaded"):
        build_model(MODELS["resnet50"], str(tmp_path))


def _online() -> bool:
    try:
        socket.getaddrinfo("storage.googleapis.com", 443)
    except OSError:
        return False
    return True


@pytest.mark.allow_errors
@pytest.mark.skipif(_online(), reason="this machine can download ImageNet weights, so the offline path cannot be shown")
def test_offline_imagenet_fails_the_job_with_instructions_and_no_random_fallback(
    store, settings, clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))  # no cached weights
    video_id, _ = ingest.add_file(store, settings, clip)
    run_id, job_id = request_analysis(store, video_id, RunSettings(fps=1, models=("resnet50",)))
    Worker(store, dataclasses.replace(settings, weights="imagenet"), worker_id="w").run(burst=True)
    job = jobs.get_job(store, job_id)
    assert job["state"] == "failed"
    assert "Could not get the ImageNet weights for ResNet50" in job["error"]
    assert "REELSIGHT_WEIGHTS" in job["error"] and "REELSIGHT_WEIGHTS=none" in job["error"]
    assert store.db["frames"].count_documents({"run_id": run_id}) == 0
