"""What a job function receives from the worker that runs it (the worker's ``JobContext``)."""

from __future__ import annotations

from typing import Any, Protocol

from core.config import Settings
from core.store import Store


class RunningJob(Protocol):
    """A claimed job while it runs: its document, the store, settings, the device, progress, models."""

    job: dict[str, Any]
    store: Store
    settings: Settings
    device: str
    """The worker's device in words, e.g. ``CPU`` or ``NVIDIA H100``."""

    def progress(self, stage: str, done: int, total: int | None, throttle_s: float = 0.0) -> None:
        """Record progress (at most every ``throttle_s`` seconds within a stage); raises
        :class:`~core.errors.JobCancelled`, :class:`~core.errors.LeaseLost` or
        :class:`~core.errors.WorkerStopping` when the job must stop."""

    def warn(self, text: str) -> None:
        """Attach a warning to the job (it still ends ``done``): something the user should know about its results."""

    def classifier(self, models: tuple[str, ...], objects: str | None = None) -> Any:
        """The worker's shared :class:`core.inference.InferenceRuntime` for these models, running the
        ``objects`` detector too when one is named."""
