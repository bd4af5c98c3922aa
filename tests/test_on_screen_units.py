"""People and objects on screen counted as the unit selector says: segments left out, shots
instead of frames (core.analysis.people / objects, the pages and the report).

The library: "Street" (popular) and "Kitchen" (unpopular), 8 frames each at 1 fps of a 24 fps video
(frames 0, 24, …, 168), both with three shots starting at frames 0, 48 and 120 and a black segment
over frames 72–119 (frames 72 and 96); "Old" counted nothing and has no shots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analysis import objects, on_screen, people, units
from core.inference.runs import compact_on_screen
from core.store import utcnow
from tests.synthetic import add_run, add_video
from tests.test_objects_pages import _detect, _downloaded
from tests.test_pages import open_page, texts
from tests.test_people_pages import _count_people

SHOTS = [[0, 48], [48, 120], [120, 192]]
BLACK = {"kind": "black", "start": 72, "end": 120}
STREET_OBJECTS = [["car", "car", "person"], ["car"], [], ["person"], ["dog"], [], ["car"], ["car", "dog"]]
"""Per frame: with objects on 6 of 8, 9 boxes; car on 4 frames, person and dog on 2."""
STREET_PEOPLE = [0, 1, 2, 0]
KITCHEN_OBJECTS = [["cup"], [], [], []]


def _scenes(store, run_id: str, video_id: str) -> None:
    store.scenes.save(run_id, video_id, {"fps": 24.0, "frame_count": 192, "shots": SHOTS, "segments": [BLACK]}, utcnow())


@pytest.fixture
def library(store) -> dict[str, str]:
    runs = {}
    for key, title, views in (("street", "Street", 2_000_000), ("kitchen", "Kitchen", 100_000), ("old", "Old", 50_000)):
        vid = add_video(store, f"synthetic:{key}", title, view_count=views, seconds=8)
        store.videos.set(vid, width=320, height=240)
        runs[vid] = add_run(store, vid, 8, top_k=3)
    street, kitchen, old = runs
    _count_people(store, runs[street], STREET_PEOPLE)
    _count_people(store, runs[kitchen], [0])
    _detect(store, runs[street], STREET_OBJECTS)
    _detect(store, runs[kitchen], KITCHEN_OBJECTS)
    _scenes(store, runs[street], street)
    _scenes(store, runs[kitchen], kitchen)
    store.runs.set(runs[old], **{"settings.people": False})
    return runs


# Street's people per frame: 0 1 2 0 | 0 1 2 0 (frames 72 and 96 black: 0 and 0).
PEOPLE_CASES = [
    pytest.param("frames", [], 8, 4 / 8, 6 / 8, id="stored"),
    pytest.param("frames", ["black"], 6, 4 / 6, 6 / 6, id="black-left-out"),
    # shots: (0, 1) → 1 of 2, no majority, mean 0.5; (2, 0, 0) → no, mean 2/3; (1, 2, 0) → yes, mean 1
    pytest.param("shots", [], 3, 1 / 3, (0.5 + 2 / 3 + 1) / 3, id="shots"),
    # shots, black left out: (0, 1) → no, 0.5; (2) → yes, 2; (1, 2, 0) → yes, 1
    pytest.param("shots", ["black"], 3, 2 / 3, (0.5 + 2 + 1) / 3, id="shots-black-left-out"),
]


@pytest.mark.parametrize(("unit", "leave_out", "n", "share", "mean"), PEOPLE_CASES)
def test_people_summary_counts_as_the_unit_selector_says(store, library, unit, leave_out, n, share, mean) -> None:
    street, kitchen, old = library
    summary = on_screen.people_in_units(store, library, unit, leave_out).set_index("video_id")
    assert list(summary.reset_index().columns) == people.SUMMARY_COLUMNS
    assert summary.loc[street, "frames"] == n
    assert summary.loc[street, "person_share"] == pytest.approx(share, abs=1e-12) and summary.loc[street, "face_share"] == summary.loc[street, "person_share"]
    assert summary.loc[street, "mean_persons"] == pytest.approx(mean, abs=1e-12)
    assert summary.loc[kitchen, "person_share"] == 0.0  # counted, nobody on screen
    assert summary.loc[old, ["frames", "person_share", "mean_persons"]].isna().all()  # not counted: missing, never zeros


def test_people_from_frames_equal_the_stored_summaries(store, library) -> None:
    stored = people.summary_table(store, library)
    from_frames = on_screen.people_summary(people.people_table(store, library), library, counted=library.values())
    from_frames.loc[from_frames["video_id"] == list(library)[2], "frames"] = np.nan  # "Old" counted nothing: stored as missing
    pd.testing.assert_frame_equal(from_frames, stored)


def test_a_run_left_with_no_frames_has_zero_frames_and_no_shares(store, library) -> None:
    street = next(iter(library))
    store.scenes.save(
        library[street], street, {"fps": 24.0, "frame_count": 192, "shots": SHOTS, "segments": [{"kind": "black", "start": 0, "end": 192}]}, utcnow()
    )
    row = on_screen.people_in_units(store, {street: library[street]}, "frames", ["black"]).iloc[0]
    assert row["frames"] == 0 and pd.isna(row["person_share"])


# Street's objects per frame (STREET_OBJECTS); frames 72 ([person]) and 96 ([dog]) are black.
OBJECT_CASES = [
    pytest.param("frames", [], 8, 6 / 8, 9 / 8, {"car": 4, "dog": 2, "person": 2}, "car, dog, person", id="stored"),
    pytest.param("frames", ["black"], 6, 4 / 6, 7 / 6, {"car": 4, "dog": 1, "person": 1}, "car, dog, person", id="black-left-out"),
    # shots: (ccp, c) → objects 2/2, car 2/2, person 1/2; ([], p, d) → objects 2/3, nothing by class; ([], c, cd) → objects 2/3, car 2/3
    pytest.param("shots", [], 3, 1.0, (2 + 2 / 3 + 1) / 3, {"car": 2}, "car", id="shots"),
    # shots, black left out: the middle shot keeps frame 48 only, which shows nothing
    pytest.param("shots", ["black"], 3, 2 / 3, (2 + 0 + 1) / 3, {"car": 2}, "car", id="shots-black-left-out"),
]


@pytest.mark.parametrize(("unit", "leave_out", "n", "with_objects", "mean", "shown", "top"), OBJECT_CASES)
def test_object_tables_count_as_the_unit_selector_says(store, library, unit, leave_out, n, with_objects, mean, shown, top) -> None:
    street, kitchen, old = library
    summary, shares = on_screen.objects_in_units(store, library, unit, leave_out)
    assert list(summary.columns) == objects.SUMMARY_COLUMNS and list(shares.columns) == objects.SHARE_COLUMNS
    row = summary.set_index("video_id").loc[street]
    assert row["frames"] == n and row["top_objects"] == top
    assert row["with_objects"] == pytest.approx(with_objects, abs=1e-12) and row["mean_objects"] == pytest.approx(mean, abs=1e-12)
    on_street = shares[shares["video_id"] == street].set_index("label")
    assert on_street["frames"].to_dict() == shown and on_street["share"].to_dict() == pytest.approx({k: v / n for k, v in shown.items()})
    assert pd.isna(summary.set_index("video_id").loc[old, "frames"]) and old not in set(shares["video_id"])


def test_no_class_on_most_of_any_shot_gives_empty_shares_not_an_error(store, library) -> None:
    street, kitchen, old = library
    summary, shares = on_screen.objects_in_units(store, {kitchen: library[kitchen]}, "shots")  # Kitchen's cups are never on most of a shot
    assert shares.empty and list(shares.columns) == objects.SHARE_COLUMNS and shares["share"].dtype == float
    assert summary["frames"].tolist() == [3] and pd.isna(summary["top_objects"].iloc[0])
    at = open_page("pages/wordclouds.py", {"unit": "shots"})
    assert not at.exception


def test_the_kept_arrays_give_the_tables_the_frames_give_and_go_with_their_video(store, settings, library) -> None:
    from core.media.videos import delete_video

    kept_people, kept_objects = people.people_table(store, library), objects.frame_table(store, library, classes=True)
    assert store.runs.on_screen(library[list(library)[0]], "people") is not None  # read from the kept arrays
    street, kitchen, old = library
    store.db["run_on_screen"].delete_many({})  # as for runs finished before the arrays were kept: read from the frames
    store.db["runs"].update_one({"_id": library[kitchen]}, {"$unset": {"finished_at": ""}})  # as for a run still going
    pd.testing.assert_frame_equal(people.people_table(store, library), kept_people)
    pd.testing.assert_frame_equal(objects.frame_table(store, library, classes=True), kept_objects)
    kept = {d["_id"] for d in store.db["run_on_screen"].find({})}  # kept now for the finished runs, not for the one going on
    assert kept == {f"{library[v]}:{part}" for v in (street, old) for part in ("people", "objects")}
    assert store.runs.on_screen(library[old], "people") == {"frames": [], "time_s": [], "faces": [], "persons": []}  # not counted: read once, not again
    compact_on_screen(store, library[street])
    delete_video(store, settings, street)
    assert store.db["run_on_screen"].count_documents({"run_id": library[street]}) == 0


def test_objects_from_frames_equal_the_stored_summaries(store, library) -> None:
    rows = objects.frame_table(store, library, classes=True)
    summary, shares = on_screen.objects_tables(rows, library, counted=rows["run_id"].unique())
    pd.testing.assert_frame_equal(summary, objects.summary_table(store, library))
    pd.testing.assert_frame_equal(shares, objects.share_table(store, library))


def test_the_default_choice_reads_the_stored_summaries_not_the_frames(store, library, monkeypatch) -> None:
    def no_frames(*args, **kwargs):
        raise AssertionError("frames read for the default choice")

    monkeypatch.setattr(people, "people_table", no_frames)
    monkeypatch.setattr(objects, "frame_table", no_frames)
    assert on_screen.people_in_units(store, library)["person_share"].iloc[0] == 0.5
    assert on_screen.objects_in_units(store, library)[0]["with_objects"].iloc[0] == 0.75


def test_units_majority_needs_more_than_half() -> None:
    assert units.majority(2, 3) and not units.majority(1, 2) and units.majority(1, 1)


@pytest.mark.pages
def test_the_overview_counts_people_and_objects_without_black(store, library) -> None:
    at = open_page("pages/overview.py", {"skip": "black"})
    assert not at.exception
    row = at.dataframe[0].value.set_index("Title").loc["Street"]
    assert row["Frames with people"] == pytest.approx(4 / 6) and row["Frames with objects"] == pytest.approx(4 / 6)
    assert row["Frames"] == 6
    at = open_page("pages/overview.py", {"unit": "shots"})
    table = at.dataframe[0].value.set_index("Title")
    assert "Shots" in table.columns and table.loc["Street", "Shots"] == 3 and table.loc["Street", "Top objects"] == "car"
    assert {"Shots with people", "Shots with a face", "Shots with objects"} <= set(table.columns) and "Frames with people" not in table.columns


@pytest.mark.pages
@pytest.mark.parametrize(("params", "people_shares"), [({"skip": "black"}, [4 / 6, 0.0]), ({"unit": "shots"}, [1 / 3, 0.0])])
def test_popularity_page_and_report_count_people_and_objects_alike(store, library, tmp_path, params, people_shares) -> None:
    from core.analysis.report import build_report, write_report

    report = build_report(store, threshold=1_000_000, unit=params.get("unit", "frames"), leave_out=[params["skip"]] if "skip" in params else [])
    write_report(report, tmp_path)
    at = open_page("pages/popularity.py", {"threshold": "1000000", **params})
    assert not at.exception
    assert (tmp_path / "top_objects.csv").read_bytes() == _downloaded(at, "Download top-20 objects")  # read at once: the page's files go with its run
    by_group = next(d.value for d in at.dataframe if "Videos" in d.value.columns)
    counted = "Shots" if params.get("unit") == "shots" else "Frames"  # the column names what it counts
    assert by_group[f"{counted} with people"].tolist() == pytest.approx(people_shares)
    top = pd.read_csv(tmp_path / "top_objects.csv")
    street_car = top[(top["group"] == "popular") & (top["label"] == "car")].iloc[0]
    assert street_car["frames"] == (4 if "skip" in params else 2)
    assert report.on_screen.people["person_share"].tolist() == pytest.approx(people_shares)
    lift = pd.read_csv(tmp_path / "lift_objects.csv")
    page_lift = next(d.value for d in at.dataframe if "Lift" in d.value.columns)
    assert lift["label"].tolist() == page_lift["Label"].tolist() and lift["lift"].tolist() == pytest.approx(page_lift["Lift"].tolist(), rel=0, abs=0)
    if params.get("unit") == "shots":
        assert "Shots showing this object" in report.html and "more than half of its frames" in texts(at)


@pytest.mark.pages
def test_the_regression_page_fits_people_without_black(store, library) -> None:
    extra = add_video(store, "synthetic:crowd", "Crowd", view_count=5_000_000, seconds=8)
    run_id = add_run(store, extra, 8, top_k=3)
    _count_people(store, run_id, [1])
    _scenes(store, run_id, extra)
    at = open_page("pages/regression.py", {"level": "people", "skip": "black"})
    assert not at.exception
    coefs = at.dataframe[0].value
    coef = coefs.set_index(coefs.columns[0])["Coefficient"]
    # views (millions) of Street, Kitchen and Crowd on their people shares without black frames: 4/6, 0 and 1
    assert coef["frames with people"] == pytest.approx(np.polyfit([4 / 6, 0.0, 1.0], [2.0, 0.1, 5.0], 1)[0])


def test_the_report_names_shot_rows_and_why_runs_are_left_out(store, library, tmp_path) -> None:
    from core.analysis.report import build_report, write_report

    report = build_report(store, unit="shots", leave_out=["black"])
    assert "shots" in report.videos.columns and "frames" not in report.videos.columns
    assert ">Shots</th>" in report.html and ">Shots with people</th>" in report.html and ">Frames with people</th>" not in report.html
    write_report(report, tmp_path)
    assert "shots" in pd.read_csv(tmp_path / "videos.csv").columns
    assert "1 of 3 runs have no shots, or none left after leaving out segments, and are left out." in report.html
    assert "1 of 3 runs have no shots and are left out." in build_report(store, unit="shots").html
    row = report.videos.set_index("title").loc["Street"]
    assert row["person_share"] == pytest.approx(2 / 3) and row["with_objects"] == pytest.approx(2 / 3)
