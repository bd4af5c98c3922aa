"""Automatic intro and outro: leading and trailing black and still pictures, and the opening and
closing sequences that videos of one channel share, on generated clips with known content."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotFoundError
from core.media import frames, open_source
from core.media.scenes import SceneResult, SceneScanner
from core.media.trims import suggest, suggest_for_video
from core.store import Store, new_id, utcnow
from tests.media import structured_frames, write_frames

EPISODE_A = [("black", 1.0, 0), ("intro", 4.0, 7), ("moving", 6.0, 2), ("intro", 4.0, 9), ("static", 3.0, 5)]
"""Black 0–1 s, the show's opening 1–5 s, content 5–11 s, the show's closing 11–15 s, an end card 15–18 s."""
EPISODE_B = [("moving", 2.0, 3), ("intro", 4.0, 7), ("moving", 6.0, 4), ("intro", 4.0, 9)]
"""A cold open 0–2 s, the opening 2–6 s, content 6–12 s, the closing 12–16 s (at another frame rate)."""
OTHER_SHOW = [("moving", 8.0, 11), ("moving", 7.0, 12)]


def scanned(tmp_path: Path, name: str, parts: list, fps: float = 10) -> SceneResult:
    path = write_frames(tmp_path / f"{name}.mp4", structured_frames(parts, fps), fps)
    info = frames.probe(path)
    scanner = SceneScanner(info.fps, info.width, info.height)
    for _ in open_source("opencv", 1).samples(path, info, frames.SamplePlan(1.0), lambda f: 0, scan=scanner):
        pass
    return scanner.result()


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SceneResult]:
    tmp = tmp_path_factory.mktemp("episodes")
    return {
        "a": scanned(tmp, "a", EPISODE_A),
        "b": scanned(tmp, "b", EPISODE_B, fps=12.5),
        "other": scanned(tmp, "other", OTHER_SHOW),
    }


def test_the_shared_opening_and_closing_and_the_end_card_are_trimmed(episodes: dict[str, SceneResult]) -> None:
    a = suggest(episodes["a"], [("B", episodes["b"]), ("other", episodes["other"])])

    assert a.intro == pytest.approx((1.0, 5.0), abs=0.25) and a.outro == pytest.approx((11.0, 15.0), abs=0.25)
    assert a.start_s == pytest.approx(5.0, abs=0.25) and a.end_s == pytest.approx(7.0, abs=0.25)
    assert any("black" in r for r in a.reasons) and any("still picture" in r for r in a.reasons) and any("shared with B" in r for r in a.reasons)


def test_a_cold_open_before_the_opening_is_found_at_another_frame_rate(episodes: dict[str, SceneResult]) -> None:
    b = suggest(episodes["b"], [("A", episodes["a"])])

    assert b.intro == pytest.approx((2.0, 6.0), abs=0.25) and b.start_s == pytest.approx(6.0, abs=0.25)
    assert b.end_s == pytest.approx(4.0, abs=0.25)


def test_a_video_with_nothing_to_trim_gets_no_trim(episodes: dict[str, SceneResult]) -> None:
    other = suggest(episodes["other"], [("A", episodes["a"]), ("B", episodes["b"])])

    assert (other.start_s, other.end_s, other.intro, other.outro) == (0.0, 0.0, None, None)
    assert not other.any and "nothing to trim" in other.reasons[0]


def test_a_video_alone_is_trimmed_by_its_own_segments_only(episodes: dict[str, SceneResult]) -> None:
    a = suggest(episodes["a"])
    assert (a.start_s, a.end_s, a.intro) == (1.0, 3.0, None)


def test_an_all_black_video_is_not_trimmed_to_nothing(tmp_path: Path) -> None:
    black = suggest(scanned(tmp_path, "black", [("black", 3.0, 0)]))
    assert (black.start_s, black.end_s) == (0.0, 0.0) and "leave nothing" in black.reasons[0]


def _video_with_scenes(store: Store, result: SceneResult, title: str, channel: str | None) -> str:
    video_id = new_id()
    store.videos.insert_unique({"_id": video_id, "source_key": f"test:{title}", "title": title, "channel": channel, "created_at": utcnow()})
    store.scenes.save(new_id(), video_id, result.to_doc(), utcnow())
    return video_id


def test_the_suggestion_compares_only_videos_of_the_same_channel(store: Store, episodes: dict[str, SceneResult]) -> None:
    a = _video_with_scenes(store, episodes["a"], "Episode 1", "The Show")
    _video_with_scenes(store, episodes["b"], "Episode 2", "The Show")
    elsewhere = _video_with_scenes(store, episodes["b"], "Episode 2, re-uploaded", "Another channel")

    assert suggest_for_video(store, a).intro == pytest.approx((1.0, 5.0), abs=0.25)
    assert "“Episode 2”" in " ".join(suggest_for_video(store, a).reasons)
    assert suggest_for_video(store, elsewhere).intro is None  # no other video of its channel


def test_a_video_without_shots_yet_says_what_to_do(store: Store) -> None:
    video_id = new_id()
    store.videos.insert_unique({"_id": video_id, "source_key": "test:none", "title": "Fresh", "created_at": utcnow()})
    with pytest.raises(NotFoundError, match="Fresh yet. Analyse it once"):
        suggest_for_video(store, video_id)
