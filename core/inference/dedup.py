"""Near-duplicate frames: reuse the last classified frame's predictions instead of running the models,
and check, as the run goes, that doing so does not change the labels.

A frame's signature is its grey image at 32 × 32 pixels (area interpolation, so noise averages
out). A frame is a near duplicate when the mean absolute difference between its signature and
the last *classified* frame's is below the threshold, on the 0–255 scale. Comparing with the last
classified frame, not with the neighbour, stops slow drift from chaining reuses forever.

The default threshold, 2.0, is about 1% of the grey range: a static shot or a slow pan stays under
it, a cut or a new object in the frame does not. Whether a given model's top-1 survives such a
change depends on the model and its weights, so the threshold is not trusted blindly: every
``AUDIT_EVERY``-th near duplicate is classified anyway (a spot check) and its fresh top-1s are
compared with the ones it would have reused. When a spot check finds a changed top-1 while the
run's estimated agreement with classifying every frame is under ``TARGET_AGREEMENT``, the
threshold is halved for the rest of the run. A run's first ``WARMUP_CHECKS`` spot checks, and any
taken while the estimate is under target, are fed back before the next frame is decided. The spot
checks are stored with the frames, so every run reports how often reuse was checked and how often
it held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

SIDE = 32
DEFAULT_THRESHOLD = 2.0
"""Mean absolute grey difference (0–255) under which a frame reuses the last classified frame's labels."""
AUDIT_EVERY = 10
"""Every Nth near duplicate is classified anyway and compared with the labels it would have reused."""
BACKOFF = 0.5
"""Factor applied to the threshold after a spot check that finds a changed top-1 (see the module docstring)."""
WARMUP_CHECKS = 3
"""A run's first spot checks are fed back at once (see :meth:`ReusePolicy.at_risk`)."""
CLASSIFY, REUSE, AUDIT = "classify", "reuse", "audit"
"""What :meth:`ReusePolicy.decide` says to do with a frame."""
TARGET_AGREEMENT = 0.98
"""The run's estimated top-1 agreement with classifying every frame that reuse must keep."""


def estimate_agreement(frames: int, reused: int, agreement_of_reused: float) -> float:
    """A run's top-1 agreement with classifying every frame: classified frames agree by
    definition, reused ones at the spot checks' rate."""
    return 1 - (reused / frames) * (1 - agreement_of_reused)


def signature(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 H×W×3 → float32 SIDE×SIDE grey."""
    small = cv2.resize(rgb, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


@dataclass
class ReusePolicy:
    """Which frames of one run reuse labels, decided frame by frame.

    ``threshold=None`` classifies every frame. ``last`` is the signature of the last classified
    frame. The counters cover the run so far: frames planned, frames reused, spot checks, and spot
    checks where every model's top-1 was unchanged.
    """

    threshold: float | None
    audit_every: int = AUDIT_EVERY
    target: float = TARGET_AGREEMENT
    last: np.ndarray | None = None
    near_duplicates: int = 0
    frames: int = 0
    reused: int = 0
    checks: int = 0
    agreed: int = 0

    @classmethod
    def resumed(cls, threshold: float | None, report: ReuseReport) -> ReusePolicy:
        """The policy of a run resumed with ``report`` describing the frames already stored."""
        if threshold is None:
            return cls(None)
        current = threshold if report.threshold_end is None else report.threshold_end
        return cls(current, frames=report.frames, reused=report.reused, checks=report.checks, agreed=report.agreed)

    def decide(self, sig: np.ndarray) -> str:
        """``CLASSIFY``, ``REUSE`` (the last classified frame's labels) or ``AUDIT`` (a near
        duplicate classified anyway as a spot check) for the next frame, in order."""
        self.frames += 1
        if self.threshold is not None and self.last is not None and float(np.mean(np.abs(sig - self.last))) < self.threshold:
            self.near_duplicates += 1
            if not (self.audit_every and self.near_duplicates % self.audit_every == 0):
                self.reused += 1
                return REUSE
            self.last = sig
            return AUDIT
        self.last = sig
        return CLASSIFY

    def plan(self, signatures: list[np.ndarray]) -> tuple[list[int], dict[int, int]]:
        """:meth:`decide` for each frame of a list, as positions: a frame's own position when it is
        classified, the position of the earlier frame whose predictions it reuses, or -1 for the
        last classified frame before the list. Also returns the spot checks: position → the entry
        it would have reused."""
        plan: list[int] = []
        audits: dict[int, int] = {}
        ref = -1
        for i, sig in enumerate(signatures):
            decision = self.decide(sig)
            if decision == REUSE:
                plan.append(ref)
                continue
            if decision == AUDIT:
                audits[i] = ref
            plan.append(i)
            ref = i
        return plan, audits

    def estimated_agreement(self) -> float:
        """The run's estimated top-1 agreement with classifying every frame, so far."""
        if not self.checks or not self.frames:
            return 1.0
        return estimate_agreement(self.frames, self.reused, self.agreed / self.checks)

    def at_risk(self) -> bool:
        """True while a spot check's outcome should be fed back before more frames are decided:
        during the run's first ``WARMUP_CHECKS`` checks, and while the estimate is under target."""
        return self.threshold is not None and (self.checks < WARMUP_CHECKS or self.estimated_agreement() < self.target)

    def record(self, agreed: bool) -> None:
        """Take in one spot check's outcome; a changed top-1 halves the threshold while the
        estimated agreement is under the target."""
        self.checks += 1
        self.agreed += agreed
        if not agreed and self.threshold is not None and self.estimated_agreement() < self.target:
            self.threshold *= BACKOFF


@dataclass(frozen=True)
class ReuseReport:
    """What reuse did in one run, from its stored frames."""

    frames: int
    reused: int
    checks: int
    """Spot-checked frames."""
    agreed: int
    """Of ``checks``, the frames where every model's top-1 was unchanged."""
    threshold_end: float | None = None
    """The threshold after the last spot check (None without spot checks)."""

    @property
    def agreement_interval(self) -> tuple[float, float] | None:
        """95% Wilson interval of the spot checks' agreement rate, or None without checks."""
        if not self.checks:
            return None
        z, n, p = 1.96, self.checks, self.agreed / self.checks
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def estimated_agreement(self) -> tuple[float, float, float] | None:
        """Estimated top-1 agreement of the whole run with classifying every frame, and its 95%
        interval: classified frames agree by definition, reused ones at the spot checks' rate."""
        interval = self.agreement_interval
        if interval is None or not self.frames:
            return None
        return tuple(estimate_agreement(self.frames, self.reused, rate) for rate in (self.agreed / self.checks, *interval))  # type: ignore[return-value]

    @classmethod
    def from_run(cls, run: dict) -> ReuseReport | None:
        """From a finished run document; None for runs that classified every frame or predate reuse."""
        if run.get("settings", {}).get("reuse_threshold") is None or "n_frames" not in run:
            return None
        checks = run.get("reuse_checks", {})
        return cls(
            frames=run["n_frames"],
            reused=run.get("n_reused", 0),
            checks=checks.get("checks", 0),
            agreed=checks.get("agreed", 0),
            threshold_end=checks.get("threshold_end"),
        )

    def describe(self, threshold: float) -> str:
        """One paragraph for the Results page and the CLI, in plain words."""
        share = self.reused / self.frames if self.frames else 0.0
        text = (
            f"{self.reused:,} of {self.frames:,} frames ({share:.0%}) reused the labels of a near-duplicate earlier frame (threshold {threshold:g} grey levels"
        )
        if self.threshold_end is not None and self.threshold_end < threshold:
            text += f", lowered to {self.threshold_end:g} because spot checks found changed labels"
        text += ")."
        estimate, interval = self.estimated_agreement(), self.agreement_interval
        if estimate is None or interval is None:
            return text + " Too few near duplicates for a spot check."
        low, high = interval
        return (
            f"{text} Spot checks: every model's top-1 was unchanged in {self.agreed:,} of {self.checks:,} frames classified anyway "
            f"({self.agreed / self.checks:.0%}, 95% interval {low:.0%}–{high:.0%}). "
            f"Estimated top-1 agreement with classifying every frame: {estimate[0]:.1%} ({estimate[1]:.1%}–{estimate[2]:.1%})."
        )
