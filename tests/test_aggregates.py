"""Issue 16: the per-run aggregates the pages combine give the numbers the per-frame path gives,
on a library of 200 videos, and runs without them get them on first read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analysis import aggregates, analytics, labels
from core.store import Store
from tests.synthetic import add_run, add_video, populate

N_VIDEOS = 200


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, str], pd.DataFrame]:
    """200 analysed videos × 2 models × 40 frames on the embedded store, with their top-1 table."""
    from core.config import load_settings
    from core.store import open_store

    folder = tmp_path_factory.mktemp("library")
    store = open_store(load_settings(db=str(folder / "db"), data=str(folder / "data"), weights="none"))
    populate(store, n_videos=N_VIDEOS, n_frames=40, seed=5)
    runs = analytics.selected_runs(store)
    return store, runs, analytics.top1_table(store, list(runs.values()))


def test_every_run_has_aggregates_equal_to_its_frames(library) -> None:
    store, runs, top1 = library
    stats = store.runs.stats(list(runs.values()))
    assert set(stats) == set(runs.values())  # written when each run finished, as the worker does
    summary = aggregates.summary_table(stats)
    expected = {key: (len(rows), rows["score"].mean()) for key, rows in top1.groupby(["run_id", "model"])}  # as the pages computed it per frame
    got = {(r.run_id, r.model): (r.frames, r.mean_top1) for r in summary.itertuples()}
    assert got == expected  # exactly
    frames = {run_id: doc["frames"] for run_id, doc in stats.items()}
    assert frames == top1.groupby("run_id")["frame"].nunique().to_dict()


def test_store_counted_labels_equal_counting_frames(library) -> None:
    store, runs, top1 = library
    from_store = aggregates.label_counts(store, runs)
    from_frames = analytics.label_counts(top1)
    pd.testing.assert_frame_equal(from_store.drop(columns="score_sum"), from_frames.drop(columns="score_sum"))
    assert from_store["score_sum"].to_numpy() == pytest.approx(from_frames["score_sum"].to_numpy(), rel=1e-12)
    assert from_store["count"].sum() == len(top1)


def test_popular_vs_unpopular_from_the_store_equals_frames(library) -> None:
    store, runs, top1 = library
    videos = analytics.video_table(store, runs)
    _, groups = analytics.split_popularity(videos)
    grouped = aggregates.group_counts(store, runs, groups)
    reference = analytics.group_counts(analytics.label_counts(top1), groups)
    pd.testing.assert_frame_equal(grouped, reference)
    pd.testing.assert_frame_equal(analytics.top_features(grouped), analytics.top_features(reference))
    for model in ("inception_v3", "resnet50"):
        pd.testing.assert_frame_equal(analytics.lift(grouped, model), analytics.lift(reference, model))
    top = analytics.top_features(grouped, n=1)
    popular = groups.loc[groups["group"] == "popular", "video_id"]
    rows = top1[(top1["model"] == "resnet50") & top1["video_id"].isin(popular)]
    counted = rows["label"].value_counts()
    first = top[(top["model"] == "resnet50") & (top["group"] == "popular")].iloc[0]
    assert first["count"] == counted.max() and first["label"] == min(counted[counted == counted.max()].index)


def test_confidence_and_agreement_from_aggregates_equal_frames(library) -> None:
    store, runs, top1 = library
    stats = aggregates.run_stats(store, list(runs.values()))
    pd.testing.assert_frame_equal(analytics.confidence_from_summary(aggregates.summary_table(stats)), analytics.confidence_table(top1))
    got = aggregates.agreement_table(stats, "inception_v3", "resnet50").sort_values("video_id", ignore_index=True)
    want = analytics.agreement(top1, "inception_v3", "resnet50").sort_values("video_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, want)


def test_overview_from_aggregates_equals_frames(library) -> None:
    store, runs, top1 = library
    stats = aggregates.run_stats(store, list(runs.values()))
    videos = analytics.video_table(store, runs).assign(group="popular")
    table = analytics.overview_table(aggregates.summary_table(stats), {r: d["frames"] for r, d in stats.items()}, videos).set_index("video_id")
    assert len(table) == N_VIDEOS
    for vid, frames in top1.groupby("video_id"):
        row = table.loc[vid]
        assert row["frames"] == frames["frame"].nunique()
        for model, rows in frames.groupby("model"):
            assert row[f"mean_top1_{model}"] == rows["score"].mean()
            counts = rows["label"].value_counts()
            top = counts.sort_index().sort_values(ascending=False, kind="stable").head(3)  # count, then label
            assert row[f"top3_{model}"] == ", ".join(f"{labels.label(label)} ({n})" for label, n in top.items())


def test_a_run_without_aggregates_gets_them_on_first_read(store) -> None:
    video_id = add_video(store, "synthetic:x", "Old run", views=5)
    run_id = add_run(store, video_id, 12, rng=np.random.default_rng(1), thumbnails=False)
    store.db["run_stats"].delete_many({})  # a run finished before aggregates existed
    assert store.runs.stats([run_id]) == {}
    stats = aggregates.run_stats(store, [run_id])
    assert store.runs.stats([run_id])[run_id] == stats[run_id]  # stored for the next page
    store.db["run_stats"].update_one({"_id": run_id}, {"$set": {"version": 0, "models": []}})  # an outdated layout
    assert aggregates.run_stats(store, [run_id])[run_id]["models"] == stats[run_id]["models"]
    store.videos.delete_with_results(video_id)
    assert store.runs.stats([run_id]) == {}  # deleted with its run


def _without_clock(summary: str) -> list[str]:
    """A statsmodels summary without its "Time:" line (the clock when it was printed)."""
    return [line.split("Time:")[0] + line.split("Log-Likelihood:")[-1] if "Time:" in line else line for line in summary.splitlines()]


def test_a_regression_is_fitted_once_per_selection_and_kept_until_the_data_changes(store) -> None:
    from core.analysis import regression

    ids = populate(store, n_videos=4, n_frames=30, seed=2)
    runs = analytics.selected_runs(store, ids)
    videos = analytics.video_table(store, runs)
    fresh = regression.frame_regression(analytics.top1_table(store, list(runs.values())), videos, "resnet50")
    first = regression.kept_regression(store, runs, videos, "resnet50", "frame")
    assert store.db["run_fits"].count_documents({}) == 1
    store.db["run_top1"].delete_many({})  # a kept fit reads no frames: the same numbers come back from the store
    store.db["frames"].delete_many({})
    kept = regression.kept_regression(store, runs, videos, "resnet50", "frame")
    for result in (first, kept):
        assert result.stats() == fresh.stats() and result.warnings == fresh.warnings
        assert _without_clock(result.summary) == _without_clock(fresh.summary)
        pd.testing.assert_frame_equal(result.coefs, fresh.coefs)
    edited = videos.assign(views=videos["views"] * 2)  # an edited view count is another selection: fitted anew
    with pytest.raises(analytics.AnalysisUnavailable):  # (its frames are gone here, which proves it was not read from the kept fit)
        regression.kept_regression(store, runs, edited, "resnet50", "frame")
    store.videos.delete_with_results(ids[0])
    assert store.db["run_fits"].count_documents({}) == 0  # deleted with a run it used


def test_a_kept_fit_reads_back_non_finite_statistics_unchanged() -> None:
    from core.analysis import regression

    result = regression.RegressionResult(
        level="video", model="resnet50", formula="views ~ share_cat", n_obs=2, n_videos=2, df_model=1.0, df_resid=0.0, r2=1.0,
        adj_r2=float("nan"), f_stat=float("inf"), f_pvalue=float("nan"), llf=float("inf"), aic=float("-inf"), bic=float("-inf"),
        coefs=pd.DataFrame({"term": ["Intercept"], "coef": [1.5], "std_err": [float("nan")], "t": [float("nan")], "p_value": [float("nan")],
                            "ci_low": [float("-inf")], "ci_high": [float("inf")]}),
        summary="…", warnings=["w"], problem="p",
    )  # fmt: skip
    import json

    back = regression.RegressionResult.from_doc(json.loads(json.dumps(result.to_doc(), allow_nan=False)))
    pd.testing.assert_frame_equal(back.coefs, result.coefs)
    assert repr(back.stats()) == repr(result.stats()) and (back.summary, back.warnings, back.problem) == ("…", ["w"], "p")


def test_categories_rolled_up_from_the_aggregates_equal_categories_of_frames(library) -> None:
    """Issue 18's levels on issue 16's aggregates: counts renamed to categories and summed again
    equal counting the frames' categories, and so do each video's top categories."""
    from core.analysis import categories

    store, runs, top1 = library
    mapping = categories.default_mapping()
    rolled = analytics.regroup(categories.at_level(aggregates.label_counts(store, runs), mapping))
    direct = analytics.label_counts(categories.at_level(top1, mapping))
    pd.testing.assert_frame_equal(rolled.drop(columns="score_sum"), direct.drop(columns="score_sum"))
    assert rolled["score_sum"].to_numpy() == pytest.approx(direct["score_sum"].to_numpy(), rel=1e-12)
    assert rolled["label"].nunique() < analytics.label_counts(top1)["label"].nunique()
    summary = aggregates.with_labels(aggregates.summary_table(aggregates.run_stats(store, list(runs.values()))), rolled)
    first = summary.iloc[0]
    rows = categories.at_level(top1, mapping)
    counts = rows[(rows["run_id"] == first["run_id"]) & (rows["model"] == first["model"])]["label"].value_counts()
    top = counts.sort_index().sort_values(ascending=False, kind="stable").head(3)
    assert [(r["label"], r["count"]) for r in first["labels"][:3]] == list(top.items())
