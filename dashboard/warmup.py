"""Loads the analytics' heavy libraries in the background after the server's first page.

Pages import statsmodels (regression fits and the report), matplotlib and wordcloud (word clouds)
only where they use them, so that every page's first visit does not wait for them. This thread
imports those modules a few seconds after the first page of the process has run, while the analyst
reads it, so the first Regression, Word clouds or report does not wait either (about 1.3 s on the
2-core machine). A page that needs a module before the thread has loaded it imports it itself.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

log = logging.getLogger(__name__)

MODULES = ("core.analysis.regression", "core.analysis.wordclouds", "core.analysis.report")
DELAY_S = 3.0
"""Seconds between the first page and the imports, so they do not slow that page down."""

_lock = threading.Lock()
_thread: threading.Thread | None = None


def start(delay_s: float = DELAY_S, modules: tuple[str, ...] = MODULES) -> threading.Thread | None:
    """Start the background import once per process; the thread, or None when it was started before."""
    global _thread
    with _lock:
        if _thread is not None:
            return None
        _thread = threading.Thread(target=_load, args=(delay_s, modules), name="reelsight-warmup", daemon=True)
    _thread.start()
    return _thread


def _load(delay_s: float, modules: tuple[str, ...]) -> None:
    time.sleep(delay_s)
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as err:  # the page that needs it imports it again and shows the error there
            log.warning("could not preload %s: %s", name, err)
