"""Analytics against independent calculations on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from core.analysis import analytics, charts, labels, regression
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
COUNTS = analytics.label_counts(TOP1)


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
    table = analytics.top_features(analytics.group_counts(COUNTS, groups), n=2)
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
    table = analytics.lift(analytics.group_counts(COUNTS, groups), "resnet50").set_index("label")
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
    assert analytics.label_frequencies(COUNTS, "v1", "resnet50") == {"car": 1, "cat": 2, "dog": 1}
    weighted = analytics.label_frequencies(COUNTS, "v1", "resnet50", weighted=True)
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
    assert result.llf == pytest.approx(direct.llf) and result.bic == pytest.approx(direct.bic)
    names = ["Intercept"] + [f"C(label)[T.{label}]" for label in dummies.columns]
    expected = str(direct.summary(yname="views", xname=names))
    assert [line for line in result.summary.splitlines() if not line.startswith("Time:")] == [
        line for line in expected.splitlines() if not line.startswith("Time:")
    ]  # residual diagnostics (Omnibus, Durbin-Watson, Jarque-Bera) and condition number too, without building the design matrix


def test_regression_warnings_in_plain_words() -> None:
    many = pd.concat([TOP1.assign(frame=TOP1["frame"] + 100 * k) for k in range(5)], ignore_index=True)
    frame_level = regression.frame_regression(many, VIDEOS, "resnet50")
    assert any("Pseudo-replication" in w for w in frame_level.warnings)
    video_level = regression.video_regression(TOP1, VIDEOS, "resnet50", top_n=3)
    assert "Only 3 videos for 4 coefficients" in video_level.problem
    assert video_level.n_obs == 3


def test_one_video_cannot_be_regressed() -> None:
    with pytest.raises(AnalysisUnavailable, match="at least two videos"):
        regression.frame_regression(TOP1, VIDEOS.iloc[:1], "resnet50")


def test_word_clouds_drawn_in_parallel_equal_those_drawn_one_by_one() -> None:
    from core.analysis.wordclouds import wordcloud_png, wordcloud_pngs

    tables = [{"cat": 5, "dog": 3, "tabby_cat": 1}, {"car": 2, "truck": 7}, {"kite": 1}]
    assert wordcloud_pngs(tables) == [wordcloud_png(t) for t in tables]


# ---------------------------------------------------------------- degenerate data: a reason, not a number


@pytest.mark.parametrize(
    ("scores", "reason"),
    [
        pytest.param([0.5] * 40, "All 40 frame confidences are 0.500", id="constant"),
        pytest.param([0.5, 0.5000001, 0.4999999, 0.5002] * 10, "All 40 frame confidences are 0.500", id="near-constant"),
        pytest.param([0.7], "only one frame confidence", id="one frame"),
        pytest.param([], "no frame confidences", id="no frames"),
    ],
)
def test_no_confidence_histogram_without_spread(scores: list[float], reason: str) -> None:
    with pytest.raises(AnalysisUnavailable, match=reason):
        charts.score_histogram(pd.Series(scores, dtype=float), "t")
    with pytest.raises(AnalysisUnavailable, match=reason):
        charts.score_histogram_spec(pd.Series(scores, dtype=float), "t")
    if scores:
        boot = analytics.bootstrap_means(np.array(scores), sample_size=30, draws=500)
        for build in (charts.bootstrap_chart, charts.bootstrap_spec):
            with pytest.raises(AnalysisUnavailable, match="sample means"):
                build(boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), "t")


def test_confidence_charts_stay_within_zero_and_one_and_count_frames() -> None:
    scores = pd.Series(np.random.default_rng(3).uniform(0.97, 1.0, 200))
    hist = charts.score_histogram(scores, "t")
    assert tuple(hist.layout.xaxis.range) == (0, 1) and hist.data[0].y.sum() == 200
    boot = analytics.bootstrap_means(scores.to_numpy(), sample_size=30, draws=1000)
    fig = charts.bootstrap_chart(boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), "t")
    low, high = fig.layout.xaxis.range
    assert 0 <= low < boot.ci_low and boot.ci_high < high <= 1
    assert fig.data[0].y.sum() == 1000 and fig.layout.yaxis.title.text == "Samples"  # counts: no density axis
    assert all(0 <= x <= 1 for trace in fig.data for x in trace.x)
    assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin  # axis titles clear the tick labels


def test_vega_lite_confidence_charts_draw_the_same_bins_as_plotly() -> None:
    scores = pd.Series(np.random.default_rng(4).uniform(0.1, 0.9, 150))
    boot = analytics.bootstrap_means(scores.to_numpy(), sample_size=30, draws=1000)
    pairs = [
        (charts.score_histogram(scores, "t"), charts.score_histogram_spec(scores, "t")),
        (
            charts.bootstrap_chart(boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), "t"),
            charts.bootstrap_spec(boot.sample_means, boot.mean_of_means, boot.sd, (boot.ci_low, boot.ci_high), "t"),
        ),
    ]
    for figure, spec in pairs:
        bars = spec["layer"][0]
        assert [v["count"] for v in bars["data"]["values"]] == list(figure.data[0].y)
        assert bars["encoding"]["x"]["scale"]["domain"] == list(figure.layout.xaxis.range)
        assert bars["encoding"]["x"]["title"] == figure.layout.xaxis.title.text and bars["encoding"]["y"]["title"] == figure.layout.yaxis.title.text
        low, high = bars["encoding"]["x"]["scale"]["domain"]
        assert 0 <= low < high <= 1


def test_the_label_timeline_draws_a_tick_per_frame_greys_rare_labels_and_picks_a_time() -> None:
    top1 = pd.DataFrame(
        {
            "model": ["resnet50"] * 5 + ["inception_v3"] * 5,
            "time_s": [0.0, 0.5, 1.0, 1.5, 2.0] * 2,
            "label": ["n02123045"] * 3 + ["n02085620", "n04254680"] + ["n02123045"] * 5,
            "score": np.linspace(0.1, 0.9, 10),
        }
    )
    shots = pd.DataFrame({"start_s": [0.0, 1.0, 1.5], "end_s": [1.0, 1.5, 2.5]})
    segments = pd.DataFrame({"kind": ["black"], "start_s": [2.0], "end_s": [2.5]})
    spec = charts.label_timeline(top1, "t", top=1, shots=shots, segments=segments)
    ticks = spec["datasets"]["ticks"]
    assert len(ticks) == 10 and list(ticks["time_s"]) == list(top1["time_s"])
    assert list(ticks["shown"]) == [labels.label("n02123045")] * 3 + ["other", "other"] + [labels.label("n02123045")] * 5  # each model's top 1
    tick_layer = spec["layer"][-1]
    colour = tick_layer["encoding"]["color"]["scale"]
    assert colour["domain"] == [labels.label("n02123045"), "other"] and colour["range"] == [charts.LABEL_PALETTE[0], charts.GREY]
    assert charts.GREY not in charts.LABEL_PALETTE  # "other" alone is grey
    assert tick_layer["params"][0]["name"] == charts.TIMELINE_PICK and tick_layer["params"][0]["select"]["fields"] == ["time_s"]
    assert tick_layer["params"][0]["select"]["nearest"] is True  # a few ticks: a click between them picks the nearest
    n = charts.NEAREST_MAX_FRAMES + 1
    dense = pd.DataFrame({"model": ["resnet50"] * n, "time_s": np.arange(n) / 5, "label": ["n02123045"] * n, "score": [0.5] * n})
    assert charts.label_timeline(dense, "t")["layer"][-1]["params"][0]["select"]["nearest"] is False  # ticks cover the row: no Voronoi cells
    assert spec["layer"][0]["data"]["values"] == [{"start_s": 1.0, "end_s": 1.5}]  # every other shot shaded
    assert spec["layer"][1]["data"]["values"] == [{"start_s": 2.0, "end_s": 2.5, "kind": "black"}]
    many = pd.DataFrame({"start_s": np.arange(charts.MAX_SHOT_BANDS + 1.0), "end_s": np.arange(1.0, charts.MAX_SHOT_BANDS + 2.0)})
    cuts = charts.label_timeline(top1, "t", shots=many)["layer"][0]
    assert cuts["mark"]["type"] == "rule" and len(cuts["data"]["values"]) == charts.MAX_SHOT_BANDS  # a line per cut, none before the first shot


def test_a_regression_with_a_coefficient_per_video_has_no_headline_statistics() -> None:
    top1 = make_top1(
        {(f"v{i}", "resnet50"): [("cat", 0.5)] * (i + 1) + [("dog", 0.5)] * (4 - i) + [("car", 0.4)] * (i % 2) + [("fox", 0.3)] * (i // 2) for i in range(4)}
    )
    videos = pd.DataFrame({"video_id": ["v0", "v1", "v2", "v3"], "views": [1e6, 2e6, 3e6, 5e6]})
    result = regression.video_regression(top1, videos, "resnet50", top_n=3)
    assert "Only 4 videos for 4 coefficients" in result.problem and "not shown" in result.problem
    assert regression.frame_regression(top1, videos, "resnet50").problem is None
    one_frame_per_label = make_top1({("v0", "resnet50"): [("a", 0.5), ("b", 0.5)], ("v1", "resnet50"): [("c", 0.5), ("d", 0.5)]})
    exact = regression.frame_regression(one_frame_per_label, videos, "resnet50")
    assert exact.df_resid == 0 and "no residual degrees of freedom" in exact.problem


def test_labels_that_reproduce_the_views_exactly_are_no_result() -> None:
    top1 = make_top1({("a", "resnet50"): [("cat", 0.5)] * 5, ("b", "resnet50"): [("dog", 0.5)] * 5})
    result = regression.frame_regression(top1, pd.DataFrame({"video_id": ["a", "b"], "views": [1e6, 2e6]}), "resnet50")
    assert result.problem.startswith("The labels reproduce every view count exactly")
    with pytest.raises(AnalysisUnavailable, match="same view count"):
        regression.frame_regression(TOP1, VIDEOS.assign(views=3e6), "resnet50")
