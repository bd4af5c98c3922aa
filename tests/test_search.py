"""Library-wide label search (issue 15, item 16): matching by words, the frames found checked
against a direct scan of the stored frame documents, and the page with its CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analysis.analytics import selected_runs
from core.analysis.search import SEARCH_COLUMNS, matching_labels, search_frames, summary_by_video
from core.inference import imagenet_labels
from tests.synthetic import add_run, add_video
from tests.test_pages import open_page


def test_labels_match_by_whole_words() -> None:
    found = matching_labels("car", imagenet_labels())
    assert {"car_wheel", "freight_car", "passenger_car", "sports_car", "car_mirror"} <= set(found)
    assert not {"carton", "cardigan", "golfcart", "aircraft_carrier"} & set(found)
    assert matching_labels("Sports Car", imagenet_labels()) == ["sports_car"]
    assert matching_labels("tobacco shop", imagenet_labels())[0] == "tobacco_shop"
    assert matching_labels("  ", imagenet_labels()) == [] and matching_labels("zzz", imagenet_labels()) == []


@pytest.fixture
def library(store) -> dict[str, str]:
    rng = np.random.default_rng(7)
    runs = {}
    for i in range(3):
        vid = add_video(store, f"synthetic:{i}", f"Video {i}", views=1000 * (i + 1), offset_s=i)
        runs[vid] = add_run(store, vid, 40, top_k=5, rng=rng, thumbnails=False)
    return runs


def _direct(store, runs: dict[str, str], labels: set[str], min_score: float, top_only: bool) -> set[tuple]:
    """The same search, by reading every frame document."""
    found = set()
    for run_id in runs.values():
        for doc in store.db["frames"].find({"run_id": run_id}):
            for model, pred in doc["preds"].items():
                for rank, (label, score) in enumerate(zip(pred["labels"], pred["scores"]), start=1):
                    if label in labels and score >= min_score and (rank == 1 or not top_only):
                        found.add((run_id, model, doc["frame"], rank, label))
    return found


@pytest.mark.parametrize(("min_score", "any_rank"), [(0.5, False), (0.1, False), (0.1, True), (0.0, True)])
def test_search_finds_exactly_the_frames_a_scan_finds(store, library: dict[str, str], min_score: float, any_rank: bool) -> None:
    runs = selected_runs(store)
    assert runs == library
    top1 = pd.concat([pd.DataFrame(store.db["run_top1"].find_one({"_id": r})["models"]["resnet50"]) for r in runs.values()])
    labels = set(top1["labels"].value_counts().index[:3])  # labels that do occur
    hits = search_frames(store, runs, labels, min_score, any_rank=any_rank)
    assert list(hits.columns) == SEARCH_COLUMNS and not hits.empty
    got = {(r.run_id, r.model, r.frame, r.rank, r.label) for r in hits.itertuples()}
    assert got == _direct(store, runs, labels, min_score, top_only=not any_rank)
    assert (hits["score"] >= min_score).all()


def test_top_label_and_any_rank_agree_from_half_confidence(store, library: dict[str, str]) -> None:
    labels = set(imagenet_labels())
    strict = search_frames(store, library, labels, 0.5)
    every = search_frames(store, library, labels, 0.5, any_rank=True)
    assert len(strict) > 0 and strict.equals(every)


def test_models_filter_and_summary(store, library: dict[str, str]) -> None:
    labels = set(imagenet_labels())
    hits = search_frames(store, library, labels, 0.0, models=["resnet50"])
    assert set(hits["model"]) == {"resnet50"} and len(hits) == 3 * 40
    summary = summary_by_video(hits)
    assert list(summary["video_id"]) == list(library) and (summary["frames"] == 40).all()


@pytest.mark.pages
def test_search_page_lists_frames_and_exports_what_it_shows(store, library: dict[str, str]) -> None:
    runs = selected_runs(store)
    top = store.db["run_top1"].find_one({"_id": next(iter(runs.values()))})["models"]["inception_v3"]["labels"][0]
    word = top.split("_")[-1]
    at = open_page("pages/search.py", {"q": word, "min": "0"})
    assert not at.exception
    expected = search_frames(store, runs, matching_labels(word, imagenet_labels()), 0.0)
    n_frames = len(expected.drop_duplicates(["run_id", "frame"]))
    assert any(f"**{n_frames:,}** frames in" in m.value for m in at.markdown)
    shown = at.dataframe[0].value
    assert list(shown["frames"]) == list(summary_by_video(expected)["frames"])
    assert set(shown["title"]) <= {"Video 0", "Video 1", "Video 2"}


@pytest.mark.pages
def test_search_page_explains_an_unknown_word(store, library: dict[str, str]) -> None:
    at = open_page("pages/search.py", {"q": "spaceship"})
    assert not at.exception
    assert any("No ImageNet label contains" in w.value for w in at.warning)
