"""The Classifiers and Screen time pages under AppTest: empty state, the training form with real
uploads, the measuring form, and the results, with the worker running the queued jobs in between."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from core.worker import Worker
from dashboard.text import plain
from tests.media import write_character_images
from tests.test_pages import button, open_page, texts

pytestmark = pytest.mark.pages


def _zip(folder: Path, names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.write(folder / name, name)
    return buffer.getvalue()


def test_empty_state_points_to_training(store) -> None:
    at = open_page("pages/screentime.py")
    assert "No classifier yet" in texts(at)
    at = open_page("pages/classifiers.py")
    shown = texts(at)
    assert "No classifier yet" in shown and "Analyse a video first" in shown
    assert [b.label for b in at.button if "train" in b.label.lower()] == ["Check and train"]


def test_training_form_reports_bad_rows_without_queueing(store, tmp_path: Path) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=2)
    at = open_page("pages/classifiers.py")
    at.file_uploader(key="classifiers.mapping").set_value(("mapping.csv", b"Image_ID,Class\nimg0.jpg,0\nghost.jpg,1\n", "text/csv"))
    at.file_uploader(key="classifiers.images").set_value(("images.zip", _zip(tmp_path / "imgs", [n for n, _ in pairs]), "application/zip"))
    at.run()
    at.text_input[0].input("shapes")
    button(at, "Check and train").click()
    at.run()
    assert not at.exception
    assert any(plain("row 3: no image named ghost.jpg") in e.value for e in at.error)  # shown as plain text
    assert store.db["jobs"].count_documents({}) == 0 and store.db["labelsets"].count_documents({}) == 0


def test_mapping_upload_says_how_many_labels_matched_and_notes_unlisted_images(store, tmp_path: Path) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=3)
    images = ("images.zip", _zip(tmp_path / "imgs", [n for n, _ in pairs]), "application/zip")
    at = open_page("pages/classifiers.py")
    at.file_uploader(key="classifiers.mapping").set_value(("mapping.csv", b"Image_ID,Class\nframe0.jpg,0\nframe1.jpg,1\n", "text/csv"))
    at.file_uploader(key="classifiers.images").set_value(images)
    at.run()
    at.text_input[0].input("shapes")
    button(at, "Check and train").click()
    at.run()
    assert not at.exception
    said = "mapping.csv cannot be used: 0 of 2 labels matched an image in images.zip (labels name frame0.jpg, images are img0.jpg)"
    assert any(plain(said) in e.value for e in at.error), [e.value for e in at.error]

    listed = "\n".join(f"{n},{c}" for n, c in pairs[:-1])
    at.file_uploader(key="classifiers.mapping").set_value(("mapping.csv", f"Image_ID,Class\n{listed}\n".encode(), "text/csv"))
    at.run()
    button(at, "Check and train").click()
    at.run()
    assert not at.exception
    assert any(plain("1 image in images.zip is not listed in mapping.csv and was left out: img8.jpg.") in s.value for s in at.success)
    assert store.db["jobs"].count_documents({}) == 1  # a note, not an error


def _fake_classifier(store) -> None:
    """A classifier document without a model: enough to queue a run and to show one's results."""
    from core.store import utcnow

    classes = [{"id": 0, "name": "neither"}, {"id": 1, "name": "red"}]
    store.classifiers.insert_versioned({"name": "shapes", "classes": classes, "random_weights": True, "created_at": utcnow()})


def test_measuring_with_labels_of_other_images_says_so_when_queued(store, tmp_path: Path) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=1)
    _fake_classifier(store)
    at = open_page("pages/screentime.py")
    at.radio[0].set_value("images")
    at.file_uploader[0].set_value(("sequence.zip", _zip(tmp_path / "imgs", [n for n, _ in pairs]), "application/zip"))
    at.file_uploader[1].set_value(("truth.csv", b"Image_ID,Class\nframe0.jpg,0\nframe1.jpg,red\n", "text/csv"))
    button(at, "Measure screen time").click()
    at.run()
    assert not at.exception
    said = "0 of 2 labels matched an image (labels name frame0.jpg, images are img0.jpg), so accuracy cannot be measured."
    assert any(plain(said) in w.value for w in at.warning), [w.value for w in at.warning]
    assert store.db["screentime_runs"].count_documents({}) == 1


@pytest.mark.parametrize(
    "label_names, kind, said",
    [
        pytest.param(
            ["frame0.jpg", "frame1.jpg"],
            "warning",
            "0 of 2 labels matched an image (labels name frame0.jpg, images are img0.jpg), so accuracy cannot be measured.",
            id="none",
        ),
        pytest.param(
            ["img0.jpg", "frame1.jpg"],
            "caption",
            "1 of 2 labels matched an image; accuracy is measured on the 1 that did (unmatched labels name frame1.jpg, images are img0.jpg).",
            id="some",
        ),
    ],
)
def test_results_say_how_many_labels_matched_and_frames_csv_names_the_images(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label_names: list[str], kind: str, said: str
) -> None:
    from core.screentime import apply as screentime
    from core.store import utcnow
    from dashboard import widgets

    pairs = write_character_images(tmp_path / "imgs", per_class=1)
    _fake_classifier(store)
    source = screentime.images_source(store, tmp_path / "imgs", 1.0)
    labels = screentime.read_labels("Image_ID,Class\n" + "".join(f"{n},{i}\n" for i, n in enumerate(label_names)), source, ["neither", "red"])
    run_id, _ = screentime.request_apply(store, "shapes", source, screentime.ApplySettings(smooth=1, annotate=False), labels)
    n = len(pairs)
    result = {"frames": list(range(n)), "time_s": [float(i) for i in range(n)], "probs": [[0.9, 0.1]] * n, "interval_s": 1.0}
    store.screentime_runs.set(run_id, result=result, duration_s=float(n), totals={"neither": float(n), "red": 0.0}, finished_at=utcnow())
    downloads = {}
    real_download = widgets.download_csv
    monkeypatch.setattr(
        widgets, "download_csv", lambda table, file_name, *a: downloads.setdefault(file_name, table) is None or real_download(table, file_name, *a)
    )

    at = open_page("pages/screentime.py")
    assert not at.exception
    assert any(plain(said) in e.value for e in getattr(at, kind)), [e.value for e in getattr(at, kind)]
    frames = downloads["frames.csv"]
    assert list(frames.columns) == ["frame", "time_s", "class", "prob", "smoothed_class", "image"]
    assert frames["image"].tolist() == [name for name, _ in pairs]


@pytest.mark.slow
@pytest.mark.training
def test_train_measure_and_read_the_results(store, settings, tmp_path: Path) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=6)
    names = [n for n, _ in pairs]
    at = open_page("pages/classifiers.py")
    at.file_uploader(key="classifiers.mapping").set_value(("mapping.csv", ("Image_ID,Class\n" + "\n".join(f"{n},{c}" for n, c in pairs)).encode(), "text/csv"))
    at.file_uploader(key="classifiers.images").set_value(("images.zip", _zip(tmp_path / "imgs", names), "application/zip"))
    at.run()
    assert [d.value["class_id"].tolist() for d in at.dataframe if d.key == "classifiers.names"] == [[0, 1, 2]], (
        "the class names table appears once the CSV is uploaded"
    )
    at.text_input[0].input("shapes")
    at.number_input[0].set_value(3)  # epochs
    at.number_input[1].set_value(48)  # image size
    button(at, "Check and train").click()
    at.run()
    assert not at.exception
    assert any("Training of **shapes** queued on neither 6, 1 6, 2 6" in s.value for s in at.success)
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1

    at = open_page("pages/classifiers.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Training images"] == "12" and metrics["Best epoch"] in {"1", "2", "3"}
    assert "Random weights" in texts(at)

    at = open_page("pages/screentime.py")
    assert "No screen-time run yet" in texts(at)
    at.radio[0].set_value("images")
    at.file_uploader[0].set_value(("sequence.zip", _zip(tmp_path / "imgs", names[:9]), "application/zip"))
    at.number_input[1].set_value(2.0)  # seconds per image
    at.number_input[2].set_value(1)  # K
    button(at, "Measure screen time").click()
    at.run()
    assert not at.exception
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1

    at = open_page("pages/screentime.py")
    shown = {m.label: m.value for m in at.metric}
    assert sum(float(v.split()[0]) for v in shown.values()) == pytest.approx(18.0)  # 9 images × 2 s
    assert "9 samples, one every 2.00 s" in texts(at)
    assert {b.label for b in at.get("download_button")} >= {"screentime.csv", "frames.csv", "segments.csv", "Download annotated video (MP4)"}
    at.tabs[1].run()
    assert "shapes v1 (random weights)" in at.tabs[1].dataframe[0].value["Classifier"].tolist()  # headers from core.analysis.labels


@pytest.mark.slow
@pytest.mark.training
def test_frames_labelled_in_the_dashboard_train_a_classifier(store, settings, tmp_path: Path) -> None:
    from core.inference.runs import RunSettings, request_analysis
    from core.media import ingest
    from core.screentime import classifier as screen_classifier
    from core.screentime import trainingset
    from tests.media import write_character_clip

    clip = write_character_clip(tmp_path / "shapes.mp4", [(0, 2.0), (1, 2.0), (2, 2.0)], fps=5)
    video_id, _ = ingest.add_file(store, settings, clip, title="Shapes")
    request_analysis(store, video_id, RunSettings(fps=5, models=("resnet50",), top_k=1))
    assert Worker(store, settings, worker_id="w").run(burst=True) == 2  # the analysis, then its browser copy (MPEG-4 Part 2 clip)

    at = open_page("pages/classifiers.py")
    grid = [d for d in at.dataframe if d.key and d.key.startswith("classifiers.labels.")]
    assert len(grid) == 1 and len(grid[0].value) == 30 and grid[0].value["thumbnail"].str.startswith("data:image/jpeg").all()
    assert button(at, "Save 0 labelled frames as a training set").disabled

    # What the grid's Save button stores: one (video, frame, class) per labelled frame.
    labels = [(video_id, frame, frame // 10) for frame in range(0, 30, 2)]
    set_id = trainingset.save(store, trainingset.from_frame_labels(labels, {0: "neither", 1: "red", 2: "blue"}), "Shapes labels")
    job_id = screen_classifier.request_training(store, set_id, "from-frames", screen_classifier.TrainSettings(image_size=48, epochs=3))
    assert Worker(store, settings, worker_id="w").run(burst=True) == 1
    assert store.db["jobs"].find_one({"_id": job_id})["state"] == "done"
    doc = store.db["classifiers"].find_one({"name": "from-frames"})
    assert doc["metrics"]["n_train"] + doc["metrics"]["n_val"] == 15


def test_a_moment_of_a_video_run_plays_where_it_was_picked(store, settings, clip: Path) -> None:
    """Issue 15, item 15: a segment (timeline click or Appearances row) opens the video at its start."""
    from core.media import ingest
    from core.screentime import apply as screentime
    from core.store import utcnow

    video_id, _ = ingest.add_file(store, settings, clip, title="Shapes clip")
    _fake_classifier(store)
    run_id, _ = screentime.request_apply(store, "shapes", screentime.video_source(store, video_id), screentime.ApplySettings(smooth=1, annotate=False))
    probs = [[0.9, 0.1]] * 3 + [[0.1, 0.9]] * 3
    result = {"frames": [0, 5, 10, 15, 20, 25], "time_s": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5], "probs": probs, "interval_s": 0.5}
    store.screentime_runs.set(run_id, result=result, duration_s=3.0, totals={"neither": 1.5, "red": 1.5}, finished_at=utcnow())
    at = open_page("pages/screentime.py")
    assert not at.exception and not at.get("video")
    assert any("to watch that moment" in c.value for c in at.caption)
    banner = [w.value for w in at.warning if "Random weights" in w.value]
    assert banner and "untrained backbone" in banner[0] and "REELSIGHT_WEIGHTS" not in banner[0]  # issue 15, item 14: plain words
    at.session_state[f"screentime.moment.{run_id}"] = 1.5  # what a click on the red segment (1.5–3.0 s) records
    at.run()
    [player] = at.get("video")
    assert player.proto.start_time == 1 and player.proto.url.endswith(".mp4")
    [dialog] = at.get("dialog")  # over the page, wherever the click was
    assert dialog.proto.dialog.title == "Shapes clip at 1.50 s · red on screen"
    [b for b in at.button if b.key == "moment.play_close"][0].click().run()
    assert not at.get("video") and f"screentime.moment.{run_id}" not in at.session_state
