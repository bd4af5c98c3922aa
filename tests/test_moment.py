"""Issue 15, item 15: a timeline point or a thumbnail opens that moment in a player started at its
time, beside the frame enlarged with every model's labels; the moment is part of the link."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.analysis import labels
from core.media import ingest
from dashboard.text import plain
from tests.synthetic import add_run
from tests.test_pages import open_page

pytestmark = pytest.mark.pages


@pytest.fixture
def uploaded(store, settings, clip: Path) -> dict[str, str]:
    video_id, _ = ingest.add_file(store, settings, clip, views=10)
    run_id = add_run(store, video_id, 3, top_k=3, fps=1, source_fps=10, rng=np.random.default_rng(3))
    return {"video_id": video_id, "run_id": run_id}


def _videos(at) -> list:
    return [e for e in at.get("video")]


def _dialog_title(at) -> str | None:
    """The title of the open dialog (the moment opens over the page, wherever the click was)."""
    dialogs = list(at.get("dialog"))
    return dialogs[0].proto.dialog.title if dialogs else None


def test_a_link_with_a_time_opens_the_player_there(store, uploaded: dict[str, str]) -> None:
    at = open_page("pages/explorer.py", {"videos": uploaded["video_id"], "video": uploaded["video_id"], "t": "1.2"})
    assert not at.exception
    [player] = _videos(at)
    assert player.proto.start_time == 1 and player.proto.url.endswith(".mp4")  # the stored file, served by Streamlit
    assert _dialog_title(at) == "Frame 10 at 1.00 s"
    doc = store.db["frames"].find_one({"_id": f"{uploaded['run_id']}:10"})
    shown = "\n".join(m.value for m in at.markdown)
    for model, pred in doc["preds"].items():
        assert f"{plain(labels.label(pred['labels'][0]))} · {labels.confidence(pred['scores'][0])}" in shown, model


def test_play_under_a_thumbnail_opens_that_moment_and_close_closes_it(store, uploaded: dict[str, str]) -> None:
    at = open_page("pages/explorer.py", {"videos": uploaded["video_id"], "video": uploaded["video_id"]})
    assert _videos(at) == []
    play = [b for b in at.button if b.key == f"play.{uploaded['run_id']}.20"][0]
    play.click().run()
    assert not at.exception and at.query_params["t"] in ("2.000", ["2.000"])
    assert _videos(at)[0].proto.start_time == 2
    [b for b in at.button if b.key == "moment.close"][0].click().run()
    assert _videos(at) == [] and "t" not in at.query_params


def test_a_file_never_checked_for_browsers_says_how_to_make_it_play(store, uploaded: dict[str, str]) -> None:
    query = {"videos": uploaded["video_id"], "video": uploaded["video_id"], "t": "1.2"}
    hint = "this file's format (AVI, MPEG-4 Part 2, HEVC, …) does not play in browsers"
    at = open_page("pages/explorer.py", query)
    assert any(hint in c.value for c in at.caption)  # analysed before the worker made browser copies
    store.videos.set(uploaded["video_id"], playable=True)  # what the worker records for a file browsers play
    at = open_page("pages/explorer.py", query)
    assert not any(hint in c.value for c in at.caption) and len(_videos(at)) == 1
