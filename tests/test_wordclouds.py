"""Word clouds are drawn once per frequency table and kept (issue 16: cost that does not repeat)."""

from __future__ import annotations

from pathlib import Path

from core.analysis import wordclouds


def test_a_cloud_is_kept_and_read_back_and_other_data_is_drawn_anew(tmp_path: Path) -> None:
    cat, dog = {"tabby": 5.0, "tiger_cat": 2.0}, {"beagle": 3.0}
    first = wordclouds.wordcloud_pngs([cat, dog], keep_in=tmp_path)
    assert first == wordclouds.wordcloud_pngs([cat, dog])  # the same pictures as drawing them
    kept = sorted(tmp_path.glob("*.png"))
    assert len(kept) == 2 and not list(tmp_path.glob("*.part"))
    kept[0].write_bytes(b"kept")  # what is kept is what is served: no drawing the second time
    again = wordclouds.wordcloud_pngs([cat, dog], keep_in=tmp_path)
    assert b"kept" in again and set(again) - {b"kept"} <= set(first)
    wordclouds.wordcloud_pngs([{"tabby": 6.0, "tiger_cat": 2.0}], keep_in=tmp_path)  # new counts: a new cloud
    assert len(list(tmp_path.glob("*.png"))) == 3
