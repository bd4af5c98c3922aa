"""Issue 14, item 4: a training or screen-time image's pixel count is read from its header and checked
before anything decodes it; an image over the limit (REELSIGHT_MAX_IMAGE_MP, 50 megapixels by
default) is refused by name. A file whose header cannot be read is not handed to a decoder."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.config import load_settings
from core.errors import TrainingSetError
from core.screentime import classifier, trainingset
from core.screentime.apply import images_source
from tests.security.hostile import image_bytes, png_header

LIMIT_TEXT = "more than the 50 megapixels allowed for one image; decoding it could exhaust memory. Scale it down (a video frame of 1920×1080 is 2 megapixels), or raise REELSIGHT_MAX_IMAGE_MP."


def _class_folders(root: Path, extra: dict[str, bytes]) -> Path:
    """``tom/`` and ``jerry/`` with two small JPEGs each, plus ``extra`` (relative name → bytes)."""
    files = {f"{name}/{i}.jpg": image_bytes(seed=10 * c + i) for c, name in enumerate(("tom", "jerry")) for i in range(2)} | extra
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def no_decoding_of(monkeypatch: pytest.MonkeyPatch):
    """Make OpenCV fail the test if it is asked to decode a file of the given sizes (bytes)."""
    import cv2

    forbidden: set[int] = set()
    real = cv2.imdecode

    def guarded(data: np.ndarray, flags: int) -> np.ndarray | None:
        assert data.size not in forbidden, "an over-limit image reached the decoder"
        return real(data, flags)

    monkeypatch.setattr(trainingset.cv2, "imdecode", guarded)
    return forbidden


def test_a_20000_by_20000_png_of_a_few_bytes_is_refused_by_name_before_decoding(tmp_path: Path, no_decoding_of: set[int]) -> None:
    bomb = png_header(20000, 20000)
    no_decoding_of.add(len(bomb))
    folder = _class_folders(tmp_path / "set", {"jerry/huge.png": bomb})
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_folders(folder)
    assert str(info.value) == "huge.png is over 179 megapixels, " + LIMIT_TEXT


def test_the_message_gives_the_size_from_the_header(tmp_path: Path, no_decoding_of: set[int]) -> None:
    big = png_header(8000, 8000)
    no_decoding_of.add(len(big))
    folder = _class_folders(tmp_path / "frames", {"big.png": big})
    mapping = tmp_path / "m.csv"
    mapping.write_text("Image_ID,Class\n0.jpg,0\n1.jpg,1\nbig.png,1\n")
    with pytest.raises(TrainingSetError) as info:
        trainingset.from_mapping(mapping, folder)
    assert str(info.value) == "big.png is 8000×8000 pixels (64 megapixels), " + LIMIT_TEXT


def test_the_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _class_folders(tmp_path / "set", {})
    assert len(trainingset.from_folders(folder).items) == 4
    monkeypatch.setenv("REELSIGHT_MAX_IMAGE_MP", "0.002")
    with pytest.raises(TrainingSetError, match=r"^0\.jpg is 64×48 pixels \(0\.00307 megapixels\), more than the 0\.002 megapixels allowed"):
        trainingset.from_folders(folder, limits=trainingset.Limits.from_settings(load_settings()))


def test_training_and_applying_check_each_image_before_reading_it(store, tmp_path: Path) -> None:
    """A stored set is read again by the training job, and an image sequence by the screen-time job."""
    folder = _class_folders(tmp_path / "set", {"jerry/big.png": png_header(8000, 8000)})
    with pytest.raises(TrainingSetError, match=r"^big\.png is 8000×8000 pixels \(64 megapixels\), more than the 50 megapixels allowed"):
        classifier.read_image(folder / "jerry" / "big.png", 32)
    ctx = SimpleNamespace(settings=load_settings(max_image_mp=0.002), progress=lambda *args, **kwargs: None)
    items = [trainingset.LabelledImage("tom/0.jpg", 0), trainingset.LabelledImage("jerry/0.jpg", 1)]
    with pytest.raises(TrainingSetError, match=r"^0\.jpg is 64×48 pixels \(0\.00307 megapixels\), more than the 0\.002 megapixels allowed"):
        classifier.load_pixels(ctx, trainingset.TrainingSet("folders", {0: "tom", 1: "jerry"}, items, folder), 32)
    with pytest.raises(TrainingSetError, match=r"^big\.png is 8000×8000 pixels"):
        images_source(store, folder / "jerry", 1.0)


def test_a_file_whose_header_cannot_be_read_is_not_decoded(tmp_path: Path) -> None:
    """OpenCV decodes formats by content (a Radiance HDR named .png), so such a file would skip the pixel check."""
    folder = _class_folders(tmp_path / "set", {"jerry/sneaky.png": image_bytes(ext=".hdr")})
    with pytest.raises(TrainingSetError, match=r"set cannot be used: jerry/sneaky\.png does not decode as an image"):
        trainingset.from_folders(folder)
