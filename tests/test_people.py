"""People and faces on a frame (core.media.people), on real frames from shared/data."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.people import LABELS, Labelled, load_image, presence_scores, read_labels
from core.errors import FrameError
from core.media.boxes import redraw_jpeg
from core.media.people import PeopleDetector, PeopleFound, cascade_path, draw, summarize
from tests.conftest import SHARED_DATA

TWO_WOMEN = Labelled("videos/pyscenedetect_issue-195-aspect-ratio.mp4", 225, 2, 2)
"""Two women at a table, facing the camera, in a 704×576 clip."""


@pytest.fixture(scope="module")
def detector() -> PeopleDetector:
    return PeopleDetector()


@pytest.fixture(scope="module")
def two_women() -> np.ndarray:
    return load_image(TWO_WOMEN, SHARED_DATA)


def test_the_face_model_ships_inside_the_opencv_wheel() -> None:
    assert cascade_path().is_file() and cascade_path().is_relative_to(cv2.__file__.rsplit("/", 1)[0])


def test_faces_and_people_found_on_a_real_frame_are_boxes_inside_it(detector: PeopleDetector, two_women: np.ndarray) -> None:
    found = detector(two_women)
    h, w = two_women.shape[:2]
    assert 1 <= len(found.faces) <= 2 and len(found.persons) >= len(found.faces)
    for x, y, bw, bh in found.faces + found.persons:
        assert x >= 0 and y >= 0 and bw > 0 and bh > 0 and x + bw <= w and y + bh <= h
    x, y, bw, bh = found.faces[0]
    assert 30 <= bw <= 200 and y < h / 2  # a face, high in the frame


def test_a_frame_without_people_gives_none(detector: PeopleDetector) -> None:
    cars = cv2.imread(str(SHARED_DATA / "sports" / "formula1" / "00000002.jpg"))
    assert detector(cars) == PeopleFound([], [])
    assert detector(np.zeros((720, 1280, 3), np.uint8)) == PeopleFound([], [])


def test_a_grey_frame_gives_what_its_colour_copy_gives(detector: PeopleDetector, two_women: np.ndarray) -> None:
    grey = cv2.cvtColor(two_women, cv2.COLOR_BGR2GRAY)
    assert detector(grey) == detector(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
    assert detector(grey[:, :, None]) == detector(grey)


def test_a_large_frame_is_searched_on_a_small_copy_with_boxes_back_in_its_pixels(detector: PeopleDetector, two_women: np.ndarray) -> None:
    base = cv2.resize(two_women, (288, 236), interpolation=cv2.INTER_AREA)  # the size faces are searched at
    big = cv2.resize(base, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)  # 1152 wide; its 288-wide copy is ``base``
    small_faces, big_faces = detector(base).faces, detector(big).faces
    assert len(small_faces) >= 1
    assert big_faces == [[4 * v for v in box] for box in small_faces]


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        pytest.param(np.zeros((0, 0, 3), np.uint8), "empty", id="empty"),
        pytest.param(np.zeros((480, 640, 3), np.float32), "8-bit", id="float pixels"),
        pytest.param(np.zeros((480, 640, 2), np.uint8), "shape", id="two channels"),
        pytest.param(np.zeros((4, 480, 640, 3), np.uint8), "shape", id="a batch"),
    ],
)
def test_a_frame_that_cannot_be_searched_gets_one_clear_message(detector: PeopleDetector, frame: np.ndarray, words: str) -> None:
    with pytest.raises(FrameError, match=words):
        detector(frame)


def test_a_tiny_frame_gives_no_people_rather_than_an_error(detector: PeopleDetector) -> None:
    assert detector(np.full((40, 30, 3), 128, np.uint8)) == PeopleFound([], [])


def test_the_stored_form_round_trips_and_old_frames_have_none() -> None:
    found = PeopleFound([[1, 2, 3, 4]], [[0, 0, 10, 20], [5, 5, 6, 7]])
    assert PeopleFound.from_doc(found.to_doc()) == found
    assert PeopleFound.from_doc(None) is None


def test_per_video_summary() -> None:
    assert summarize([0, 1, 2, 0], [1, 1, 3, 0]) == {"frames": 4, "face_share": 0.5, "person_share": 0.75, "mean_faces": 0.75, "mean_persons": 1.25}
    assert summarize([], [])["face_share"] is None
    with pytest.raises(ValueError):
        summarize([1], [])


def test_boxes_are_drawn_on_a_thumbnail() -> None:
    thumb = np.full((131, 160, 3), 128, np.uint8)
    jpeg = cv2.imencode(".jpg", thumb)[1].tobytes()
    drawn = cv2.imdecode(np.frombuffer(redraw_jpeg(jpeg, lambda image: draw(image, PeopleFound([[352, 288, 176, 144]], []), 704)), np.uint8), cv2.IMREAD_COLOR)
    original = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    changed = np.abs(drawn.astype(int) - original.astype(int)).sum(axis=2) > 60
    ys, xs = np.nonzero(changed)
    assert 78 <= xs.min() <= 82 and 118 <= xs.max() <= 122 and 63 <= ys.min() <= 67  # the box, scaled by 160/704
    assert redraw_jpeg(b"not a jpeg", lambda image: draw(image, PeopleFound([[0, 0, 1, 1]], []), 10)) == b"not a jpeg"


def test_the_labelled_set_is_sound() -> None:
    items = read_labels(LABELS)
    assert len(items) >= 40
    assert sum(i.persons > 0 for i in items) >= 20 and sum(i.faces > 0 for i in items) >= 5 and sum(i.persons == 0 for i in items) >= 20
    for item in items:
        assert (SHARED_DATA / item.source).is_file(), item.source
        assert item.faces <= item.persons, item  # every face labelled belongs to a person labelled


def test_presence_scores_follow_their_definition() -> None:
    scores = presence_scores([0, 2, 1, 0, 3], [1, 2, 0, 0, 1])
    assert (scores["tp"], scores["fp"], scores["fn"], scores["tn"]) == (2, 1, 1, 1)
    assert scores["precision"] == pytest.approx(2 / 3, abs=1e-3) and scores["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert scores["count_mae"] == pytest.approx((1 + 0 + 1 + 0 + 2) / 5)
    assert presence_scores([0, 0], [0, 0])["precision"] is None
