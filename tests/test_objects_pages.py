"""Objects on screen in the analytics: per-frame, per-video and per-group tables and lift
(core.analysis.objects), the video-level regression on object shares, the export, and the
Overview, Results, Explorer, Popular vs unpopular and Regression pages under AppTest."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from core.analysis import objects, objects_by_group
from core.analysis.analytics import LIFT_SMOOTHING, AnalysisUnavailable, split_popularity
from core.analysis.regression import objects_regression
from core.analysis.thumbnails import thumbnails_with_boxes
from core.inference.runs import compact_on_screen, summarize_objects
from tests.synthetic import add_run, add_video
from tests.test_pages import open_page, texts


def _box(label: str, score: float = 0.8) -> dict:
    return {"label": label, "score": score, "box": [30, 20, 100, 80]}


def _detect(store, run_id: str, pattern: list[list[str]]) -> None:
    """Store the boxes ``pattern[i % len]`` (class names) on frame i of a run, and its summary, as the worker would."""
    for i, doc in enumerate(store.frames.of_run(run_id, {"_id": 1})):
        store.frames.set(doc["_id"], objects=[_box(name) for name in pattern[i % len(pattern)]])
    store.runs.set(run_id, objects=summarize_objects(store, run_id), **{"settings.objects": "retinanet"})
    compact_on_screen(store, run_id)


@pytest.fixture
def library(store) -> dict[str, str]:
    """Three videos: "Street" (popular; cars on every frame, a person on every other), "Kitchen"
    (unpopular; a cup on every fourth frame) and "Old" (no detection)."""
    runs = {}
    plan = (
        ("street", "Street", 2_000_000, [["car", "car", "person"], ["car"]]),
        ("kitchen", "Kitchen", 100_000, [["cup"], [], [], []]),
        ("old", "Old", 50_000, None),
    )
    for key, title, views, pattern in plan:
        vid = add_video(store, f"synthetic:{key}", title, view_count=views, seconds=8)
        store.videos.set(vid, width=320, height=240)
        runs[vid] = add_run(store, vid, 8, top_k=3)
        if pattern is not None:
            _detect(store, runs[vid], pattern)
    return runs


def test_per_frame_per_video_and_share_tables(store, library: dict[str, str]) -> None:
    street, kitchen, old = list(library)
    frames = objects.frame_table(store, library)
    assert list(frames.columns) == objects.FRAME_COLUMNS and set(frames["video_id"]) == {street, kitchen}  # old: no rows, not zeros
    on_street = frames[frames["video_id"] == street]
    assert on_street["objects"].tolist() == [3, 1] * 4 and on_street["object_classes"].tolist() == ["car; person", "car"] * 4
    summary = objects.summary_table(store, library).set_index("video_id")
    assert summary.loc[street, "with_objects"] == 1.0 and summary.loc[street, "mean_objects"] == 2.0 and summary.loc[street, "top_objects"] == "car, person"
    assert summary.loc[kitchen, "with_objects"] == 0.25 and summary.loc[kitchen, "mean_objects"] == 0.25
    assert summary.loc[old, ["frames", "with_objects", "mean_objects", "top_objects"]].isna().all()
    shares = objects.share_table(store, library).set_index(["video_id", "label"])
    assert shares.loc[(street, "car"), "frames"] == 8 and shares.loc[(street, "person"), "share"] == 0.5  # three cars on a frame count once
    assert shares.loc[(kitchen, "cup"), "share"] == 0.25 and len(shares) == 3


def test_groups_top_classes_and_lift(store, library: dict[str, str]) -> None:
    summary, shares = objects.summary_table(store, library), objects.share_table(store, library)
    _, groups = split_popularity(objects.with_objects(pd.DataFrame({"video_id": list(library)}), summary).assign(views=[2e6, 1e5, 5e4]), 1_000_000)
    table = objects_by_group.group_table(shares, summary, groups)
    assert table[["group", "label", "frames", "group_frames"]].values.tolist() == [
        ["popular", "car", 8, 8],
        ["popular", "person", 4, 8],
        ["unpopular", "cup", 2, 8],  # the old video detected nothing: not in the group's frames
    ]
    assert objects_by_group.top_by_group(table, n=1)["label"].tolist() == ["car", "cup"]
    frames = objects_by_group.group_frames(summary, groups)
    assert frames.to_dict() == {"popular": 8, "unpopular": 8}
    lift = objects_by_group.lift(table, frames).set_index("label")
    s = LIFT_SMOOTHING
    assert lift.loc["car", "lift"] == pytest.approx(((8 + s) / (8 + 2 * s)) / ((0 + s) / (8 + 2 * s)))
    assert lift.loc["cup", "popular_share"] == 0 and lift.loc["cup", "unpopular_share"] == 0.25
    assert lift.index[0] == "car" and lift.index[-1] == "cup"
    with pytest.raises(AnalysisUnavailable, match="both groups"):
        objects_by_group.lift(table, frames[["popular"]])
    # a group analysed with detection whose frames show nothing still counts: car on 8 of 8 popular frames, 0 of 8 unpopular
    lift = objects_by_group.lift(table[table["group"] == "popular"], frames).set_index("label")
    assert lift.loc["car", "unpopular_share"] == 0 and lift.loc["car", "lift"] == pytest.approx(((8 + s) / (8 + 2 * s)) / (s / (8 + 2 * s)))
    with pytest.raises(AnalysisUnavailable, match="no object on any of the 16 frames"):
        objects_by_group.lift(table.iloc[:0], frames)


def test_regression_on_object_shares_is_statsmodels_ols() -> None:
    shares = pd.DataFrame(
        [
            ("a", "car", 1, 0.1),
            ("b", "car", 3, 0.3),
            ("c", "car", 6, 0.6),
            ("d", "car", 7, 0.7),
            ("a", "dog", 5, 0.5),
            ("c", "dog", 1, 0.1),
            ("e", "dog", 9, 0.9),
        ],
        columns=objects.SHARE_COLUMNS,
    )
    summary = pd.DataFrame({"video_id": list("abcdef"), "frames": [10, 10, 10, 10, 10, None]})
    videos = pd.DataFrame({"video_id": list("abcdef"), "views": [1e6, 2.5e6, 2.9e6, 4.4e6, 0.5e6, 9e6]})
    result = objects_regression(shares, summary, videos, top_n=2)
    assert result.formula == "views ~ share_car + share_dog" and result.n_obs == 5  # f was not detected on; e shows no car: share 0
    data = pd.DataFrame({"share_car": [0.1, 0.3, 0.6, 0.7, 0.0], "share_dog": [0.5, 0.0, 0.1, 0.0, 0.9], "views": [1.0, 2.5, 2.9, 4.4, 0.5]})
    expected = smf.ols("views ~ share_car + share_dog", data=data).fit()
    coefs = result.coefs.set_index("term")["coef"]
    assert coefs["share_car"] == pytest.approx(expected.params["share_car"]) and result.r2 == pytest.approx(expected.rsquared)
    assert objects_regression(shares, summary, videos, top_n=1).formula == "views ~ share_car"  # car is on 17 frames, dog on 15
    with pytest.raises(AnalysisUnavailable, match="Only 1 of the selected videos"):
        objects_regression(shares, summary.assign(frames=[10, None, None, None, None, None]), videos)
    assert objects_regression(shares[shares["video_id"] < "d"], summary.iloc[:3], videos, top_n=2).problem is not None  # 3 videos, 3 coefficients
    everywhere = pd.concat([shares, pd.DataFrame([(v, "person", 10, 1.0) for v in "abcde"], columns=objects.SHARE_COLUMNS)])
    result = objects_regression(everywhere, summary, videos, top_n=3)  # person is on every frame of every video: no variation
    assert result.formula == "views ~ share_car + share_dog" and "Left out person" in result.warnings[0]
    with pytest.raises(AnalysisUnavailable, match="same share of frames in every one"):
        objects_regression(everywhere, summary, videos, top_n=1)


def test_a_frames_objects_in_words() -> None:
    boxes = [_box("person", 0.61), _box("traffic_light", 0.9), _box("person", 0.8), _box("car", 0.8)]
    assert objects.describe(boxes) == "traffic light 0.900 · car 0.800 · person ×2 0.800"
    assert objects.describe([]) == ""


def test_thumbnails_get_their_object_boxes(store, library: dict[str, str]) -> None:
    street, kitchen, old = list(library)
    frames = [d["frame"] for d in store.frames.of_run(library[kitchen], {"frame": 1})]
    boxed = thumbnails_with_boxes(store, library[kitchen], frames)
    decode = lambda url: cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)  # noqa: E731
    green = lambda image: int((image[:, :, 1].astype(int) - image[:, :, 2].astype(int)).max())  # noqa: E731 - the stored thumbnails are grey
    assert green(decode(boxed[frames[0]])) > 60  # a cup on frame 0: its green box is drawn
    assert green(decode(boxed[frames[1]])) < 20  # nothing on frame 1: the thumbnail as stored
    plain = thumbnails_with_boxes(store, library[old], frames)
    assert all(green(decode(url)) < 20 for url in plain.values())


def test_export_writes_one_row_per_box(store, library: dict[str, str], tmp_path) -> None:
    from core.analysis.results import export_predictions

    street, kitchen, old = list(library)
    export_predictions(store, tmp_path / "street", [street])
    table = pd.read_csv(tmp_path / "street" / "objects.csv")
    assert list(table.columns) == objects.EXPORT_COLUMNS and len(table) == 16 and table["label"].tolist()[:4] == ["car", "car", "person", "car"]
    assert table[["x", "y", "w", "h"]].iloc[0].tolist() == [30, 20, 100, 80]
    export_predictions(store, tmp_path / "old", [old])
    assert not (tmp_path / "old" / "objects.csv").exists()


def test_overview_columns_come_after_the_people_columns() -> None:
    overview = pd.DataFrame({"video_id": ["a"], "title": ["A"], "top3_resnet50": ["x"], "person_share": [0.5], "face_share": [0.1], "frames": [3]})
    summary = pd.DataFrame({"video_id": ["a"], "with_objects": [0.2], "top_objects": ["car"]})
    assert list(objects.with_objects(overview, summary).columns) == [
        "video_id",
        "title",
        "top3_resnet50",
        "person_share",
        "face_share",
        "with_objects",
        "top_objects",
        "frames",
    ]
    assert list(objects.with_objects(overview[["video_id", "frames"]], summary).columns) == ["video_id", "frames", "with_objects", "top_objects"]


def test_overview_page_shows_objects_columns(store, library: dict[str, str]) -> None:
    at = open_page("pages/overview.py")
    table = at.dataframe[0].value.set_index("Title")
    assert table.loc["Street", "Top objects"] == "car, person" and table.loc["Kitchen", "Frames with objects"] == 0.25
    assert pd.isna(table.loc["Old", "Top objects"])


@pytest.mark.parametrize("page", ["pages/results.py", "pages/explorer.py"])
def test_run_pages_show_objects_on_screen(store, library: dict[str, str], page: str) -> None:
    street, kitchen, old = list(library)
    at = open_page(page, {"video": street})
    assert "Objects on screen" in texts(at)
    assert {m.label: m.value for m in at.metric if m.label in ("Frames with objects", "Objects per frame", "Classes found")} == {
        "Frames with objects": "100.0%",
        "Objects per frame": "2.00",
        "Classes found": "2",
    }
    if page == "pages/explorer.py":
        assert "Objects: car ×2 0.800 · person 0.800" in texts(at)
        moment = open_page(page, {"video": street, "t": "1.0"})  # the moment of frame 1 (one car), as a Play click opens it
        assert any(m.value.startswith("**Objects**") and "car 0\\.800" in m.value for m in moment.markdown)
    else:
        assert "car; person" in at.dataframe[1].value["Objects found"].tolist()
    at = open_page(page, {"video": old})
    assert "Objects on screen" not in texts(at)  # a run without detection shows no empty section


def test_popularity_page_compares_objects(store, library: dict[str, str]) -> None:
    at = open_page("pages/popularity.py", {"threshold": "1000000"})
    assert "Objects on screen" in texts(at) and "(2 of 3)" in texts(at)
    lift = next(d.value for d in at.dataframe if "Lift" in d.value.columns)
    assert lift["Label"].tolist() == ["car", "person", "cup"]


def test_word_clouds_page_draws_the_objects_on_screen_beside_the_labels(store, library: dict[str, str]) -> None:
    street, kitchen, old = list(library)
    at = open_page("pages/wordclouds.py")
    assert not at.exception
    headings = [m.value for m in at.markdown if m.value.startswith("**Objects on screen**")]
    assert sorted(headings) == ["**Objects on screen** · 1 COCO class", "**Objects on screen** · 2 COCO classes"]  # Kitchen, Street; Old detected nothing
    keys = {b.key for b in at.get("download_button")}
    assert {f"wc.{street}.objects", f"wc.{kitchen}.objects"} <= keys and f"wc.{old}.objects" not in keys
    assert "Each class sized by the frames showing it" in texts(at)


def test_confidence_page_shows_the_detectors_box_scores(store, library: dict[str, str]) -> None:
    street, kitchen, old = list(library)
    at = open_page("pages/confidence.py", {"video": street})
    assert not at.exception
    assert "Object detector" in [h.value for h in at.subheader]
    assert any(m.value == "**RetinaNet (COCO)** · 16 boxes on 8 frames · mean score **0.800**" for m in at.markdown)  # 4 × 3 + 4 × 1
    assert any("upper part of the detector's scores" in c.value for c in at.caption)
    assert [i.value for i in at.info] == ["All 16 box scores are 0.800 to three decimals, so there is no spread to draw."]  # not a one-bar histogram
    at = open_page("pages/confidence.py", {"video": old})
    assert not at.exception and "Object detector" not in [h.value for h in at.subheader]


def test_regression_page_offers_objects_on_screen(store) -> None:
    for i, pattern in enumerate([[["car"]], [["car"], []], [["dog"], ["car"], []], [["dog"]], [[]]]):
        vid = add_video(store, f"synthetic:o{i}", f"Video {i}", view_count=1_000_000 * (i + 1) ** 2, seconds=6)
        _detect(store, add_run(store, vid, 6, top_k=3), pattern)
    at = open_page("pages/regression.py", {"level": "objects"})
    assert "per object, the share of its frames showing it" in texts(at)
    assert [m.label for m in at.metric][:2] == ["R²", "Adj. R²"]
    assert {"share of car", "share of dog"} <= set(at.dataframe[0].value.iloc[:, 0])


def _downloaded(at, label: str) -> bytes:
    """The bytes behind the download button ``label`` of the last AppTest run. AppTest keeps them in
    the in-memory media storage of a mock runtime it drops after the run, so the storage is found by type."""
    import gc

    from streamlit.runtime.media_file_storage import MediaFileStorageError
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    [button] = [b for b in at.get("download_button") if label in b.proto.label]
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    for storage in (o for o in gc.get_objects() if isinstance(o, MemoryMediaFileStorage)):
        try:
            return storage.get_file(file_id).content
        except MediaFileStorageError:  # another run's storage
            continue
    raise AssertionError(f"no stored file for {label!r}")


def test_results_csv_holds_the_people_and_objects_the_page_shows(store, library: dict[str, str]) -> None:
    import io

    street, kitchen, old = list(library)
    at = open_page("pages/results.py", {"video": street})
    shown = at.dataframe[1].value["Objects found"].tolist()
    csv = pd.read_csv(io.BytesIO(_downloaded(at, "Download all frames")))
    assert csv["object_classes"].tolist()[: len(shown)] == shown and len(csv) == 8
    assert "persons" not in csv.columns  # this run did not count people: no empty column
    at = open_page("pages/results.py", {"video": old})
    assert "object_classes" not in pd.read_csv(io.BytesIO(_downloaded(at, "Download all frames"))).columns


def test_the_report_shows_what_the_overview_shows(store, library: dict[str, str]) -> None:
    from core.analysis.report import build_report

    report = build_report(store)
    table = report.videos.set_index("title")
    assert table.loc["Street", "top_objects"] == "car, person" and table.loc["Kitchen", "with_objects"] == 0.25 and pd.isna(table.loc["Old", "with_objects"])
    assert ">Top objects</th>" in report.html and ">Frames with objects</th>" in report.html and "car, person" in report.html
    assert ">Frames with people</th>" not in report.html  # no run counted people: the empty column is left out


def test_the_report_compares_objects_as_the_popularity_page_does(store, library: dict[str, str], tmp_path) -> None:
    import io

    from core.analysis.report import build_report, write_report

    report = build_report(store, threshold=1_000_000)
    assert report.on_screen is not None and report.on_screen.people is None  # no run counted people: no people section
    assert "Objects on screen: popular vs unpopular" in report.html and "(2 of 3)" in report.html
    assert "People on screen: popular vs unpopular" not in report.html
    assert report.on_screen.object_lift["label"].tolist() == ["car", "person", "cup"]
    assert report.html.count("Top-20 objects") == 2  # a chart per group (plotly writes the titles' "·" as an escape)
    write_report(report, tmp_path)
    page = open_page("pages/popularity.py", {"threshold": "1000000"})
    assert (tmp_path / "top_objects.csv").read_bytes() == _downloaded(page, "Download top-20 objects")
    lift = pd.read_csv(tmp_path / "lift_objects.csv")
    shown = next(d.value for d in page.dataframe if "Lift" in d.value.columns)
    assert lift["label"].tolist() == shown["Label"].tolist() and lift["lift"].tolist() == pytest.approx(shown["Lift"].tolist(), rel=0, abs=0)
    assert not (tmp_path / "people_by_group.csv").exists()
    assert pd.read_csv(io.BytesIO((tmp_path / "top_objects.csv").read_bytes()))["group"].tolist() == ["popular", "popular", "unpopular"]


def test_the_report_compares_people_per_group(store, library: dict[str, str]) -> None:
    from core.analysis.report import build_report
    from core.media.people import summarize

    street, kitchen, _ = list(library)
    store.runs.set(library[street], people=summarize([1] * 8, [2] * 8))  # people on every frame
    store.runs.set(library[kitchen], people=summarize([0] * 8, [1, 0, 0, 0] * 2))  # on a quarter of them
    report = build_report(store, threshold=1_000_000)
    table = report.on_screen.people.set_index("group")
    assert table.loc["popular", "person_share"] == 1.0 and table.loc["unpopular", "person_share"] == 0.25
    assert table.loc["popular", "videos"] == 1 and table.loc["unpopular", "videos"] == 1  # the old video counted nobody: not in the means
    assert "People on screen: popular vs unpopular" in report.html and "25%" in report.html
