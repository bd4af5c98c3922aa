"""Training sets: every bad input gets a message naming its rows or files; the real Tom & Jerry mapping's quirk is handled."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.errors import TrainingSetError
from core.screentime import trainingset
from tests.media import write_character_images

CLASSES = {0: "neither", 1: "red", 2: "blue"}


@pytest.fixture
def images(tmp_path: Path) -> tuple[Path, list[tuple[str, int]]]:
    pairs = write_character_images(tmp_path / "imgs", per_class=3)
    return tmp_path / "imgs", pairs


def _csv(path: Path, rows: list[tuple[str, object]], header: str = "Image_ID,Class") -> Path:
    path.write_text(header + "\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    return path


def test_real_mapping_reports_and_drops_the_conflicting_frame(shared_data: Path) -> None:
    folder = shared_data / "tom_and_jerry"
    ts = trainingset.from_mapping(folder / "mapping.csv", folder / "train_frames", trainingset.parse_classes("0=neither,1=Jerry,2=Tom"))
    assert ts.counts() == {"neither": 110, "Jerry": 67, "Tom": 119}  # 297 distinct images less frame94.jpg
    assert "frame94.jpg" not in {i.image for i in ts.items}
    assert any("frame94.jpg is labelled 2 and 0 on rows 96, 97" in n for n in ts.notes)
    assert "1 image in train_frames is not listed in mapping.csv and was left out: frame95.jpg." in ts.notes
    with pytest.raises(TrainingSetError, match=r"frame94\.jpg is labelled 2 and 0 on rows 96, 97"):
        trainingset.from_mapping(folder / "mapping.csv", folder / "train_frames", drop_conflicts=False)


def test_a_zip_with_a_top_folder_works_like_the_folder(tmp_path: Path, images) -> None:
    folder, pairs = images
    archive = tmp_path / "frames.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, _ in pairs:
            z.write(folder / name, f"train_frames/{name}")
        z.writestr("__MACOSX/._img0.jpg", b"junk")
    ts = trainingset.from_mapping(_csv(tmp_path / "m.csv", pairs), archive, CLASSES)
    assert sorted(i.image for i in ts.items) == sorted(n for n, _ in pairs)
    assert ts.counts() == {"neither": 3, "red": 3, "blue": 3}


@pytest.mark.parametrize(
    "header, rows, message",
    [
        pytest.param(
            "name,kind",
            [("img0.jpg", 0)],
            r"has columns 'name', 'kind': it lacks an image column \(Image_ID\) and a class column \(Class\)",
            id="not-image-id-class",
        ),
        pytest.param(
            "Image_ID,Class",
            [("img0.jpg", 0), ("missing7.jpg", 1), ("img1.jpg", 1), ("img2.jpg", 2), ("img4.jpg", 1), ("img5.jpg", 2)],
            r"row 3: no image named missing7\.jpg",
            id="id-with-no-image",
        ),
        pytest.param("Image_ID,Class", [("img0.jpg", "tom"), ("img1.jpg", 1.5)], r"rows 2, 3: the class is not an integer", id="class-not-integer"),
        pytest.param("Image_ID,Class", [("img0.jpg", 0), ("img1.jpg", 7)], r"row 3: class 7 is not in the class list", id="class-not-in-list"),
        pytest.param("Image_ID,Class", [("img0.jpg", 0), ("img3.jpg", 0)], r"at least two classes", id="one-class"),
        pytest.param("Image_ID,Class", [("img0.jpg", 0), ("img3.jpg", 0), ("img1.jpg", 1)], r"Too few images to split.*'red' has 1", id="too-few-to-split"),
    ],
)
def test_bad_mappings_name_their_rows(tmp_path: Path, images, header: str, rows, message: str) -> None:
    folder, _ = images
    with pytest.raises(TrainingSetError, match=message):
        trainingset.from_mapping(_csv(tmp_path / "m.csv", rows, header), folder, CLASSES)


def test_undecodable_images_are_named(tmp_path: Path, images) -> None:
    folder, pairs = images
    (folder / "img4.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(TrainingSetError, match=r"row 6: img4\.jpg does not decode as an image"):
        trainingset.from_mapping(_csv(tmp_path / "m.csv", pairs), folder, CLASSES)


def test_zip_without_images(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "no pictures")
    with pytest.raises(TrainingSetError, match="empty.zip holds no images"):
        trainingset.from_mapping(_csv(tmp_path / "m.csv", [("a.jpg", 0)]), archive)
    with pytest.raises(TrainingSetError, match="empty.zip has no class folders"):
        trainingset.from_folders(archive)


def test_class_lists() -> None:
    assert trainingset.parse_classes("0=neither, 1=Jerry,2=Tom") == {0: "neither", 1: "Jerry", 2: "Tom"}
    assert trainingset.parse_classes("") is None
    for bad in ("zero=a", "0=", "0=a,0=b", "0=a,1=a"):
        with pytest.raises(TrainingSetError):
            trainingset.parse_classes(bad)


def test_sports_folders_and_storage_round_trip(store, tmp_path: Path, shared_data: Path) -> None:
    ts = trainingset.from_folders(shared_data / "sports")
    assert ts.classes == {0: "badminton", 1: "formula1", 2: "volleyball"}
    assert ts.counts() == {"badminton": 40, "formula1": 40, "volleyball": 40}
    set_id = trainingset.save(store, ts, "sports")
    loaded = trainingset.load(store, set_id, tmp_path / "work")
    assert loaded.items == ts.items and loaded.classes == ts.classes
    first = loaded.items[0].image
    assert (loaded.image_dir / first).read_bytes() == (shared_data / "sports" / first).read_bytes()


def test_stratified_split_keeps_every_class_on_both_sides() -> None:
    from core.screentime.classifier import balanced_class_weights, stratified_split

    labels = np.array([0] * 10 + [1] * 2 + [2] * 30)
    train, val = stratified_split(labels, 0.3, seed=0)
    assert sorted(np.r_[train, val]) == list(range(len(labels)))
    assert [int((labels[val] == c).sum()) for c in range(3)] == [3, 1, 9]
    assert np.array_equal(stratified_split(labels, 0.3, seed=0)[1], val)  # repeatable with its seed
    weights = balanced_class_weights(labels)
    assert weights[1] == pytest.approx(42 / (3 * 2)) and weights[2] == pytest.approx(42 / (3 * 30))


def test_every_problem_is_reported_together_with_the_notes(tmp_path: Path, images) -> None:
    """A conflicting duplicate (as the real frame94.jpg), a missing image and a bad class: one message names them all."""
    folder, _ = images
    rows = [("img0.jpg", 0), ("img0.jpg", 2), ("nope.jpg", 1), ("img1.jpg", "tom"), ("img3.jpg", 0), ("img4.jpg", 1), ("img5.jpg", 2)]
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_mapping(_csv(tmp_path / "m.csv", rows), folder, CLASSES)
    message = str(info.value)
    assert "row 5: the class is not an integer" in message
    assert "row 4: no image named nope.jpg" in message
    assert "img0.jpg is labelled 0 and 2 on rows 2, 3" in message  # the note, beside the errors


def test_a_classifier_that_cannot_get_a_version_fails_its_job(store, monkeypatch: pytest.MonkeyPatch) -> None:
    from pymongo.errors import DuplicateKeyError

    from core.errors import ScreenTimeError
    from core.screentime import classifier as screen_classifier

    first, second = {"name": "toons", "metrics": {}}, {"name": "toons", "metrics": {}}
    screen_classifier.insert_versioned(store, first)
    screen_classifier.insert_versioned(store, second)
    assert (first["version"], second["version"]) == (1, 2)

    def always_taken(doc: dict) -> None:
        raise DuplicateKeyError("version taken")

    monkeypatch.setattr(store.classifiers._c, "insert_one", always_taken)
    with pytest.raises(ScreenTimeError, match="could not be stored: other trainings of that name took each of 5 version numbers first"):
        screen_classifier.insert_versioned(store, {"name": "toons", "metrics": {}})


def test_images_the_mapping_does_not_list_are_noted(tmp_path: Path, images) -> None:
    folder, pairs = images
    ts = trainingset.from_mapping(_csv(tmp_path / "m.csv", pairs[:-2]), folder, CLASSES)
    assert ts.notes == ["2 images in imgs are not listed in m.csv and were left out: img7.jpg, img8.jpg."]
    assert len(ts.items) == 7
    assert trainingset.from_mapping(_csv(tmp_path / "all.csv", pairs), folder, CLASSES).notes == []


@pytest.mark.parametrize(
    "names, message",
    [
        pytest.param(
            [f"frame{i}.jpg" for i in range(9)],
            "m.csv cannot be used: 0 of 9 labels matched an image in imgs (labels name frame0.jpg, images are img0.jpg); "
            "check that the CSV and the images belong together.",
            id="none",
        ),
        pytest.param(
            [f"img{i}.jpg" for i in range(7)] + ["frame7.jpg", "frame8.jpg"],
            "m.csv cannot be used: 7 of 9 labels matched an image in imgs; rows 9, 10: no image named frame7.jpg, frame8.jpg. "
            "Also: 2 images in imgs are not listed in m.csv and were left out: img7.jpg, img8.jpg.",
            id="some",
        ),
    ],
)
def test_labels_that_name_no_image_say_how_many_matched(tmp_path: Path, images, names: list[str], message: str) -> None:
    folder, pairs = images
    rows = [(name, class_id) for name, (_, class_id) in zip(names, pairs)]
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_mapping(_csv(tmp_path / "m.csv", rows), folder, CLASSES)
    assert str(info.value) == message


def test_images_in_several_sub_folders_are_found_stored_and_loaded(store, tmp_path: Path, images) -> None:
    """A ZIP of ``part1/`` and ``part2/`` (no single top folder): the CSV names the files only."""
    folder, pairs = images
    archive = tmp_path / "parts.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i, (name, _) in enumerate(pairs):
            z.write(folder / name, f"part{1 + i % 2}/{name}")
    ts = trainingset.from_mapping(_csv(tmp_path / "m.csv", pairs), archive, CLASSES)
    assert ts.items[:2] == [trainingset.LabelledImage("part1/img0.jpg", 0), trainingset.LabelledImage("part2/img1.jpg", 1)]
    set_id = trainingset.save(store, ts, "parts")
    loaded = trainingset.load(store, set_id, tmp_path / "work")
    assert loaded.items == ts.items
    assert (loaded.image_dir / "part2" / "img1.jpg").read_bytes() == (folder / "img1.jpg").read_bytes()


def test_a_file_name_in_two_sub_folders_is_refused_in_one_message(tmp_path: Path, images) -> None:
    folder, pairs = images
    archive = tmp_path / "parts.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, _ in pairs:
            z.write(folder / name, f"part1/{name}")
        z.write(folder / "img5.jpg", "part2/img5.jpg")
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_mapping(_csv(tmp_path / "m.csv", pairs), archive, CLASSES)
    assert str(info.value) == (
        "m.csv cannot be used: row 7: img5.jpg is the name of images in several folders of parts.zip (part1/img5.jpg, part2/img5.jpg); "
        "write the folder too, as in part1/img5.jpg, or give the images different names."
    )
    rows = [("part2/img5.jpg" if name == "img5.jpg" else name, class_id) for name, class_id in pairs]
    ts = trainingset.from_mapping(_csv(tmp_path / "with-folder.csv", rows), archive, CLASSES)
    assert trainingset.LabelledImage("part2/img5.jpg", 2) in ts.items
    assert ts.notes == ["1 image in parts.zip is not listed in with-folder.csv and was left out: part1/img5.jpg."]
