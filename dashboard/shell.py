"""The app shell around every page.

Streamlit treats a folder named ``pages/`` next to the entry script as a legacy (v1) multipage
app until some session has called ``st.navigation``. On a freshly started server, a deep link
such as ``/results?video=…`` therefore runs ``pages/results.py`` on its own, without the
navigation, page config or sidebar. :func:`ensure_shell`, called first by every page, detects
that and runs ``streamlit_app.py`` instead, which draws the shell and runs the page through it.
"""

from __future__ import annotations

import runpy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.config import PROJECT_ROOT

_local = threading.local()


@contextmanager
def inside_navigation() -> Iterator[None]:
    """Wrap ``navigation.run()`` in ``streamlit_app.py`` (script runs are one per thread)."""
    _local.inside = True
    try:
        yield
    finally:
        _local.inside = False


def ensure_shell() -> None:
    """First call of every page: run the page through the app's navigation if it is not already."""
    if not getattr(_local, "inside", False):
        runpy.run_path(str(PROJECT_ROOT / "streamlit_app.py"), run_name="__main__")
        st.stop()
