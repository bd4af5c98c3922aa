"""Screen time, from labelled images to seconds per character: smoothing, totals, segments, the
annotated video, the CLI, and training on the real Tom & Jerry and sports data (random weights)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from core.config import PROJECT_ROOT, load_settings
from core.errors import ScreenTimeError
from core.screentime import apply as screentime
from core.store.database import open_store
from tests.media import CHARACTERS, write_character_clip, write_character_images

SEGMENTS = [(0, 2.0), (1, 3.0), (2, 2.0), (0, 1.0)]
"""The generated clip: neither 2 s, red disc 3 s, blue square 2 s, neither 1 s (8 s at 10 fps)."""


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)


def _run_doc(probs: list[list[float]], interval: float = 1.0, smooth: int = 3) -> dict:
    n = len(probs)
    return {
        "classes": ["neither", "tom"],
        "settings": {"smooth": smooth},
        "source": {"kind": "images", "images": [f"f{i}.jpg" for i in range(n)]},
        "result": {"frames": list(range(n)), "time_s": [i * interval for i in range(n)], "probs": probs, "interval_s": interval},
    }


def test_smoothing_removes_one_frame_flips_and_keeps_real_changes() -> None:
    classes = [0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1]  # flips at 3 and 11; a real change at 7
    probs = [[0.8, 0.2] if c == 0 else [0.3, 0.7] for c in classes]
    smoothed = screentime.compute(_run_doc(probs, smooth=3))
    assert smoothed.frames["smoothed_class"].tolist() == ["neither"] * 7 + ["tom"] * 8
    assert smoothed.segments[["class", "start_s", "end_s"]].values.tolist() == [["neither", 0.0, 7.0], ["tom", 7.0, 15.0]]
    off = screentime.compute(_run_doc(probs), smooth=1)
    assert off.frames["smoothed_class"].tolist() == ["neither" if c == 0 else "tom" for c in classes]
    assert len(off.segments) == 6  # each flip splits a run in three


def test_totals_and_segments_are_counts_times_the_interval() -> None:
    probs = [[0.9, 0.1]] * 4 + [[0.2, 0.8]] * 6
    st = screentime.compute(_run_doc(probs, interval=0.5, smooth=1))
    totals = st.totals.set_index("class")
    assert totals.loc["neither", "seconds"] == 2.0 and totals.loc["tom", "seconds"] == 3.0
    assert totals["share"].tolist() == [0.4, 0.6] and st.duration_s == 5.0
    assert st.segments[["start_s", "end_s"]].values.tolist() == [[0.0, 2.0], [2.0, 5.0]]
    assert st.frames["prob"].tolist()[:1] == [0.9]


def test_accuracy_from_a_labels_csv_matches_the_counts() -> None:
    probs = [[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]]
    run = _run_doc(probs, smooth=1)
    run["labels"] = screentime.read_labels("Image_ID,Class\nf0.jpg,neither\nf1.jpg,1\nf2.jpg,tom\nnot-there.jpg,0\n", run["source"], run["classes"])
    acc = screentime.compute(run).accuracy
    assert acc["matched"] == 3 and acc["given"] == 4
    assert acc["raw"]["accuracy"] == pytest.approx(2 / 3)
    assert acc["raw"]["confusion"] == [[1, 0], [1, 1]]  # f1 is truly tom but predicted neither


@pytest.mark.parametrize(
    "csv, matched, note",
    [
        pytest.param(
            "Image_ID,Class\nframe0.jpg,0\nframe1.jpg,1\nframe2.jpg,1\n",
            0,
            "0 of 3 labels matched an image (labels name frame0.jpg, images are f0.jpg), so accuracy cannot be measured. "
            "Check that the labels CSV names these images.",
            id="none",
        ),
        pytest.param(
            "Image_ID,Class\nf0.jpg,0\nf1.jpg,1\nframe2.jpg,1\n",
            2,
            "2 of 3 labels matched an image; accuracy is measured on the 2 that did (unmatched labels name frame2.jpg, images are f0.jpg).",
            id="some",
        ),
        pytest.param("Image_ID,Class\nf0.jpg,0\nf1.jpg,1\n", 2, None, id="all"),
    ],
)
def test_accuracy_says_how_many_labels_matched_an_image(csv: str, matched: int, note: str | None) -> None:
    run = _run_doc([[0.9, 0.1]] * 4, smooth=1)
    run["labels"] = screentime.read_labels(csv, run["source"], run["classes"])
    acc = screentime.compute(run).accuracy
    assert (acc["matched"], acc["note"], "raw" in acc) == (matched, note, matched > 0)
    assert screentime.image_label_match(run["source"], run["labels"]).accuracy_note() == note  # the same sentence before the run


def test_accuracy_on_a_video_says_how_many_labels_matched_a_sampled_frame() -> None:
    run = _run_doc([[0.9, 0.1]] * 4, smooth=1)
    run["source"] = {"kind": "video", "video_id": "v", "name": "clip"}
    run["result"]["frames"] = [0, 10, 20, 30]
    run["labels"] = screentime.read_labels("frame,Class\n0,0\n12,0\n300,1\n", run["source"], run["classes"])
    acc = screentime.compute(run).accuracy
    assert acc["note"] == (
        "2 of 3 labels matched a sampled frame; accuracy is measured on the 2 that did (unmatched labels name frame 300, sampled frames are 0 to 30 every 10)."
    )


def test_frames_csv_names_the_image_of_each_sample(tmp_path: Path) -> None:
    run = _run_doc([[0.9, 0.1], [0.2, 0.8], [0.2, 0.8]], smooth=1)
    run["source"]["images"] = ["b/f0.jpg", "b/f1.jpg", "c/f2.jpg"]
    screentime.write_outputs(screentime.compute(run), tmp_path)
    frames = pd.read_csv(tmp_path / "frames.csv")
    assert list(frames.columns) == ["frame", "time_s", "class", "prob", "smoothed_class", "image"]
    assert frames["image"].tolist() == ["b/f0.jpg", "b/f1.jpg", "c/f2.jpg"]
    run["source"] = {"kind": "video", "video_id": "v", "name": "clip"}
    assert list(screentime.frames_export(screentime.compute(run)).columns) == ["frame", "time_s", "class", "prob", "smoothed_class"]


def _fake_classifier(classes: tuple[str, ...] = CHARACTERS) -> None:
    """A classifier document without a model: enough to queue a run (``--queue``), not to run it."""
    from core.store import utcnow

    store = open_store(load_settings())
    store.classifiers.insert_versioned(
        {"name": "shapes", "classes": [{"id": i, "name": n} for i, n in enumerate(classes)], "random_weights": True, "created_at": utcnow()}
    )


@pytest.mark.parametrize(
    "label_names, said",
    [
        pytest.param(
            [f"frame{i}.jpg" for i in range(6)],
            "0 of 6 labels matched an image (labels name frame0.jpg, images are img0.jpg), so accuracy cannot be measured. "
            "Check that the labels CSV names these images.",
            id="none",
        ),
        pytest.param(
            ["img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg", "frame4.jpg", "frame5.jpg"],
            "4 of 6 labels matched an image; accuracy is measured on the 4 that did (unmatched labels name frame4.jpg, images are img0.jpg).",
            id="some",
        ),
    ],
)
def test_cli_apply_says_how_many_labels_matched_an_image(env, tmp_path: Path, label_names: list[str], said: str) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=2)
    labels = tmp_path / "truth.csv"
    labels.write_text("Image_ID,Class\n" + "\n".join(f"{n},{c}" for n, (_, c) in zip(label_names, pairs)) + "\n")
    _fake_classifier()
    args = ("screentime", "apply", "shapes", "--images", str(tmp_path / "imgs"), "--seconds-per-image", "1", "--labels", str(labels))
    result = cli(*args, "--queue", "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    assert said in result.stderr.splitlines()


def test_cli_train_notes_unlisted_images_and_says_when_no_label_matched(env, tmp_path: Path) -> None:
    pairs = write_character_images(tmp_path / "imgs", per_class=3)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("Image_ID,Class\n" + "\n".join(f"{n},{c}" for n, c in pairs[:-1]) + "\n")
    base = ("screentime", "train", "--mapping", str(mapping), "--images", str(tmp_path / "imgs"), "--name", "shapes")
    queued = cli(*base, "--queue", env=env)
    assert queued.returncode == 0, queued.stderr
    assert "note: 1 image in imgs is not listed in mapping.csv and was left out: img8.jpg." in queued.stderr.splitlines()

    other = tmp_path / "other.csv"
    other.write_text("Image_ID,Class\n" + "\n".join(f"frame{i},{c}" for i, (_, c) in enumerate(pairs)) + "\n")
    refused = cli("screentime", "train", "--mapping", str(other), "--images", str(tmp_path / "imgs"), "--name", "shapes", env=env)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: other.csv cannot be used: 0 of 9 labels matched an image in imgs (labels name frame0, images are img0.jpg); "
        "check that the CSV and the images belong together."
    ]


def test_bad_settings_and_labels_are_refused_with_a_reason() -> None:
    with pytest.raises(ScreenTimeError, match="smoothing window K"):
        screentime.ApplySettings(smooth=0)
    with pytest.raises(ScreenTimeError, match="Sampling rate"):
        screentime.ApplySettings(fps=-1)
    with pytest.raises(Exception, match=r"rows 2: the class is not one of neither, tom"):
        screentime.read_labels("frame,Class\n3,jerry\n", {"kind": "video"}, ["neither", "tom"])


@pytest.fixture
def character_set(tmp_path: Path) -> tuple[Path, Path]:
    """A mapping CSV and a ZIP of 60 generated images (20 per class)."""
    pairs = write_character_images(tmp_path / "imgs", per_class=20)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("Image_ID,Class\n" + "\n".join(f"{n},{c}" for n, c in pairs) + "\n")
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, _ in pairs:
            z.write(tmp_path / "imgs" / name, name)
    return mapping, archive


@pytest.mark.slow
@pytest.mark.training
def test_cli_train_then_apply_measures_each_character_within_one_sampling_interval(env, tmp_path: Path, character_set) -> None:
    mapping, archive = character_set
    classes = ",".join(f"{i}={n}" for i, n in enumerate(CHARACTERS))
    trained = cli(
        "screentime",
        "train",
        "--mapping",
        str(mapping),
        "--images",
        str(archive),
        "--name",
        "shapes",
        "--classes",
        classes,
        "--image-size",
        "64",
        "--epochs",
        "30",
        env=env,
    )
    assert trained.returncode == 0, trained.stderr
    name, accuracy = trained.stdout.strip().splitlines()[-1].split("\t")
    assert name == "shapes:v1" and "(random weights)" in accuracy
    assert float(accuracy.split()[2]) >= 0.9

    clip = write_character_clip(tmp_path / "clip.mp4", SEGMENTS, fps=10)
    added = cli("add", str(clip), env=env)
    video_id = added.stdout.strip().splitlines()[-1]
    labels = tmp_path / "truth.csv"
    truth = [c for c, seconds in SEGMENTS for _ in range(round(seconds * 10))]
    labels.write_text("frame,Class\n" + "\n".join(f"{i},{c}" for i, c in enumerate(truth)) + "\n")
    out = tmp_path / "out"
    applied = cli("screentime", "apply", "shapes", "--video", video_id, "--fps", "5", "--smooth", "3", "--labels", str(labels), "--out", str(out), env=env)
    assert applied.returncode == 0, applied.stderr

    totals = pd.read_csv(out / "screentime.csv").set_index("class")
    interval = 1 / 5
    for class_id, name in enumerate(CHARACTERS):
        expected = sum(seconds for c, seconds in SEGMENTS if c == class_id)
        assert abs(totals.loc[name, "seconds"] - expected) <= interval + 1e-9, (name, totals)
    assert totals["share"].sum() == pytest.approx(1.0)
    frames = pd.read_csv(out / "frames.csv")
    assert list(frames.columns) == ["frame", "time_s", "class", "prob", "smoothed_class"] and len(frames) == 40
    segments = pd.read_csv(out / "segments.csv")
    assert list(segments.columns) == ["class", "start_s", "end_s"]
    assert segments["class"].tolist() == [CHARACTERS[c] for c, _ in SEGMENTS]
    assert "accuracy on 80 labelled frames" in applied.stderr  # each label is scored against the nearest sample

    video = cv2.VideoCapture(str(out / "annotated.mp4"))
    fourcc = int(video.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode()
    assert fourcc in ("avc1", "h264") and int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 80
    ok, frame = video.read()
    assert ok and frame[:10, :10].mean() < frame[60:, 60:].mean()  # the dark label banner sits at the top left

    unknown = cli("screentime", "apply", "nobody", "--video", video_id, "--out", str(out), env=env)
    assert unknown.returncode == 2 and unknown.stderr.strip().splitlines()[-1] == "error: No classifier named 'nobody'. Known classifiers: shapes."


@pytest.mark.slow
@pytest.mark.training
def test_real_tom_and_jerry_mapping_trains_and_measures_the_test_frames(env, tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / "tom_and_jerry"
    trained = cli(
        "screentime", "train", "--mapping", str(folder / "mapping.csv"), "--images", str(folder / "train_frames"),
        "--name", "tom-and-jerry", "--classes", "0=neither,1=Jerry,2=Tom", "--image-size", "64", "--epochs", "5", env=env,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "Dropped frame94.jpg" in trained.stderr and "neither 110, Jerry 67, Tom 119" in trained.stderr
    store = open_store(load_settings())
    doc = store.db["classifiers"].find_one({"name": "tom-and-jerry"})
    metrics = doc["metrics"]
    assert (metrics["n_train"], metrics["n_val"]) == (207, 89)  # 30% of each class held out
    assert np.array(metrics["confusion"]).sum() == 89 and len(metrics["history"]) == 5
    assert [c["name"] for c in doc["classes"]] == ["neither", "Jerry", "Tom"] and doc["random_weights"]

    out = tmp_path / "out"
    applied = cli(
        "screentime", "apply", "tom-and-jerry", "--images", str(folder / "test_frames"), "--seconds-per-image", "1", "--no-video", "--out", str(out), env=env
    )
    assert applied.returncode == 0, applied.stderr
    frames = pd.read_csv(out / "frames.csv")
    assert len(frames) == 186 and frames["time_s"].tolist()[:3] == [0.0, 1.0, 2.0]
    assert pd.read_csv(out / "screentime.csv")["seconds"].sum() == pytest.approx(186.0)
    assert not (out / "annotated.mp4").exists()


@pytest.mark.slow
@pytest.mark.training
def test_sports_folders_train_through_the_queue_with_versions_and_fine_tuning(env, shared_data: Path) -> None:
    base = (
        "screentime",
        "train",
        "--folders",
        str(shared_data / "sports"),
        "--name",
        "sports",
        "--backbone",
        "resnet50",
        "--image-size",
        "64",
        "--epochs",
        "3",
        "--queue",
    )
    assert cli(*base, env=env).returncode == 0
    assert cli(*base, "--fine-tune", "1", env=env).returncode == 0
    assert cli("worker", "--burst", env=env).returncode == 0
    store = open_store(load_settings())
    first, second = sorted(store.db["classifiers"].find({"name": "sports"}), key=lambda d: d["version"])
    assert (first["version"], second["version"]) == (1, 2)
    assert [c["name"] for c in first["classes"]] == ["badminton", "formula1", "volleyball"]
    assert first["settings"]["backbone"] == "resnet50" and first["metrics"]["n_val"] == 36  # 30% of 40 per class
    assert [h["stage"] for h in second["metrics"]["history"]] == ["head"] * 3 + ["fine-tune"]
    assert [h["stage"] for h in first["metrics"]["history"]] == ["head"] * 3


def test_cli_refuses_bad_training_input_in_one_line(env, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("file_name;label\nx.jpg;1\n")
    (tmp_path / "imgs").mkdir()
    result = cli("screentime", "train", "--mapping", str(bad), "--images", str(tmp_path / "imgs"), "--name", "x", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: bad.csv has columns 'file_name;label': it lacks an image column (Image_ID) and a class column (Class). Use a header like Image_ID,Class."
    ]
    assert open_store(load_settings()).db["labelsets"].count_documents({}) == 0  # nothing half-written
