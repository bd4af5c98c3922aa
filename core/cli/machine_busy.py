"""How busy the machine was while a benchmark ran: other processes' share of the CPUs and the
hypervisor's steal share, from Linux's ``/proc/stat``.

A benchmark's CPU seconds depend on the host and its neighbours: the same ``core bench`` run took
28–32 CPU s on one 2-core CI-class machine with nothing else running and 55–66 CPU s on others of
that class beside other jobs (shared caches, memory bandwidth, clock). So every figure is recorded
with the CPU's name (:func:`cpu_model`) and how busy the machine was, and a comparison is made
between runs interleaved in one sitting.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class Busy:
    """Shares of all CPUs' time over a measured span (0–1; None where ``/proc/stat`` is missing)."""

    others_share: float | None
    """Busy time of other processes (all CPU time not spent by this process, idle and steal excluded)."""
    steal_share: float | None
    """Time the hypervisor gave to other machines while this one wanted to run."""
    load_average: float
    """The 1-minute load average at the end (runnable processes, this one included)."""

    def to_doc(self) -> dict[str, float | None]:
        return asdict(self)

    def describe(self) -> str:
        """One line for a benchmark's output, e.g. ``other processes 3% of the CPUs, steal 0%, load 1.2``."""
        if self.others_share is None:
            return f"load {self.load_average:.1f}"
        return f"other processes {self.others_share:.0%} of the CPUs, steal {self.steal_share:.0%}, load {self.load_average:.1f}"


def _cpu_ticks(stat: Path) -> tuple[int, int] | None:
    """``(busy, steal)`` ticks of all CPUs since boot from the first line of ``/proc/stat``."""
    try:
        fields = [int(v) for v in stat.read_text().splitlines()[0].split()[1:]]
    except (OSError, IndexError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


class BusyMeter:
    """Measures the span from its creation (or :meth:`start`, or entering the ``with``) to :meth:`stop`.

    ``clock`` (wall seconds), ``own_cpu`` (this process's CPU seconds) and ``cpus`` are the real
    ones unless given."""

    def __init__(
        self,
        stat: Path = PROC_STAT,
        clock: Callable[[], float] = time.monotonic,
        own_cpu: Callable[[], float] = time.process_time,
        cpus: int | None = None,
    ) -> None:
        self._stat, self._clock, self._own_cpu = stat, clock, own_cpu
        self._cpus = cpus or os.cpu_count() or 1
        self.start()

    def start(self) -> BusyMeter:
        self._wall, self._own, self._ticks = self._clock(), self._own_cpu(), _cpu_ticks(self._stat)
        return self

    def __enter__(self) -> BusyMeter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.result = self.stop()

    def stop(self) -> Busy:
        wall, own, ticks = self._clock() - self._wall, self._own_cpu() - self._own, _cpu_ticks(self._stat)
        load = round(os.getloadavg()[0], 2)
        if self._ticks is None or ticks is None or wall <= 0:
            return Busy(None, None, load)
        hz = os.sysconf("SC_CLK_TCK")
        capacity = wall * self._cpus
        busy_s, steal_s = (ticks[0] - self._ticks[0]) / hz, (ticks[1] - self._ticks[1]) / hz
        others = min(1.0, max(0.0, (busy_s - own) / capacity))
        return Busy(round(others, 3), round(min(1.0, max(0.0, steal_s / capacity)), 3), load)


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's name (``model name`` in ``/proc/cpuinfo``, e.g. ``AMD EPYC``), or the architecture."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()
