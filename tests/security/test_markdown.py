"""Markdown injection: a title, channel, file name, class name or dataset name that an uploader or
analyst chose is shown as typed, never as a link, an image or formatting.

Every page is rendered with such strings in the database, and every string that reaches an element
which renders Markdown (a body, a label, a help text, a radio option, a progress text…) is parsed
with markdown-it: no ``<a>`` or ``<img>`` may come out of it, nor Streamlit's ``:color[…]`` or
``$…$`` syntax. :func:`dashboard.text.plain` itself is checked against the same parser.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from google.protobuf.message import Message
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from core.inference.runs import RunSettings, request_analysis
from core.screentime import classmetrics
from core.screentime.apply import ApplySettings, video_source
from core.screentime.classifier import TrainSettings
from core.store import new_id, new_job, utcnow
from dashboard.text import plain, safe_link
from tests.synthetic import add_run, add_video
from tests.test_pages import button, open_page

pytestmark = pytest.mark.pages

IMAGE = "![t](http://attacker.example/track.png)"
LINK = "[click me](javascript:alert(1))"
TITLE = f"{IMAGE}{LINK} **bold** :red[red] $x^2$ <img src=http://attacker.example/i.png> http://attacker.example/auto"
CHANNEL = "[channel](http://attacker.example/c) _em_ ~~gone~~"
CLASSES = ["![a](http://attacker.example/a.png)", "[b](javascript:alert(2))", ":material/bolt: c|d"]
CLASSIFIER = "[clf](javascript:alert(3))"
LABELSET = "![set](http://attacker.example/s.png)"
DATASET = "[data](javascript:alert(4))"
VOCAB = ["![v](http://attacker.example/v.png)", "[w](javascript:alert(5))"]
VERTICAL = "[vertical](http://attacker.example/v)"

PAGES = [
    "pages/videos.py", "pages/jobs.py", "pages/overview.py", "pages/confidence.py", "pages/popularity.py", "pages/wordclouds.py",
    "pages/regression.py", "pages/explorer.py", "pages/results.py", "pages/screentime.py", "pages/classifiers.py", "pages/yt8m.py",
]  # fmt: skip
PLAIN_FIELDS = {
    "selectbox": {"options", "default", "raw_value", "raw_values"},
    "multiselect": {"options", "default", "raw_values"},
    "text_input": {"value", "default"},
    "text_area": {"value", "default"},
}
"""Strings that Streamlit shows as text: the options of a selectbox or multiselect, text-input values."""
NOT_TEXT = {"id", "form_id", "icon", "url", "page", "page_script_hash", "query_string", "arrow_data", "columns", "column_order", "data", "key"}
"""Proto fields that hold no Markdown: ids, icons, links, dataframe data and column settings."""
NOT_MARKDOWN = {"text", "code", "exception", "plotly_chart", "vega_lite_chart"}
"""Elements whose strings are not Markdown (chart specs are JSON; Plotly's HTML-like text is another matter)."""

_markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
STREAMLIT_SYNTAX = r"(?<!\\):red\[red\]|(?<!\\)\$x\^2|(?<!\\):material/bolt"
"""Streamlit's own syntax in the hostile strings, unescaped: a colour directive, LaTeX, an icon."""


def _html_escape(text: str) -> str:
    """Text as markdown-it writes it in HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------- plain()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"{IMAGE}{LINK}", id="image-and-link"),
        pytest.param("<javascript:alert(1)> <b>x</b> &amp; &#60;", id="autolink-html-entities"),
        pytest.param("*a* _b_ **c** __d__ ~~e~~ `f` ``g``", id="emphasis-strike-code"),
        pytest.param("# h1", id="heading"),
        pytest.param("1. one", id="ordered-list"),
        pytest.param("- item", id="bullet-list"),
        pytest.param("> quote", id="quote"),
        pytest.param("a | b\n--|--\n1 | 2", id="table"),
        pytest.param("=== and --- and ***", id="rules"),
        pytest.param("back\\slash \\* \\", id="backslashes"),
        pytest.param("[ref]: http://attacker.example", id="reference-definition"),
        pytest.param(string.punctuation, id="all-punctuation"),
        pytest.param("Tom & Jerry — 100% «naïve» 日本語 🎬", id="unicode"),
    ],
)
def test_plain_renders_as_exactly_the_text(text: str) -> None:
    html = _markdown.render(plain(text))
    assert html == f"<p>{_html_escape(' '.join(text.split()))}</p>\n"
    assert not re.search(r"<(a|img|em|strong|s|code|h\d|ol|ul|li|blockquote|table|hr)\b", html)


def test_plain_escapes_streamlits_own_syntax() -> None:
    escaped = plain(":red[x] :material/bolt: :smile: $x^2$ $$y$$ www.attacker.example a@attacker.example")
    assert not re.search(r"(?<!\\)[:$]", escaped), "every : and $ escaped: no directive, icon, shortcode or LaTeX"
    assert "www\\.attacker" in escaped and "a\\@attacker" in escaped, "no bare www. or e-mail autolink"


def test_plain_turns_line_breaks_into_spaces() -> None:
    assert plain("title\n# heading\r\n\n- item\tx") == "title \\# heading \\- item x"
    assert plain(None) == "" and plain(12.5) == "12\\.5"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param("https://www.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=abc", id="allowed"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("data:text/html,<script>", None, id="data"),
        pytest.param("http://attacker.example/x", None, id="other-host"),
        pytest.param(None, None, id="none"),
        pytest.param(float("nan"), None, id="nan"),
    ],
)
def test_safe_link_keeps_only_http_links_to_allowed_hosts(url: object, shown: str | None) -> None:
    assert safe_link(url, ("youtube.com",)) == shown


# ---------------------------------------------------------------- every page


@pytest.fixture
def hostile(store, settings) -> dict[str, str]:
    """A library whose every user-supplied string is an injection attempt."""
    video_id = add_video(store, "synthetic:hostile", TITLE, views=2_000_000, seconds=6.0)
    store.db["videos"].update_one({"_id": video_id}, {"$set": {"channel": CHANNEL, "webpage_url": "javascript:alert(6)"}})
    other = add_video(store, "synthetic:other", "Plain title", views=10, seconds=6.0, offset_s=1)
    store.db["videos"].update_one({"_id": other}, {"$set": {"webpage_url": "https://www.youtube.com/watch?v=abc"}})
    rng = np.random.default_rng(3)
    add_run(store, video_id, 6, top_k=3, fps=1, source_fps=10, rng=rng)
    add_run(store, other, 6, top_k=3, fps=1, source_fps=10, rng=rng)
    _, failed = request_analysis(store, video_id, RunSettings(fps=2))
    store.db["jobs"].update_one({"_id": failed}, {"$set": {"state": "failed", "error": f"Could not read {TITLE}"}})
    store.jobs.insert(new_job("train_classifier", {"name": CLASSIFIER, "labelset_id": "x"}))
    store.labelsets.insert({"_id": new_id(), "kind": "frames", "name": LABELSET, "counts": dict.fromkeys(CLASSES, 2), "created_at": utcnow()})
    classifier_id = _classifier(store)
    screentime_run = _screentime_run(store, classifier_id, video_id)
    dataset_id = _dataset(store)
    return {"video_id": video_id, "screentime_run": screentime_run, "dataset_id": dataset_id}


def _classifier(store) -> str:
    truth, guess = np.array([0, 1, 2, 0, 1, 2]), np.array([0, 1, 2, 1, 1, 2])
    metrics = classmetrics.evaluate(truth, guess, CLASSES)
    doc = {
        "name": CLASSIFIER,
        "classes": [{"id": i, "name": n} for i, n in enumerate(CLASSES)],
        "settings": TrainSettings(backbone="resnet50", epochs=2).to_doc(),
        "weights": "imagenet",
        "random_weights": False,
        "training_set": {"name": LABELSET, "counts": dict.fromkeys(CLASSES, 2), "notes": [f"Dropped {IMAGE}: conflicting labels."]},
        "metrics": {
            "val_accuracy": metrics["accuracy"], "confusion": metrics["confusion"], "per_class": metrics["per_class"], "best_epoch": 2,
            "history": [{"epoch": e, "stage": "head", "loss": 1.0 / e, "val_loss": 1.1 / e, "accuracy": 0.5, "val_accuracy": 0.4} for e in (1, 2)],
            "n_train": 12, "n_val": 6, "class_weights": dict.fromkeys(CLASSES, 1.0),
        },
        "created_at": utcnow(),
    }  # fmt: skip
    store.classifiers.insert_versioned(doc)
    return doc["_id"]


def _screentime_run(store, classifier_id: str, video_id: str) -> str:
    run_id = new_id()
    doc = {
        "_id": run_id, "classifier_id": classifier_id, "classifier": {"name": CLASSIFIER, "version": 1, "random_weights": False},
        "classes": CLASSES, "source": video_source(store, video_id), "settings": ApplySettings(fps=1.0, smooth=1, annotate=False).to_doc(),
        "labels": [], "created_at": utcnow(),
    }  # fmt: skip
    job_id = store.screentime_runs.create_with_job(doc, new_job("screentime", {"run_id": run_id}))
    store.jobs.update_in_state(job_id, ("queued",), {"state": "done", "finished_at": utcnow()})
    probs = np.eye(3)[[0, 0, 1, 2, 2, 1]].ravel().tolist()
    result = {"probs": probs, "time_s": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "frames": [0, 10, 20, 30, 40, 50], "interval_s": 1.0}
    store.screentime_runs.set(run_id, result=result, finished_at=utcnow())
    return run_id


def _dataset(store) -> str:
    dataset_id = new_id()
    doc = {
        "_id": dataset_id, "name": DATASET, "records": [], "vocabulary": {"index": [0, 1], "name": VOCAB, "vertical": [VERTICAL, VERTICAL]},
        "vocabulary_file": "[vocab](javascript:alert(7)).csv", "created_at": utcnow(),
    }  # fmt: skip
    job_id = store.yt8m_datasets.create_with_job(doc, new_job("yt8m_import", {"dataset_id": dataset_id}))
    store.jobs.update_in_state(job_id, ("queued",), {"state": "done", "finished_at": utcnow()})
    store.yt8m_datasets.add_videos(dataset_id, [{"video_id": "v1", "labels": [0, 1, 9]}, {"video_id": "v2", "labels": [1]}])
    stats = {
        "n_videos": 2, "labels_per_video": {"1": 1, "3": 1}, "label_counts": {"1": 2, "0": 1, "9": 1}, "vertical_counts": {VERTICAL: 2},
        "unknown": {"records": 1, "labels": {"9": 1}},
    }  # fmt: skip
    store.yt8m_datasets.set(dataset_id, stats=stats, imported_at=utcnow())
    return dataset_id


def _strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a proto message, with its dotted field path."""
    for field, value in message.ListFields():
        name = f"{path}.{field.name}" if path else field.name
        values = value if field.is_repeated else [value]
        for v in values:
            if isinstance(v, Message):
                yield from _strings(v, name)
            elif isinstance(v, str):
                yield name, v


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """``(element.field, text)`` for every string on the page that Streamlit may render as Markdown:
    everything but ids, data, and the fields in :data:`PLAIN_FIELDS` and :data:`NOT_TEXT`.
    ``st.text`` and ``st.code`` bodies are plain (:data:`NOT_MARKDOWN`), and so are dataframe cells."""
    found = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None or node.type in NOT_MARKDOWN:
            continue
        for path, text in _strings(proto):
            field = path.rsplit(".", 1)[-1]
            if field in NOT_TEXT or field in PLAIN_FIELDS.get(node.type, set()):
                continue
            found.append((f"{node.type}.{path}", text))
    return found


def injections(at: AppTest) -> list[str]:
    """Each Markdown-rendered string that would show a link, an image, raw HTML or Streamlit syntax."""
    bad = []
    for where, text in markdown_texts(at):
        if where.startswith("html.") and re.fullmatch(r"<pre[^<>]*>[^<>]*</pre>", text, re.DOTALL):
            continue  # widgets.preformatted: escaped text in a <pre>, shown as typed
        html = _markdown.render(text)
        if re.search(r"<(a|img)\b", html) or "javascript:" in text or "attacker.example/" in text or re.search(STREAMLIT_SYNTAX, text):
            bad.append(f"{where}: {text!r}")
    return bad


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = open_page(page, query)
    assert not at.exception, at.exception
    return at


def test_every_page_shows_hostile_strings_as_plain_text(hostile: dict[str, str]) -> None:
    seen, bad = [], []
    for page in PAGES:
        query = {
            "pages/results.py": {"video": hostile["video_id"]},
            "pages/explorer.py": {"video": hostile["video_id"]},
            "pages/confidence.py": {"video": hostile["video_id"]},
            "pages/screentime.py": {"st_run": hostile["screentime_run"]},
        }.get(page)
        at = _open(page, query)
        bad += [f"{page} {found}" for found in injections(at)]
        seen += [text for _, text in markdown_texts(at)]
    assert bad == []
    shown = "\n".join(seen)
    for name in (TITLE, *CLASSES, CLASSIFIER):  # the channel and dataset names appear only in dataframe cells and selectbox options
        assert plain(name) in shown, f"{name!r} is in no Markdown element, so the test proves nothing for it"


def test_pages_after_interaction_stay_plain(hostile: dict[str, str], clip: Path) -> None:
    at = _open("pages/confidence.py")
    next(n for n in at.number_input if n.label == "Out-of-domain threshold").set_value(1.0)
    at.run()
    assert not at.exception and injections(at) == []
    assert any(plain(TITLE) in w.value for w in at.warning), "every video is flagged as out of domain, by title"

    at = _open("pages/classifiers.py")
    at.segmented_control(key="classifiers.source").set_value("frames")
    at.run()
    assert not at.exception and injections(at) == []

    at = _open("pages/yt8m.py")
    at.selectbox(key="yt8m.category").set_value(VERTICAL)
    at.run()
    assert not at.exception and injections(at) == []
    assert any(plain(VERTICAL) in c.value for c in at.caption), "the browse caption names the category"

    at = _open("pages/videos.py")
    bad_name = "[notes](javascript:alert(8)).mp4"
    at.file_uploader[0].upload("![u](javascript:alert(9)).mp4", clip.read_bytes(), "video/mp4").upload(bad_name, b"nope" * 100, "video/mp4")
    at.run()
    button(at, "Add uploaded files").click()
    at.run()
    assert not at.exception and injections(at) == []
    assert any(plain(bad_name) in e.value for e in at.error) and any("Added" in s.value for s in at.success)
    at.text_area(key="videos.urls").input("ftp://youtube.com/![x](http://attacker.example/y.png)\n")
    button(at, "Add links").click()
    at.run()
    assert not at.exception and injections(at) == []
    assert len(at.error) == 1


def test_the_library_links_only_to_allowed_hosts(hostile: dict[str, str]) -> None:
    at = _open("pages/videos.py")
    library = next(d.value for d in at.dataframe if "Link" in d.value.columns).set_index("Title")["Link"]
    assert library["Plain title"] == "https://www.youtube.com/watch?v=abc"
    assert pd.isna(library[TITLE]), "the stored javascript: URL is not offered as a link"


def test_preformatted_text_is_escaped_into_its_pre() -> None:
    def page() -> None:
        from dashboard import widgets

        widgets.preformatted("<script>alert(1)</script> & <img src=x onerror=y> ![c](http://attacker.example/c.png)\n  indented")

    at = AppTest.from_function(page).run()
    (body,) = [node.proto.body for node in at._tree if getattr(node, "type", None) == "html"]
    assert re.fullmatch(r"<pre[^<>]*>[^<>]*</pre>", body, re.DOTALL)  # no tag of the text's survives
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img" in body and "\n  indented" in body
