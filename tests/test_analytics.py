"""Analytics against independent calculations on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from core.analysis import analytics, regression
from core.analysis.analytics import AnalysisUnavailable


def make_top1(spec: dict[tuple[str, str], list[tuple[str, float]]]) -> pd.DataFrame:
    """(video, model) → [(label, score), …] in frame order."""
    rows = []
    for (vid, model), frames in spec.items():
        for i, (label, score) in enumerate(frames):
            rows.append((vid, f"run-{vid}", model, i, float(i), label, score))
    return pd.DataFrame(rows, columns=analytics.TOP1_COLUMNS)


TOP1 = make_top1(
    {
        ("v1", "resnet50"): [("cat", 0.9), ("cat", 0.8), ("dog", 0.5), ("car", 0.2)],
        ("v2", "resnet50"): [("dog", 0.6), ("dog", 0.7), ("cat", 0.4)],
        ("v3", "resnet50"): [("car", 0.3), ("car", 0.1), ("car", 0.2), ("dog", 0.9), ("cat", 0.5)],
        ("v1", "inception_v3"): [("cat", 0.7), ("dog", 0.6), ("dog", 0.4), ("car", 0.3)],
        ("v2", "inception_v3"): [("dog", 0.2), ("dog", 0.3), ("dog", 0.1)],
        ("v3", "inception_v3"): [("car", 0.5), ("cat", 0.1), ("car", 0.6), ("dog", 0.9), ("cat", 0.2)],
    }
)
VIDEOS = pd.DataFrame({"video_id": ["v1", "v2", "v3"], "views": [20e6, 10e6, 12e6]})


def test_popularity_split_defaults_to_the_median_and_includes_the_threshold() -> None:
    threshold, groups = analytics.split_popularity(VIDEOS)
    assert threshold == 12e6
    assert dict(zip(groups["video_id"], groups["group"])) == {"v1": "popular", "v2": "unpopular", "v3": "popular"}
    _, groups = analytics.split_popularity(VIDEOS.assign(views=[20e6, None, 5e6]), threshold=10e6)
    assert list(groups["group"]) == ["popular", "no views", "unpopular"]
    with pytest.raises(AnalysisUnavailable, match="Enter views"):
        analytics.split_popularity(VIDEOS.assign(views=[None, None, None]))


def test_top_features_count_exactly() -> None:
    _, groups = analytics.split_popularity(VIDEOS)
    table = analytics.top_features(TOP1, groups, n=2)
    got = {(r["model"], r["group"], r["rank"]): (r["label"], r["count"]) for _, r in table.iterrows()}
    # resnet50 popular = v1 + v3: cat 3, car 4, dog 2; unpopular = v2: dog 2, cat 1
    assert got[("resnet50", "popular", 1)] == ("car", 4)
    assert got[("resnet50", "popular", 2)] == ("cat", 3)
    assert got[("resnet50", "unpopular", 1)] == ("dog", 2)
    assert got[("resnet50", "unpopular", 2)] == ("cat", 1)
    # inception popular: car 3, cat 3, dog 3 → ties broken alphabetically
    assert [got[("inception_v3", "popular", r)][0] for r in (1, 2)] == ["car", "cat"]
    assert len(table) == 7  # inception unpopular (v2) has a single label: dog


def test_lift_matches_the_counts_behind_it() -> None:
    _, groups = analytics.split_popularity(VIDEOS)
    table = analytics.lift(TOP1, groups, "resnet50").set_index("label")
    assert table.loc["car", ["popular", "unpopular"]].tolist() == [4, 0]
    assert table.loc["dog", ["popular", "unpopular"]].tolist() == [2, 2]
    assert table.loc["car", "popular_share"] == pytest.approx(4 / 9)
    assert table.loc["dog", "unpopular_share"] == pytest.approx(2 / 3)
    s = analytics.LIFT_SMOOTHING
    expected = ((4 + s) / (9 + 3 * s)) / ((0 + s) / (3 + 3 * s))
    assert table.loc["car", "lift"] == pytest.approx(expected)
    assert table.index[0] == "car"  # most over-represented among popular videos


def test_bootstrap_is_reproducible_and_centred() -> None:
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.5, 0.42, 0.3])
    a = analytics.bootstrap_means(scores, sample_size=5, draws=2000, seed=7)
    b = analytics.bootstrap_means(scores, sample_size=5, draws=2000, seed=7)
    assert np.array_equal(a.sample_means, b.sample_means)
    assert a.mean_of_means == pytest.approx(scores.mean(), abs=0.01)
    assert a.ci_low < scores.mean() < a.ci_high
    rng = np.random.default_rng(7)
    independent = rng.choice(scores, size=(2000, 5), replace=True).mean(axis=1)
    assert a.ci_low == pytest.approx(np.percentile(independent, 2.5))
    assert analytics.bootstrap_means(scores, 5, 2000, seed=8).mean_of_means != a.mean_of_means


def test_confidence_table_flags_out_of_domain_runs() -> None:
    table = analytics.confidence_table(TOP1, sample_size=3, draws=200, seed=0, threshold=0.3)
    row = table.set_index(["video_id", "model"]).loc[("v2", "inception_v3")]
    assert row["frames"] == 3 and row["mean_top1"] == pytest.approx(0.2) and bool(row["out_of_domain"])
    assert not table.set_index(["video_id", "model"]).loc[("v1", "resnet50"), "out_of_domain"]


def test_agreement_between_models() -> None:
    table = analytics.agreement(TOP1, "inception_v3", "resnet50").set_index("video_id")
    assert table.loc["v1", "agreement"] == pytest.approx(3 / 4)  # cat/cat, dog≠cat, dog/dog, car/car
    assert table.loc["v1", "top_disagreements"] == "dog ≠ cat (1)"
    assert table.loc["v2", "agreement"] == pytest.approx(2 / 3)


def test_label_frequencies_plain_and_weighted() -> None:
    assert analytics.label_frequencies(TOP1, "v1", "resnet50") == {"car": 1, "cat": 2, "dog": 1}
    weighted = analytics.label_frequencies(TOP1, "v1", "resnet50", weighted=True)
    assert weighted["cat"] == pytest.approx(1.7)


def test_frame_regression_matches_statsmodels_fitted_directly() -> None:
    result = regression.frame_regression(TOP1, VIDEOS, "resnet50")
    rows = TOP1[TOP1["model"] == "resnet50"].copy()
    rows["views"] = rows["video_id"].map(dict(zip(VIDEOS["video_id"], VIDEOS["views"] / 1e6)))
    dummies = pd.get_dummies(rows["label"], drop_first=True, dtype=float)
    direct = sm.OLS(rows["views"].to_numpy(), sm.add_constant(dummies).to_numpy()).fit()
    assert result.r2 == pytest.approx(direct.rsquared)
    assert result.adj_r2 == pytest.approx(direct.rsquared_adj)
    assert result.f_stat == pytest.approx(direct.fvalue)
    assert result.aic == pytest.approx(direct.aic) and result.n_obs == 12
    assert result.coefs["coef"].to_numpy() == pytest.approx(direct.params)
    assert result.coefs["p_value"].to_numpy() == pytest.approx(direct.pvalues)
    assert list(result.coefs.columns) == regression.COEF_COLUMNS
    assert "OLS Regression Results" in result.summary


def test_regression_warnings_in_plain_words() -> None:
    many = pd.concat([TOP1.assign(frame=TOP1["frame"] + 100 * k) for k in range(5)], ignore_index=True)
    frame_level = regression.frame_regression(many, VIDEOS, "resnet50")
    assert any("Pseudo-replication" in w for w in frame_level.warnings)
    video_level = regression.video_regression(TOP1, VIDEOS, "resnet50", top_n=3)
    assert any("Only 3 videos for 4 coefficients" in w for w in video_level.warnings)
    assert video_level.n_obs == 3


def test_one_video_cannot_be_regressed() -> None:
    with pytest.raises(AnalysisUnavailable, match="at least two videos"):
        regression.frame_regression(TOP1, VIDEOS.iloc[:1], "resnet50")


def test_word_clouds_drawn_in_parallel_equal_those_drawn_one_by_one() -> None:
    from core.analysis.wordclouds import wordcloud_png, wordcloud_pngs

    tables = [{"cat": 5, "dog": 3, "tabby_cat": 1}, {"car": 2, "truck": 7}, {"kite": 1}]
    assert wordcloud_pngs(tables) == [wordcloud_png(t) for t in tables]
