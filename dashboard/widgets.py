"""Reusable widgets: the sidebar, worker status, error display, run labels."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core.errors import ReelsightError
from dashboard import data

T = TypeVar("T")

START_WORKER_HELP = "Start one in a terminal with `python -m core worker` (or use `make run`, which starts the dashboard with a worker)."


def guarded(action: Callable[[], T]) -> T | None:
    """Run a core call; show a domain error as one message instead of a traceback."""
    try:
        return action()
    except ReelsightError as err:
        st.error(str(err), icon=":material/error:")
        return None


def succeeded(action: Callable[[], object]) -> bool:
    """Like :func:`guarded`, for actions that return nothing: True when no domain error occurred."""
    try:
        action()
    except ReelsightError as err:
        st.error(str(err), icon=":material/error:")
        return False
    return True


def ago(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    seconds = (dt.datetime.now(dt.timezone.utc) - when).total_seconds()
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def worker_status(compact: bool = False) -> list[dict[str, Any]]:
    """Say plainly whether a worker is running; returns the live workers."""
    live = data.workers()
    if not live:
        st.warning(f"**No worker is running**, so queued jobs will wait. {START_WORKER_HELP}", icon=":material/warning:")
    elif compact:
        devices = ", ".join(sorted({w.get("device", "?") for w in live}))
        st.caption(f":green[:material/circle:] {len(live)} worker{'s' if len(live) > 1 else ''} on {devices}")
        if any(w.get("weights") == "none" for w in live):
            st.caption(":orange[:material/science: A worker uses random weights (testing only).]")
    return live


def random_weights_notice(run: dict[str, Any] | None) -> None:
    if run and run.get("random_weights"):
        st.warning(
            "**Random weights.** This run used untrained models (`REELSIGHT_WEIGHTS=none`), so its labels "
            "and scores are meaningless except for testing. Re-run it with ImageNet weights.",
            icon=":material/science:",
        )


def sidebar() -> None:
    s = data.settings()
    with st.sidebar:
        st.markdown("### Reelsight")
        st.caption("Frame-level ImageNet labels for your videos.")
        worker_status(compact=True)
        kind = "MongoDB" if s.uses_mongo else "embedded store"
        st.caption(f"Database: {kind}")
