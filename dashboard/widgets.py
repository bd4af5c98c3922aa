"""Reusable widgets: the sidebar, worker status, error display, run labels."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.analysis import labels
from core.errors import ReelsightError
from core.exports import to_csv
from dashboard import data, state
from dashboard.text import plain

T = TypeVar("T")

START_WORKER_HELP = "Start one in a terminal with `python -m core worker` (or use `make run`, which starts the dashboard with a worker)."


def guarded(action: Callable[[], T]) -> T | None:
    """Run a core call; show a domain error as one message instead of a traceback."""
    try:
        return action()
    except ReelsightError as err:
        show_error(err)
        return None


def show_error(err: ReelsightError) -> None:
    """A domain error as one message; its text is plain (it may quote titles, file names or URLs).
    An error's ``detail`` (e.g. yt-dlp's own text) goes in a closed "Technical details" expander."""
    st.error(plain(str(err)), icon=":material/error:")
    detail = getattr(err, "detail", None)
    if detail:
        state.technical_details(detail)


def download_csv(table: pd.DataFrame, file_name: str, label: str = "Download CSV") -> None:
    """A download button for a table, as shown."""
    st.download_button(label, to_csv(table).encode("utf-8"), file_name=file_name, mime="text/csv", icon=":material/download:", key=f"csv.{file_name}")


def chart(figure: go.Figure, name: str, on_select: bool = False) -> Any:
    """Draw a plotly chart; its toolbar's camera button downloads it as ``<name>.png``. With
    ``on_select``, clicking a point reruns the page and the selection event is returned."""
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2}}
    if on_select:
        return st.plotly_chart(figure, config=config, key=f"chart.{name}", on_select="rerun", selection_mode="points")
    st.plotly_chart(figure, config=config, key=f"chart.{name}")
    return None


def vega_chart(spec: dict[str, Any], name: str, select: str | None = None) -> Any:
    """Draw a Vega-Lite chart (a spec from :mod:`core.analysis.charts`); its toolbar's "Download as
    PNG" saves it (Streamlit names the file by date and time; ``name`` only keys the element).
    Much lighter in the browser than a plotly chart (see BENCHMARKS.md). With ``select`` (the
    name of a selection parameter in the spec), a click reruns the page and the event is returned."""
    event = st.vega_lite_chart(spec, width="stretch", key=f"chart.{name}", on_select="rerun" if select else "ignore", selection_mode=select)
    return event if select else None


def preformatted(text: str) -> None:
    """Fixed-width text as typed (escaped, in a ``<pre>``): what ``st.code`` shows, without
    Streamlit's 1.5 MB syntax highlighter, which costs a new browser about 0.5 s (BENCHMARKS.md)."""
    st.html(f"<pre style='font-size: 0.8rem; overflow-x: auto'>{html.escape(text)}</pre>")


def float_param(name: str) -> float | None:
    """A number from the URL, or None when absent or not a number."""
    try:
        return float(st.query_params[name]) if st.query_params.get(name) else None
    except ValueError:
        return None


def nice_step(value: float, share: float = 0.1) -> int:
    """A round step for a number input near ``value``: ``share`` of it, to one significant digit
    (870,000 → 90,000; 4,200 → 400), at least 1."""
    raw = abs(value) * share
    if raw < 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(round(raw / magnitude) * magnitude)


def succeeded(action: Callable[[], object]) -> bool:
    """Like :func:`guarded`, for actions that return nothing: True when no domain error occurred."""
    try:
        action()
    except ReelsightError as err:
        show_error(err)
        return False
    return True


def ago(when: dt.datetime | None) -> str:
    """``"42 s ago"``, ``"3 min ago"``, ``"1.5 h ago"``; a naive time is taken as UTC."""
    if when is None:
        return "—"
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    seconds = max(0.0, (dt.datetime.now(dt.UTC) - when).total_seconds())
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def duration(seconds: float) -> str:
    """A span of time for people: ``"42 s"``, ``"3 min"``, ``"1 h 5 min"``."""
    seconds = max(0.0, float(seconds))
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"


def worker_status(compact: bool = False) -> list[dict[str, Any]]:
    """Say plainly whether a worker is running; returns the live workers."""
    live = data.workers()
    if not live:
        st.warning(f"**No worker is running**, so queued jobs will wait. {START_WORKER_HELP}", icon=":material/warning:")
    elif compact:
        for w in live:
            st.caption(f":green[:material/circle:] Worker on {worker_summary(w)}")
        if any(w.get("weights") == "none" for w in live):
            st.caption(":orange[:material/science: A worker uses random weights (testing only).]")
    return live


def worker_summary(worker: dict[str, Any]) -> str:
    """``NVIDIA H200 (torch, batch 256) · models 1,312.0 frames/s`` for one worker document."""
    details = ", ".join(str(x) for x in (worker.get("backend"), f"batch {worker['batch_size']}" if worker.get("batch_size") else None) if x)
    text = f"{worker.get('device', '?')}" + (f" ({details})" if details else "")
    if worker.get("measured_fps"):
        text += f" · models {worker['measured_fps']:,.1f} frames/s"
    return text


def job_progress(job: dict[str, Any] | None, what: str) -> str | None:
    """Show a queued or running job's stage and progress (and whether a worker is there to run
    it), or why it stopped. Returns the job's state, None when there is no job.

    ``what`` is Markdown: pass user-supplied names through :func:`dashboard.text.plain`."""
    if job is None:
        return None
    if job["state"] in ("failed", "cancelled"):
        st.error(f"{what} {job['state']}: {plain(job.get('error') or 'no message')}. Retry it on the Jobs page.", icon=":material/error:")
    elif job["state"] in ("queued", "running"):
        p = job.get("progress") or {}
        done, total = int(p.get("done") or 0), p.get("total")
        st.progress(min(done / total, 1.0) if total else 0.0, text=f"{what}: {p.get('stage', job['state'])}" + (f" · {done:,}/{total:,}" if total else ""))
        worker_status()
    return job["state"]


RANDOM_WEIGHTS_HELP = (
    "A worker makes random-weight runs when its weights setting, `REELSIGHT_WEIGHTS`, is `none`. Start the worker "
    "with `imagenet` (the default) or a folder holding the weight files, then analyse the videos again."
)


def random_weights_notice(random: int, total: int = 1) -> None:
    """Say in plain words that ``random`` of ``total`` runs used untrained models (nothing when none
    did); the setting behind it is in a help tooltip."""
    if random:
        st.warning(f"**Random weights.** {labels.random_weights(random, total)} Analyse again with trained models.", icon=":material/science:")
        st.caption("Why, and how to get real labels", help=RANDOM_WEIGHTS_HELP)


TABLE_FORMATS = {
    "count": "localized", "confidence": "%.3f", "percent": "%.1f%%", "number": "%.3f", "p_value": "%.3f", "seconds": "%.2f s", "rate": "%.1f", "id": "%d",
}  # fmt: skip
"""Kind of column (:data:`core.analysis.labels.KINDS`) → ``st.column_config.NumberColumn`` format,
matching the formatters of :mod:`core.analysis.labels`."""


def table(
    frame: pd.DataFrame, columns: list[str] | None = None, config: dict[str, Any] | None = None, hide_empty: bool = True, unit: str = "frames", **kwargs: Any
) -> Any:
    """Show a core table the way every page does: columns named by :func:`core.analysis.labels.column`
    for ``unit`` (in the order of ``columns`` when given), labels as words, model names from the registry,
    Yes/No, numbers in the formats of :mod:`core.analysis.labels`, missing values as "—", and
    (``hide_empty``) no column that holds nothing.

    ``config``: raw column name → ``st.column_config`` entry, replacing the default one (its label
    is filled in), or a plain dict of settings (``{"help": …}``, ``{"width": "large"}``) added to
    the default one. Other keyword arguments go to ``st.dataframe``."""
    shown = frame[columns] if columns is not None else frame
    if hide_empty:
        shown = labels.drop_empty(shown)
    view, column_config = {}, {}
    for name in shown.columns:
        display = labels.column(name, unit)
        if display in view:
            display = f"{display} ({name})"
        values, kind = shown[name], labels.kind(name)
        entry = dict((config or {}).get(name) or {})
        typed = "type_config" in entry  # a full st.column_config entry, not only a label, help or width
        if kind not in TABLE_FORMATS and kind != "text":  # words: labels, model names, Yes/No, weights…
            words = values.map(lambda v, n=name: labels.cell(n, v))
            values = words.where(words != labels.MISSING, None)
        elif kind == "percent" and not typed:
            values = values * 100  # shown as "42.3%", as labels.percent writes it
        if not typed and kind in TABLE_FORMATS:
            entry = {**st.column_config.NumberColumn(format=TABLE_FORMATS[kind]), **entry}
        view[display] = values.to_numpy()
        if entry:
            entry.setdefault("label", display)
            column_config[display] = entry
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(pd.DataFrame(view, index=range(len(shown))), column_config=column_config, placeholder=labels.MISSING, **kwargs)


def sidebar() -> None:
    s = data.settings()
    with st.sidebar:
        st.markdown("### Reelsight")
        st.caption("Frame-level ImageNet labels for your videos.")
        worker_status(compact=True)
        kind = "MongoDB" if s.uses_mongo else "embedded store"
        st.caption(f"Database: {kind}")


VIEWS_USED_BY = "the Popular vs unpopular and Regression pages leave"
"""Who leaves a video without views out of an analysis (subject and verb of :func:`no_views_sentence`)."""


def no_views_sentence(titles: list[str], left_out_by: str = VIEWS_USED_BY, where: str = "on the Videos page") -> str | None:
    """Markdown: which videos have no view count and so are left out, e.g. "Clip has no view count,
    so the Popular vs unpopular and Regression pages leave it out. Enter its views on the Videos page."
    Titles are escaped; None when every video has views."""
    if not titles:
        return None
    shown = [plain(t) for t in titles[:5]] + ([f"{len(titles) - 5} more"] if len(titles) > 5 else [])
    names = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    one = len(titles) == 1
    return f"{names} {'has' if one else 'have'} no view count, so {left_out_by} {'it' if one else 'them'} out. Enter {'its' if one else 'their'} views {where}."


def no_views_notice(videos: pd.DataFrame, video_ids: list[str], left_out_by: str = VIEWS_USED_BY, where: str = "on the Videos page") -> list[str]:
    """Say which of ``video_ids`` have no view count (``videos``: ``video_id, title, views``, as
    :func:`dashboard.data.videos` or a scope's video table). Returns their ids."""
    chosen = videos[videos["video_id"].isin(video_ids) & videos["views"].isna()]
    sentence = no_views_sentence(chosen["title"].fillna("(untitled)").tolist(), left_out_by, where)
    if sentence:
        st.info(sentence, icon=":material/visibility_off:")
    return chosen["video_id"].tolist()
