"""Automatic intro and outro: trims suggested from a video's scene structure and its channel.

Two kinds of evidence, both from :class:`core.media.scenes.SceneResult`:

- **Leading and trailing segments**: black and still-picture segments (title cards, end boards)
  that follow each other from the first frame (or up to the last), with gaps of at most
  :data:`CHAIN_GAP_S` between them.
- **A shared opening or closing sequence**: the frame signatures of the video's first and last
  minute are compared with those of the other videos of the same channel (videos without a
  channel form one group); the longest run of matching signatures (at least
  :data:`MIN_SHARED_S` long) is the opening (or closing) sequence, and the trim ends after it (or
  starts before it).

The suggestion never trims the whole video: when nothing would be left, it suggests no trim and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import IngestError, NotFoundError
from core.media.scenes import SIGNATURE_RATE, SceneResult, runs
from core.store import Store

CHAIN_GAP_S = 0.5
"""Leading (or trailing) segments further apart than this are not one title sequence."""
MIN_SHARED_S = 3.0
"""The shortest opening or closing sequence two videos must share."""
MATCH_LEVELS = 12.0
"""Two signatures match when they differ by less than this (mean absolute grey levels, 0–255)."""
MIN_DETAIL = 8.0
"""A signature whose grey levels spread less than this (standard deviation) is a flat picture
(black, one colour); flat pictures match anything flat, so they never count as shared."""
MAX_OTHERS = 30
"""Most other videos of the channel compared (the newest)."""
KIND_WORDS = {"black": "black", "static": "still picture", "intro": "opening sequence", "outro": "closing sequence"}


@dataclass(frozen=True)
class TrimSuggestion:
    """Seconds to trim at the start and at the end, and why (plain sentences)."""

    start_s: float
    end_s: float
    duration_s: float
    reasons: list[str] = field(default_factory=list)
    intro: tuple[float, float] | None = None
    """The opening sequence shared with another video of the channel (seconds), if found."""
    outro: tuple[float, float] | None = None
    run_id: str | None = None
    """The run whose scene structure this comes from."""

    @property
    def any(self) -> bool:
        return self.start_s > 0 or self.end_s > 0

    def to_doc(self) -> dict[str, Any]:
        return {"start_s": self.start_s, "end_s": self.end_s, "reasons": self.reasons, "run_id": self.run_id}


def leading_trailing(result: SceneResult) -> tuple[int, int]:
    """``(first, last)``: the frame where the leading black/still segments end (0 if none) and
    the frame where the trailing ones begin (``frame_count`` if none)."""
    gap = math.ceil(CHAIN_GAP_S * result.fps)
    segs = sorted((s.start, s.end) for s in result.segments if s.kind in ("black", "static"))
    first = 0
    for start, end in segs:
        if start > first + gap:
            break
        first = max(first, end)
    last = result.frame_count
    for start, end in sorted(segs, key=lambda s: -s[1]):
        if end < last - gap:
            break
        last = min(last, start)
    return first, last


def shared_run(a: np.ndarray, b: np.ndarray, min_length: int) -> tuple[int, int] | None:
    """The longest run of consecutive signatures of ``a`` (n × d uint8) that match consecutive
    signatures of ``b`` (m × d) at one offset, allowing one unmatched signature inside; positions
    ``(i0, i1)`` in ``a`` (end exclusive), or None when shorter than ``min_length``."""
    if len(a) == 0 or len(b) == 0:
        return None
    detail_a, detail_b = a.std(axis=1) >= MIN_DETAIL, b.std(axis=1) >= MIN_DETAIL
    distance = np.abs(a[:, None, :].astype(np.int16) - b[None, :, :].astype(np.int16)).mean(axis=2)
    match = (distance < MATCH_LEVELS) & detail_a[:, None] & detail_b[None, :]
    best: tuple[int, int] | None = None
    for offset in range(-(len(a) - 1), len(b)):
        diag = np.diagonal(match, offset=offset).copy()
        if diag.sum() < max(2, min_length // 2):
            continue
        diag[1:-1] |= diag[:-2] & diag[2:]  # one signature that misses (a cut between samples) does not end the run
        for start, end in runs(diag, min_length):
            i0 = start + max(0, -offset)
            if best is None or end - start > best[1] - best[0]:
                best = (i0, i0 + end - start)
    return best


def suggest(result: SceneResult, others: list[tuple[str, SceneResult]] = (), run_id: str | None = None) -> TrimSuggestion:  # type: ignore[assignment]
    """Trims for ``result`` from its own segments and from the sequences it shares with
    ``others`` (``(title, scene structure with signatures)`` of the channel's other videos)."""
    fps, n = result.fps, result.frame_count
    duration = n / fps if fps > 0 else 0.0
    first, last = leading_trailing(result)
    reasons: list[str] = []
    if first > 0:
        reasons.append(f"The first {first / fps:.1f} s are {_kinds(result, 0, first)}.")
    if last < n:
        reasons.append(f"The last {(n - last) / fps:.1f} s are {_kinds(result, last, n)}.")
    intro = outro = None
    every = max(1, round(fps / SIGNATURE_RATE))  # frames between signatures
    min_length = max(2, math.ceil(MIN_SHARED_S * SIGNATURE_RATE))
    head_frames, head = _half(result, "head")
    tail_frames, tail = _half(result, "tail")
    for title, other in others:
        run = shared_run(head, _half(other, "head")[1], min_length)
        if run and (intro is None or run[1] - run[0] > intro[2]):
            intro = (head_frames[run[0]], min(n, head_frames[run[1] - 1] + every), run[1] - run[0], title)
        run = shared_run(tail, _half(other, "tail")[1], min_length)
        if run and (outro is None or run[1] - run[0] > outro[2]):
            outro = (tail_frames[run[0]], min(n, tail_frames[run[1] - 1] + every), run[1] - run[0], title)
    if intro is not None and intro[1] > first:
        first = intro[1]
        reasons.append(f"The opening sequence from {intro[0] / fps:.1f} s to {intro[1] / fps:.1f} s is shared with {intro[3]}.")
    if outro is not None and outro[0] < last:
        last = outro[0]
        reasons.append(f"The closing sequence from {outro[0] / fps:.1f} s to {outro[1] / fps:.1f} s is shared with {outro[3]}.")
    if n == 0 or first >= last:
        return TrimSuggestion(
            0.0,
            0.0,
            duration,
            ["The whole video is black, a still picture or a shared sequence, so no trim is suggested: it would leave nothing."],
            run_id=run_id,
        )
    if not reasons:
        reasons.append("No black, still-picture or shared opening or closing sequence at the start or the end: nothing to trim.")
    return TrimSuggestion(
        start_s=round(first / fps, 3), end_s=round((n - last) / fps, 3), duration_s=duration, reasons=reasons,
        intro=(intro[0] / fps, intro[1] / fps) if intro else None, outro=(outro[0] / fps, outro[1] / fps) if outro else None, run_id=run_id,
    )  # fmt: skip


def _half(result: SceneResult, end: str) -> tuple[list[int], np.ndarray]:
    """The kept signatures of the first (``head``) or last (``tail``) minute, and no further than
    the middle of the video, so that in a short video an opening is never taken for a closing."""
    middle = result.frame_count / 2
    if end == "head":
        keep = [i for i, f in enumerate(result.head_frames) if f < middle]
        return [result.head_frames[i] for i in keep], result.head[keep]
    keep = [i for i, f in enumerate(result.tail_frames) if f >= middle]
    return [result.tail_frames[i] for i in keep], result.tail[keep]


def _kinds(result: SceneResult, start: int, end: int) -> str:
    kinds = [KIND_WORDS[s.kind] for s in sorted(result.segments, key=lambda s: s.start) if s.start < end and s.end > start]
    return " then ".join(dict.fromkeys(kinds)) or "segments"


def suggest_for_video(store: Store, video_id: str) -> TrimSuggestion:
    """The suggestion for a video from its newest scene structure and its channel's other videos.

    Raises :class:`NotFoundError` when no analysis of the video has detected its shots yet."""
    video = store.videos.get(video_id)
    doc = store.scenes.latest(video_id, signatures=True)
    if doc is None:
        raise NotFoundError(
            f"No shots or segments are known for {video.get('title') or video_id} yet. Analyse it once with shot detection on "
            "(the default); trims are then suggested from that run."
        )
    channel = video.get("channel") or None
    others = []
    for other in store.videos.list():
        if other["_id"] == video_id or (other.get("channel") or None) != channel:
            continue
        other_doc = store.scenes.latest(other["_id"], signatures=True)
        if other_doc is not None:
            others.append((f"“{other.get('title') or other['_id']}”", SceneResult.from_doc(other_doc)))
        if len(others) >= MAX_OTHERS:
            break
    return suggest(SceneResult.from_doc(doc), others, run_id=doc["_id"])


def video_duration(video: dict[str, Any]) -> float | None:
    """A video document's length in seconds: its ``duration``, else frames over frame rate; None when unknown."""
    duration = video.get("duration") or (video.get("frame_count") or 0) / (video.get("fps") or 1)
    return float(duration) if duration and math.isfinite(duration) and duration > 0 else None


def check_trims(duration_s: float | None, start_s: float, end_s: float) -> None:
    """Raise :class:`IngestError` unless the trims (seconds from the start and from the end) are
    zero or more and leave some of a ``duration_s``-second video (not checked when it is None)."""
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or start_s < 0 or end_s < 0:
        raise IngestError("Trims must be zero or more seconds.")
    if duration_s and start_s + end_s >= duration_s:
        length = f"{duration_s:.1f}" if duration_s >= 1 else f"{duration_s:.2g}"
        raise IngestError(f"Trimming {start_s:g} s and {end_s:g} s leaves nothing of a {length} s video. Choose shorter trims.")


def accept_trims(store: Store, video_id: str, start_s: float, end_s: float, suggested: bool) -> dict[str, Any]:
    """Keep the trims an analyst accepted (``suggested``) or edited for a video: the Videos page
    fills the next analysis with them. Returns the stored ``trims`` field."""
    check_trims(video_duration(store.videos.get(video_id)), start_s, end_s)
    trims = {"start_s": float(start_s), "end_s": float(end_s), "source": "suggested" if suggested else "edited"}
    store.videos.set(video_id, trims=trims)
    return trims
