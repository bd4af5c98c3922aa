"""Session-state keys and URL query parameters, so a copied link restores the same view."""
from __future__ import annotations

import streamlit as st

# Query-parameter names (kept short: they appear in shared links).
QP_VIDEO = "video"
QP_RUN = "run"
QP_MODEL = "model"
QP_PAGE = "p"
QP_JOB_STATES = "states"

# Session-state keys, namespaced by page.
VIDEOS_FLASH = "videos.flash"
VIDEOS_URLS = "videos.urls"
VIDEOS_UPLOADS = "videos.uploads"
VIDEOS_ANALYZE_SELECTION = "videos.analyze_selection"
JOBS_FLASH = "jobs.flash"


def get_param(name: str, default: str | None = None) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def set_params(**values: str | int | None) -> None:
    """Write values to the URL; ``None`` removes a key. Unchanged values cause no rerun."""
    for key, value in values.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


def flash(key: str, kind: str, message: str) -> None:
    """Queue a message to show after the next rerun (e.g. after a button's write)."""
    st.session_state.setdefault(key, []).append((kind, message))


def show_flash(key: str) -> None:
    for kind, message in st.session_state.pop(key, []):
        getattr(st, kind)(message)
