"""The analytics pages under AppTest: empty database, a single video, a random-weights run, and the
normal case. Each shows a friendly message or its content, never an exception."""

from __future__ import annotations

import ast
import re

import pandas as pd
import pyarrow as pa
import pytest

from core.config import PROJECT_ROOT
from tests.synthetic import add_run, add_video, populate
from tests.test_pages import open_page, texts

pytestmark = pytest.mark.pages

ANALYTICS = ["pages/overview.py", "pages/confidence.py", "pages/popularity.py", "pages/wordclouds.py", "pages/regression.py", "pages/explorer.py"]


@pytest.mark.parametrize("page", ANALYTICS)
def test_empty_database(store, page: str) -> None:
    at = open_page(page)
    assert "Nothing analysed yet" in texts(at)


@pytest.mark.parametrize("page", ANALYTICS)
def test_single_video(store, page: str) -> None:
    populate(store, n_videos=1, n_frames=20)
    at = open_page(page)
    shown = texts(at)
    if page == "pages/regression.py":
        assert "needs at least two videos" in shown
    if page == "pages/popularity.py":
        assert "fall in one group" in shown


@pytest.fixture
def random_run(store) -> str:
    return populate(store, n_videos=1, n_frames=6, random_weights=True)[0]


@pytest.mark.parametrize("page", ANALYTICS)
def test_single_run_with_random_weights(random_run, page: str) -> None:
    at = open_page(page)
    assert any("Random weights" in w.value for w in at.warning)


@pytest.mark.parametrize("page", ANALYTICS)
def test_normal_case(store, page: str) -> None:
    populate(store, n_videos=4, n_frames=40)
    # InceptionV3's top-1 labels of these videos never overlap, so its fit is exact and shows a reason instead (tested below)
    at = open_page(page, {"model": "resnet50"} if page == "pages/regression.py" else None)
    assert not any("Random weights" in w.value for w in at.warning)
    if page == "pages/explorer.py":  # the label timeline in Vega-Lite, its ticks sent as Arrow: one per frame and model
        (timeline,) = at.get("vega_lite_chart")
        ticks = pa.ipc.open_stream(timeline.proto.datasets[0].data.data).read_pandas()
        assert len(ticks) == 80 and set(ticks["model"]) == {"InceptionV3", "ResNet50"} and not at.get("plotly_chart")
    if page == "pages/confidence.py":  # Vega-Lite, which a browser draws far sooner than plotly (BENCHMARKS.md)
        assert len(at.get("vega_lite_chart")) == 4 and not at.get("plotly_chart")
    if page == "pages/regression.py":
        assert [m.label for m in at.metric][:2] == ["R²", "Adj. R²"]
    if page == "pages/popularity.py":
        charts = at.get("vega_lite_chart")  # Vega-Lite, like the Confidence page's
        assert len(charts) == 4 and not at.get("plotly_chart")  # two models × two groups, the study's four charts
        drawn = {label for c in charts for label in pa.ipc.open_stream(c.proto.data.data).read_pandas()["label"]}  # Streamlit sends the rows as Arrow
        assert drawn and all("_" not in label for label in drawn) and any(" " in label for label in drawn)  # words, not ImageNet identifiers
    if page == "pages/wordclouds.py":
        assert len(at.get("image")) == 6  # first page: 3 of the 4 videos × 2 models
    if page == "pages/explorer.py":
        grid = [c.value for c in at.caption if c.value.startswith("**")]
        assert len(grid) == 24  # one page of thumbnails, each with every model's top-k
        stored = {d["frame"]: d["preds"]["resnet50"] for d in store.db["frames"].find({"video_id": at.selectbox(key="video").value})}
        frame0 = stored[min(stored)]
        top = " · ".join(f"{label.replace('_', ' ')} {score:.3f}" for label, score in zip(frame0["labels"], frame0["scores"]))
        assert f"ResNet50: {top}" in grid[0] and "InceptionV3: " in grid[0]


def test_url_state_restores_the_selection(store) -> None:
    ids = populate(store, n_videos=3, n_frames=20)
    at = open_page("pages/popularity.py", {"videos": ",".join(ids[:2]), "threshold": "7000000"})
    assert at.multiselect(key="videos").value == ids[:2]
    assert at.number_input[0].value == 7_000_000


def test_overview_builds_a_downloadable_report(store) -> None:
    populate(store, n_videos=2, n_frames=20)
    at = open_page("pages/overview.py")
    [b for b in at.button if b.label == "Build report"][0].click()
    at.run()
    assert not at.exception
    assert "Download report.html" in [b.label for b in at.get("download_button")]


def test_regression_page_switches_between_frame_and_video_level(store) -> None:
    populate(store, n_videos=4, n_frames=30)
    at = open_page("pages/regression.py", {"model": "resnet50"})
    assert [m.label for m in at.metric][:2] == ["R²", "Adj. R²"] and [m.value for m in at.metric][3] == "120"
    summary = [h.proto.body for h in at.get("html") if "OLS Regression Results" in h.proto.body]
    assert len(summary) == 1 and summary[0].startswith("<pre") and "Dep. Variable:" in summary[0]  # fixed-width, no syntax highlighter
    assert "Download summary (TXT)" in [b.label for b in at.get("download_button")]
    at.segmented_control(key="level").set_value("video")
    at.run()
    assert not at.exception
    # 4 videos, 4 coefficients: an exact fit, so a sentence says why and no R², F or p-value is shown
    assert not at.metric and not at.dataframe
    assert any("Only 4 videos for 4 coefficients" in w.value and "not shown" in w.value for w in at.warning)
    assert "4 observations from 4 videos" in texts(at)
    assert not any(word in texts(at) for word in ("nan", "inf", "1.000"))


# ---------------------------------------------------------------- degenerate data, one vocabulary, the Overview


def test_confidence_page_says_why_constant_scores_have_no_charts(store) -> None:
    video_id = add_video(store, "synthetic:flat", "Flat confidence", view_count=1000, seconds=40.0)
    add_run(store, video_id, 40, fps=1.0, source_fps=1.0, top1_score=0.5, thumbnails=False)
    at = open_page("pages/confidence.py")
    reasons = [i.value for i in at.info]
    assert sum("All 40 frame confidences are 0.500 to three decimals" in r for r in reasons) == 2  # one per model
    assert sum("All 1,000 sample means are 0.500" in r and "the single value 0.500" in r for r in reasons) == 2
    assert not at.get("vega_lite_chart") and not at.get("plotly_chart")


@pytest.mark.parametrize(("random", "sentence"), [(5, "All 5 runs used untrained models"), (3, "3 of 5 runs used untrained models")])
def test_random_weights_banner_counts_runs_in_plain_words(store, random: int, sentence: str) -> None:
    populate(store, n_videos=5, n_frames=10, random_weights=random)
    at = open_page("pages/overview.py")
    [banner] = [w.value for w in at.warning if "Random weights" in w.value]
    assert sentence in banner and "some runs" not in banner and "REELSIGHT" not in banner
    assert any("REELSIGHT_WEIGHTS" in (c.proto.help or "") for c in at.caption)  # the setting's name is in a tooltip


def test_overview_shows_key_columns_first_hides_empty_ones_and_dashes_missing_values(store) -> None:
    ids = populate(store, n_videos=3, n_frames=20, channel=None)
    video_id = add_video(store, "synthetic:noviews", "No views yet", seconds=20.0, channel=None)
    add_run(store, video_id, 20, fps=1.0, source_fps=1.0, thumbnails=False)
    at = open_page("pages/overview.py", {"videos": ",".join([*ids, video_id])})
    table = at.dataframe[0]
    columns = list(table.value.columns)
    assert columns[:7] == [
        "Title", "Views", "Group", "Mean confidence · InceptionV3", "Mean confidence · ResNet50", "Top labels · InceptionV3", "Top labels · ResNet50",
    ]  # fmt: skip
    assert "Channel" not in columns  # every channel is empty
    assert table.proto.placeholder == "—"
    row = table.value.set_index("Title").loc["No views yet"]
    assert pd.isna(row["Views"]) and row["Group"] == "no views"
    assert all("_" not in str(v) for v in table.value["Top labels · ResNet50"])  # labels as words


@pytest.mark.parametrize("page", [*ANALYTICS, "pages/results.py"])
def test_pages_use_one_vocabulary(store, page: str) -> None:
    populate(store, n_videos=4, n_frames=40)
    at = open_page(page)
    shown = texts(at) + " ".join(m.label + str(m.value) for m in at.metric)
    for raw in ("inception_v3", "resnet50", "mean_top1", "mean_of_sample_means", "ci_low", "random_weights", "time_s", "p_value"):
        assert raw not in shown, f"{page}: {raw!r} shown"
    for frame in at.dataframe:
        table = frame.value
        assert not [c for c in table.columns if "_" in str(c)], f"{page}: raw column names {list(table.columns)}"
        for column in ("Label", "Model", "Term"):
            if column in table:
                assert not table[column].dropna().astype(str).str.contains("_").any(), f"{page}: raw {column.lower()}s"


def _menu() -> dict[str, str]:
    """Page file → its title in streamlit_app.py's navigation."""
    app = ast.parse((PROJECT_ROOT / "streamlit_app.py").read_text())
    menu = {}
    for node in ast.walk(app):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            path = ast.unparse(node.args[0]).split("/")[-1].strip(" '\"")
            menu[path] = next(k.value.value for k in node.keywords if k.arg == "title")
    return menu


def test_page_headings_match_the_menu() -> None:
    menu = _menu()
    for page, title in menu.items():
        source = ast.parse((PROJECT_ROOT / "pages" / page).read_text())
        headings = [
            n.args[0].value
            for n in ast.walk(source)
            if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "title" and getattr(n.func.value, "id", None) == "st"
        ]
        assert headings == [title], f"pages/{page}: heading {headings} but menu {title!r}"


PAGE_NAMED = re.compile(r"(?:the|on|\() \**([A-Z][A-Za-z0-9&-]*(?: [a-zA-Z0-9&-]+)*?)\** page\b")
"""“the **Screen time** page”, “on the Jobs page”, “(Videos page”: a page named in text people read."""


def test_text_names_pages_as_the_menu_does() -> None:
    titles = set(_menu().values())
    wrong = []
    for path in sorted([*(PROJECT_ROOT / "pages").glob("*.py"), *(PROJECT_ROOT / "dashboard").glob("*.py"), *(PROJECT_ROOT / "core").rglob("*.py")]):
        tree = ast.parse(path.read_text())
        docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(n)}
        for node in ast.walk(tree):  # strings people read: every literal but docstrings
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for named in PAGE_NAMED.findall(node.value):
                    if not set(named.split(" and ")) <= titles:
                        wrong.append(f"{path.relative_to(PROJECT_ROOT)}: {named!r}")
    assert not wrong, f"pages named unlike the menu {sorted(titles)}: {wrong}"
