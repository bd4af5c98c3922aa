"""Session-state keys and URL query parameters, so a copied link restores the same view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

# Query-parameter names (kept short: they appear in shared links).
QP_VIDEO = "video"
QP_RUN = "run"
QP_MODEL = "model"
QP_JOB_STATES = "states"
QP_VIDEOS = "videos"
QP_RUNS = "runs"
"""Run overrides as ``video:run,video:run``; videos not named use their latest finished run."""
QP_THRESHOLD = "threshold"
QP_LABEL = "label"
QP_LEVEL = "level"
QP_LABEL_LEVEL = "by"
"""Labels read as ``label``, ``category`` or ``custom`` (the analyst's categories) on every analytics page."""
QP_ST_RUN = "st_run"
"""Screen-time run shown on the Screen time page."""
QP_CLASSIFIER = "classifier"
QP_SMOOTH = "k"
QP_DATASET = "dataset"
QP_YT8M_MODEL = "yt8m_model"
QP_TIME = "t"
"""The moment (seconds) opened in the player on the Frames explorer."""
QP_QUERY = "q"
"""Label search: the words typed."""
QP_LABELS = "labels"
"""Label search: the matching labels chosen, comma-separated (absent: all that match)."""
QP_MIN_SCORE = "min"
QP_MODELS = "models"
QP_ANY_RANK = "any_rank"

# Session-state keys, namespaced by page.
VIDEOS_FLASH = "videos.flash"
VIDEOS_URLS = "videos.urls"
VIDEOS_UPLOADS = "videos.uploads"
VIDEOS_UPLOADS_ROUND = "videos.uploads_round"
VIDEOS_URL_VIEWS = "videos.url_views"
"""The view count typed beside the links, applied to the videos they add."""
VIDEOS_UPLOAD_VIEWS = "videos.upload_views"
"""Prefix: the view count typed beside the uploader, ``videos.upload_views.<round>`` (emptied with it)."""
VIDEOS_JUST_ADDED = "videos.just_added"
"""Ids of the videos the last add named, offered for "Analyze now" until they are queued."""
VIDEOS_ANALYZE_SELECTION = "videos.analyze_selection"
VIDEOS_EDIT_TARGET = "videos.edit_target"
VIDEOS_VIEWS = "videos.views"
"""Prefix: one number input per video, ``videos.views.<video_id>``."""
VIDEOS_DELETE_CONFIRM = "videos.delete_confirm"
RESULTS_PAGE = "results.page"
SCOPE_RUN = "scope.run"
"""Prefix: the run picker of a video, ``scope.run.<video_id>``, and the video picker, ``scope.run.video``."""
OVERVIEW_REPORT = "overview.report_html"
OVERVIEW_PAGE = "overview.page"
"""The page of the Overview table shown (25 videos each)."""
CLASSIFIERS_FLASH = "classifiers.flash"
CLASSIFIERS_JOB = "classifiers.job"
"""The training job queued from this session, followed live on the Screen-time classifiers page."""
SCREENTIME_FLASH = "screentime.flash"
YT8M_FLASH = "yt8m.flash"
POPULARITY_THRESHOLD = "popularity.threshold"
"""The threshold (views) as the analyst left it; seeded once from the link."""
CATEGORIES_FLASH = "categories.flash"
CATEGORIES_UPLOAD_ROUND = "categories.upload_round"
"""Counts saved uploads: the uploader's key ends with it, so a saved file leaves the uploader."""
SEARCH_QUERY = "search.query"
SEARCH_PAGE = "search.page"


_NEXT_RUN = "state.next_run"
"""Widget values to set at the start of the next run (a widget's value cannot change once it is drawn)."""


def set_next_run(key: str, value: Any) -> None:
    """Give the widget ``key`` this value on the next run; :func:`apply_next_run` sets it before
    any widget is drawn. For values decided after the widget was drawn (e.g. the links that failed)."""
    st.session_state.setdefault(_NEXT_RUN, {})[key] = value


def apply_next_run() -> None:
    """Call at the top of a page that uses :func:`set_next_run`."""
    for key, value in st.session_state.pop(_NEXT_RUN, {}).items():
        st.session_state[key] = value


def set_params(**values: str | int | None) -> None:
    """Write values to the URL; ``None`` removes a key. Unchanged values cause no rerun."""
    for key, value in values.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def flash(key: str, kind: str, message: str, detail: str | None = None) -> None:
    """Queue a message to show after the next rerun (e.g. after a button's write). ``detail``
    (plain text, e.g. a library's error) is shown under it in a closed "Technical details" expander."""
    st.session_state.setdefault(key, []).append((kind, message, detail))


def show_new(param: str, value: str, flash_key: str, message: str) -> None:
    """After queueing something: select it in the URL (dropping the widget's remembered choice),
    say so after the rerun, and rerun."""
    set_params(**{param: value})
    st.session_state.pop(param, None)
    flash(flash_key, "success", message)
    st.rerun()


def show_flash(key: str) -> None:
    for kind, message, *detail in st.session_state.pop(key, []):
        getattr(st, kind)(message)
        if detail and detail[0]:
            technical_details(detail[0])


def technical_details(detail: str) -> None:
    """A library's own error text, closed by default and never read as Markdown."""
    with st.expander("Technical details", icon=":material/build:"):
        st.code(detail, language=None, wrap_lines=True)


def url_choice(widget: Callable[..., Any], label: str, options: Sequence[Any], key: str, default: Any = None, **kwargs: Any) -> Any:
    """Draw a single-choice widget (``st.selectbox``, ``st.segmented_control``, …) whose value lives
    in the URL under ``key`` as the raw option, so a copied link restores it.

    On first draw the URL's value is used when it is a valid option, else ``default``, else the
    first option. A value that stopped being valid (e.g. another video was chosen) is reset.
    """
    options = list(options)
    if st.session_state.get(key) not in options:
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in options else (default if default in options else options[0])
    value = widget(label, options, key=key, **kwargs)
    set_params(**{key: value})
    return value


def url_multi_choice(widget: Callable[..., Any], label: str, options: Sequence[str], key: str, **kwargs: Any) -> list[str]:
    """Like :func:`url_choice` for multi-selection widgets; the URL holds a comma-separated list,
    and is cleared when everything is selected (the default)."""
    options = list(options)
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        chosen = [o for o in wanted.split(",") if o in options] if wanted else options
        st.session_state[key] = chosen
    value = list(widget(label, options, key=key, **kwargs) or [])
    set_params(**{key: ",".join(value) if set(value) != set(options) else None})
    return value
