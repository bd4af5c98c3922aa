"""The benchmarks' record of how busy the machine was: shares computed from ``/proc/stat`` ticks."""

from __future__ import annotations

import os
from pathlib import Path

from core.cli.machine_busy import Busy, BusyMeter

HZ = os.sysconf("SC_CLK_TCK")


def _write_stat(path: Path, busy_s: float, steal_s: float, idle_s: float) -> None:
    """A ``/proc/stat`` whose first line holds these totals (busy split over user and system)."""
    user, system = round(busy_s * HZ * 0.75), round(busy_s * HZ * 0.25)
    path.write_text(f"cpu  {user} 0 {system} {round(idle_s * HZ)} 0 0 0 {round(steal_s * HZ)} 0 0\ncpu0 1 2 3 4\n")


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_others_share_is_busy_time_not_spent_by_this_process(tmp_path: Path) -> None:
    stat, wall, own = tmp_path / "stat", _Clock(), _Clock()
    _write_stat(stat, busy_s=1000, steal_s=10, idle_s=5000)
    meter = BusyMeter(stat, clock=wall, own_cpu=own, cpus=2)
    # 10 s on 2 CPUs = 20 CPU s: this process used 8, the whole machine 13 busy, 1 stolen.
    wall.t, own.t = 10.0, 8.0
    _write_stat(stat, busy_s=1013, steal_s=11, idle_s=5006)
    busy = meter.stop()
    assert busy.others_share == 0.25 and busy.steal_share == 0.05
    assert "other processes 25% of the CPUs, steal 5%" in busy.describe()
    assert set(busy.to_doc()) == {"others_share", "steal_share", "load_average"}


def test_a_quiet_machine_reads_zero_and_shares_stay_within_0_and_1(tmp_path: Path) -> None:
    stat, wall, own = tmp_path / "stat", _Clock(), _Clock()
    _write_stat(stat, busy_s=100, steal_s=0, idle_s=100)
    meter = BusyMeter(stat, clock=wall, own_cpu=own, cpus=2)
    wall.t, own.t = 5.0, 6.0  # tick rounding: this process's own CPU time slightly above the ticks
    _write_stat(stat, busy_s=105.9, steal_s=0, idle_s=104)
    assert meter.stop().others_share == 0.0


def test_without_proc_stat_only_the_load_average_is_given(tmp_path: Path) -> None:
    busy = BusyMeter(tmp_path / "missing").stop()
    assert busy == Busy(None, None, busy.load_average)
    assert busy.describe().startswith("load ")
