"""The one vocabulary: display names and formats that every page and the report use."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.analysis import labels
from core.inference import MODELS


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param("mean_of_sample_means", "Mean of sample means", id="confidence"),
        pytest.param("ci_low", "95% interval from", id="interval"),
        pytest.param("random_weights", "Random weights", id="flag"),
        pytest.param("mean_top1_inception_v3", "Mean confidence · InceptionV3", id="per-model"),
        pytest.param("top3_resnet50", "Top labels · ResNet50", id="per-model labels"),
        pytest.param("label_2", "Label 2", id="ranked label"),
        pytest.param("score_2", "Confidence 2", id="ranked score"),
        pytest.param("seconds_raw", "Screen time before smoothing", id="screen time"),
        pytest.param("Tom (s)", "Screen time · Tom", id="a class's seconds"),
        pytest.param("measured_fps", "Model speed (frames/s)", id="worker"),
        pytest.param("n_frames", "N frames", id="unknown"),
    ],
)
def test_column_names(name: str, shown: str) -> None:
    assert labels.column(name) == shown


def test_model_names_come_from_the_registry() -> None:
    for name, spec in MODELS.items():
        assert labels.model_name(name) == spec.display
    assert labels.model_name("vgg16") == "VGG16" and labels.model_name("unknown_model") == "unknown_model"


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        pytest.param(labels.label, "tobacco_shop", "tobacco shop", id="label"),
        pytest.param(labels.label, "German_shepherd", "German shepherd", id="label keeps case"),
        pytest.param(labels.term, "C(label)[T.tobacco_shop]", "tobacco shop", id="frame-level term"),
        pytest.param(labels.term, "share_tobacco_shop", "share of tobacco shop", id="video-level term"),
        pytest.param(labels.seconds, 23.4901, "23.49 s", id="seconds"),
        pytest.param(labels.count, 870000.0, "870,000", id="views"),
        pytest.param(labels.count, np.int64(12), "12", id="numpy int"),
        pytest.param(labels.number, 1234.5678, "1,234.568", id="statistic"),
        pytest.param(labels.number, -3.2e-14, "0.000", id="no negative zero"),
        pytest.param(labels.number, 2.5e17, "250,000,000,000,000,000.000", id="never an exponent"),
        pytest.param(labels.confidence, 0.42314, "0.423", id="confidence"),
        pytest.param(labels.percent, 0.4231, "42.3%", id="percent"),
        pytest.param(labels.p_value, 2.1e-125, "< 0.001", id="tiny p"),
        pytest.param(labels.p_value, 0.0234, "0.023", id="p"),
        pytest.param(labels.yes_no, np.bool_(True), "Yes", id="yes"),
        pytest.param(labels.yes_no, False, "No", id="no"),
        pytest.param(labels.rate, 1312.04, "1,312.0", id="rate"),
        pytest.param(labels.identifier, 3862.0, "3862", id="id"),
        pytest.param(labels.weights, "none", "Random (testing only)", id="random weights"),
        pytest.param(labels.weights, "/models/weights", "/models/weights", id="weights folder"),
        pytest.param(labels.views_source, "analyst", "Your figure", id="views source"),
    ],
)
def test_formats(function, value, text: str) -> None:
    assert function(value) == text


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf, pd.NA, np.float64("nan")])
def test_missing_and_non_finite_values_read_as_a_dash(missing) -> None:
    for function in (
        labels.count, labels.number, labels.confidence, labels.percent, labels.p_value, labels.seconds, labels.yes_no, labels.label,
        labels.rate, labels.identifier, labels.weights, labels.views_source,
    ):  # fmt: skip
        assert function(missing) == labels.MISSING == "—"


def test_random_weights_sentence_counts_the_runs() -> None:
    assert labels.random_weights(5, 5).startswith("All 5 runs used untrained models")
    assert labels.random_weights(3, 5).startswith("3 of 5 runs used untrained models")
    assert labels.random_weights(2, 2).startswith("Both runs")
    assert labels.random_weights(1, 1).startswith("This run used")
    assert "REELSIGHT" not in labels.random_weights(3, 5) and "some runs" not in labels.random_weights(3, 5)


def test_display_table_reads_like_the_dashboard() -> None:
    table = pd.DataFrame(
        {
            "title": ["A", "B"],
            "channel": [None, None],
            "views": [870000.0, np.nan],
            "random_weights": [True, False],
            "model": ["inception_v3", "resnet50"],
            "label": ["tobacco_shop", "tabby"],
            "ci_low": [0.31234, math.inf],
        }
    )
    shown = labels.display_table(table)
    assert list(shown.columns) == ["Title", "Views", "Random weights", "Model", "Label", "95% interval from"]  # the empty Channel is hidden
    assert shown.iloc[0].tolist() == ["A", "870,000", "Yes", "InceptionV3", "tobacco shop", "0.312"]
    assert shown.iloc[1].tolist() == ["B", "—", "No", "ResNet50", "tabby", "—"]


def test_a_class_s_seconds_and_screen_times_read_as_seconds() -> None:
    assert labels.kind("Tom (s)") == labels.kind("start_s") == labels.kind("seconds_raw") == "seconds"
    assert labels.cell("Tom (s)", 4.00049) == "4.00 s" and labels.cell("weights", "imagenet") == "ImageNet"
