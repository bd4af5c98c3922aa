"""The worker's pipelined loop (models on one window while the next is decided) makes exactly the
reuse decisions of a worker that waits for every batch."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.inference import dedup
from core.inference.detectors import Detection
from core.inference.feed import FramePayload
from core.inference.runs import _Batch, _classify, _feed_back_first, _pipeline, _windows
from core.inference.runtime import BatchOutput, TopK
from core.media.frames import Sample


class LabelsByFrame:
    """A stand-in for the models whose top-1 is a function of the frame index (carried as the input)."""

    sizes = (1,)

    def __init__(self, label_of) -> None:
        self.label_of = label_of
        self.pool = ThreadPoolExecutor(max_workers=1)

    def submit(self, inputs: dict[int, np.ndarray], k: int, letterboxed: np.ndarray | None = None):
        frames = inputs[1].reshape(-1)
        top = {"m": TopK(np.array([[self.label_of(int(i))] for i in frames]), np.ones((len(frames), 1), np.float32))}
        objects = [[Detection("cup", 0.9, (int(i), 0, 1, 1))] for i in frames]  # a box that names the frame it was found on
        return self.pool.submit(lambda: BatchOutput(top, objects))


def stream(n: int, still: int):
    """``still`` identical frames, then a slow drift that stays under the reuse threshold frame to frame."""
    for i in range(n):
        sig = np.full((32, 32), 0.05 * max(0, i - still), np.float32)
        yield Sample(i, i / 24, FramePayload({1: np.array([[[i]]], np.int32)}, b"", sig))


def run(pipelined: bool, label_of, n: int = 2200, still: int = 1500, batch: int = 16, boxes: dict[int, list] | None = None) -> tuple[list[tuple], float | None]:
    policy = dedup.ReusePolicy(dedup.DEFAULT_THRESHOLD)
    runtime = LabelsByFrame(label_of)
    stored: list[tuple] = []
    last = None

    def finish(b: _Batch) -> None:
        nonlocal last
        result, last = _classify(b, policy, last)
        stored.extend((s.index, d, r, i in result.checks) for i, (s, d, r) in enumerate(zip(b.window, b.decisions, result.reused_from)))
        if boxes is not None:
            boxes.update({s.index: found for s, found in zip(b.window, result.objects, strict=True)})

    windows = _windows(stream(n, still), policy, batch)
    if pipelined:
        _pipeline(windows, runtime, 1, policy, finish)
    else:
        for window, decisions in windows:
            finish(_Batch.submit(runtime, window, decisions, 1))
    return stored, policy.threshold


@pytest.mark.parametrize(
    "label_of",
    [
        pytest.param(lambda i: 0 if i < 1500 else (i // 3) % 1000, id="labels-change-during-the-drift"),
        pytest.param(lambda i: 7, id="labels-never-change"),
    ],
)
def test_pipelined_decisions_equal_waiting_for_every_batch(label_of) -> None:
    waited, threshold_waited = run(False, label_of)
    pipelined, threshold_pipelined = run(True, label_of)
    assert [s[0] for s in pipelined] == list(range(2200))
    assert pipelined == waited and threshold_pipelined == threshold_waited


def test_reused_frames_copy_the_objects_of_the_frame_they_copy() -> None:
    boxes: dict[int, list] = {}
    stored, _ = run(True, lambda i: 7, n=300, still=200, boxes=boxes)
    reused = [(index, source) for index, decision, source, _ in stored if decision == dedup.REUSE]
    assert len(reused) > 100 and sorted(boxes) == list(range(300))
    for index, source in reused:
        assert boxes[index] == boxes[source] == [Detection("cup", 0.9, (source, 0, 1, 1))]
    classified = [index for index, decision, _, _ in stored if decision != dedup.REUSE]
    assert all(boxes[i][0].box[0] == i for i in classified)


def test_spot_checks_are_fed_back_first_only_when_they_could_matter() -> None:
    steady = dedup.ReusePolicy(2.0, frames=1000, reused=10, checks=50, agreed=50)
    assert not _feed_back_first(steady, [dedup.REUSE, dedup.AUDIT, dedup.REUSE])  # one failure cannot reach the target
    assert not _feed_back_first(steady, [dedup.CLASSIFY, dedup.REUSE])  # no spot check
    close = dedup.ReusePolicy(2.0, frames=100, reused=80, checks=8, agreed=8)
    assert _feed_back_first(close, [dedup.REUSE, dedup.AUDIT, dedup.REUSE])  # a failure would halve the threshold
    assert close.threshold == 2.0 and close.checks == 8  # deciding does not touch the policy
    warming = dedup.ReusePolicy(2.0, frames=10, reused=5, checks=1, agreed=1)
    assert _feed_back_first(warming, [dedup.REUSE, dedup.AUDIT])  # at risk, ends at a spot check
    assert not _feed_back_first(dedup.ReusePolicy(None), [dedup.CLASSIFY])
