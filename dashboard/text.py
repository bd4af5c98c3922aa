"""Text that users and uploaders wrote, shown as plain text and never as Markdown.

Most Streamlit elements render Markdown: the body of ``st.markdown``, ``st.caption``, the
headings and the alerts; the label and ``help`` of every widget, expander, tab and metric (and a
metric's value and delta); the options of ``st.radio``, ``st.pills``, ``st.segmented_control`` and
``st.select_slider``; ``st.progress`` and ``st.spinner`` texts. Streamlit adds its own syntax to
GitHub-flavoured Markdown: ``:red[…]`` directives, ``:material/…:`` icons and ``$…$`` LaTeX. A
video title such as ``![t](http://attacker/track.png)`` would fetch an image from the attacker's
server, and ``[click me](javascript:…)`` would become a link.

Titles, channels, file names, URLs, class names, classifier, label-set and dataset names, and
error messages that quote them go through :func:`plain` before they reach such an element.
Elements that show text as it is need nothing: ``st.text``, ``st.code``, dataframe and data-editor
cells, and the options of ``st.selectbox`` and ``st.multiselect`` (their ``format_func`` output).
Links in a ``LinkColumn`` go through :func:`safe_link`.
"""

from __future__ import annotations

import re

from core.errors import ReelsightError
from core.media import check_url

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
"""Every ASCII punctuation character: CommonMark lets each be backslash-escaped to stand for itself."""


def plain(text: object) -> str:
    """``str(text)`` escaped so that Markdown shows exactly its characters, as one line.

    Every ASCII punctuation character gets a backslash, which CommonMark allows for all of them:
    that stops emphasis, links, images, autolinks (``<…>``, ``http://…``, ``www.…``, e-mail
    addresses), raw HTML, entities, tables and strikethrough, and Streamlit's directives, icons and
    LaTeX. Each run of whitespace, line breaks included, becomes one space (as HTML would show it),
    so no line can start a heading, list, quote or code block. ``None`` gives ``""``.
    """
    if text is None:
        return ""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def safe_link(url: object, allowed_hosts: tuple[str, ...]) -> str | None:
    """``url`` when it is http(s) on an allowed host, else None: a stored URL shown in a
    ``LinkColumn`` can then be neither a ``javascript:`` link nor a link to an arbitrary host."""
    if not isinstance(url, str) or not url:
        return None
    try:
        return check_url(url, allowed_hosts)
    except ReelsightError:
        return None
