"""Label categories in the dashboard: the "Labels as" switch on every analytics page, the Label
categories page (default mapping, download, upload with row errors, save, delete), and the
regression's far fewer dummies on categories."""

from __future__ import annotations

import json

import pytest

from core.analysis import categories
from core.store import Store
from dashboard.text import plain
from tests.security.test_markdown import injections
from tests.synthetic import populate
from tests.test_analytics_pages import ANALYTICS
from tests.test_pages import button, open_page, texts

pytestmark = pytest.mark.pages

CATEGORY_NAMES = {c.name for c in categories.DEFAULT_CATEGORIES} | {categories.OTHER}


@pytest.mark.parametrize("page", ANALYTICS)
def test_every_analytics_page_reads_labels_as_categories(store: Store, page: str) -> None:
    populate(store, n_videos=4, n_frames=40)
    at = open_page(page, {"by": "category", **({"model": "resnet50"} if page == "pages/regression.py" else {})})
    assert at.segmented_control(key="by").value == "category"
    assert at.segmented_control(key="by").options == ["Label", "Category"]  # no "My categories" before one is uploaded
    label_columns = [frame.value[c] for frame in at.dataframe for c in ("Label",) if c in frame.value]
    for values in label_columns:
        assert set(values.dropna()) <= CATEGORY_NAMES, f"{page}: {set(values.dropna()) - CATEGORY_NAMES}"
    if page == "pages/wordclouds.py":
        assert at.selectbox[-1].label == "Category" and set(at.selectbox[-1].options) <= CATEGORY_NAMES
        assert "Frames with a category" in texts(at)
    if page == "pages/explorer.py":
        assert at.multiselect[-1].label == "Top-1 category (InceptionV3)" and set(at.multiselect[-1].options) <= CATEGORY_NAMES
    if page == "pages/popularity.py":
        assert len(at.get("plotly_chart")) == 4
    if page == "pages/overview.py":
        shown = " ".join(str(v) for v in at.dataframe[0].value["Top labels · ResNet50"])
        assert any(name in shown for name in CATEGORY_NAMES)


def test_the_regression_on_categories_says_it_has_far_fewer_dummies(store: Store) -> None:
    populate(store, n_videos=4, n_frames=40)
    at = open_page("pages/regression.py", {"model": "resnet50"})
    labels_terms = len(at.dataframe[0].value)
    assert "dummies" not in texts(at)
    at.segmented_control(key="by").set_value("category")
    at.run()
    assert not at.exception
    [note] = [i.value for i in at.info if "dummies" in i.value]
    terms = at.dataframe[0].value["Term"]
    assert set(terms) - {"Intercept"} <= CATEGORY_NAMES and len(terms) < labels_terms
    assert f"{len(terms) - 1} category dummies instead of {labels_terms - 1} label dummies" in note
    assert at.query_params["by"] in ("category", ["category"])
    at.segmented_control(key="level").set_value("video")
    at.run()
    assert not at.exception and at.number_input[0].label == "Category shares as regressors"


def _upload(at, name: str, text: str) -> None:
    at.file_uploader[0].set_value((name, text.encode("utf-8"), "text/csv"))
    at.run()
    assert not at.exception, at.exception


def test_the_categories_page_shows_the_defaults_and_offers_them_as_csv(store: Store) -> None:
    at = open_page("pages/categories.py")
    summary = at.dataframe[0].value
    assert list(summary["Category"]) == [c.name for c in categories.DEFAULT_CATEGORIES] + ["other"]
    assert summary.set_index("Category").loc["animal", "Labels"] == 397
    assert summary.set_index("Category").loc["food and drink", "WordNet nodes"] == "food, beverage"
    assert "“crane” (animal or tools and machinery)" in texts(at)
    [download] = [b for b in at.get("download_button") if "default categories" in b.proto.label]
    assert "My categories" in texts(at) and "None yet" in texts(at)
    assert download is not None


def test_a_bad_category_csv_lists_its_rows_and_stores_nothing(store: Store) -> None:
    at = open_page("pages/categories.py")
    _upload(at, "mine.csv", "label,category\nbeagle,pets\nnot_a_dog,pets\npizza,\n")
    [error] = [e.value for e in at.error]
    assert error == plain("“mine.csv” has 2 problems; nothing was saved.") + " Fix these rows and upload the file again."
    assert list(at.dataframe[-1].value["Problem"]) == [
        "Row 3: “not_a_dog” is not an ImageNet label. Use a label as the Label categories page's CSV writes it.",
        "Row 4: the category of “pizza” is empty.",
    ]
    assert not [b for b in at.button if b.label == "Save as my categories"]
    assert store.label_categories.mapping() is None
    _upload(at, "cols.csv", "name,group\nbeagle,pets\n")
    assert plain("has no “label” and no “category” column") in at.error[0].value


def test_my_categories_are_saved_used_on_the_analytics_pages_and_deleted(store: Store) -> None:
    populate(store, n_videos=4, n_frames=40)
    at = open_page("pages/categories.py")
    _upload(
        at,
        "mine.csv",
        "label,category\n" + "".join(f"{name},{'living' if cat in ('animal', 'plant') else 'things'}\n" for name, cat in categories.default_mapping().items()),
    )
    assert "998 labels in 2 categories." in texts(at)
    button(at, "Save as my categories").click()
    at.run()
    assert not at.exception
    assert "Saved." in " ".join(s.value for s in at.success) and not at.file_uploader[0].value
    assert f"From **{plain('mine.csv')}**" in texts(at) and "998 labels in 2 categories" in texts(at)
    assert set(store.label_categories.mapping().values()) == {"living", "things"}

    page = open_page("pages/popularity.py", {"by": "custom"})
    assert page.segmented_control(key="by").options == ["Label", "Category", "My categories"]
    assert page.segmented_control(key="by").value == "custom"
    assert {v for f in page.dataframe if "Label" in f.value for v in f.value["Label"]} == {"living", "things"}

    at = open_page("pages/categories.py")
    button(at, "Delete my categories").click()
    at.run()
    assert store.label_categories.mapping() is None and "None yet" in texts(at)
    page = open_page("pages/popularity.py", {"by": "custom"})
    assert page.segmented_control(key="by").value == "label"  # the link's level is gone: labels again


HOSTILE = ["![c](http://attacker.example/c.png)", "[d](javascript:alert(1))", ":red[red] $x^2$ :material/bolt: *e*"]


def test_hostile_category_names_stay_plain_text_on_every_page(store: Store) -> None:
    populate(store, n_videos=4, n_frames=40)
    names = sorted(categories.default_mapping())
    categories.save_custom(store, "label,category\n" + "".join(f'{n},"{HOSTILE[i % 3]}"\n' for i, n in enumerate(names)), "![f](javascript:x).csv")
    for page in [*ANALYTICS, "pages/categories.py"]:
        at = open_page(page, {"by": "custom", "model": "resnet50"})
        assert injections(at) == [], page
        if page == "pages/wordclouds.py":
            assert set(at.selectbox[-1].options) == set(HOSTILE)  # shown as typed: a selectbox's options are plain text


def test_the_overview_report_reads_labels_as_categories(store: Store) -> None:
    populate(store, n_videos=2, n_frames=20)
    at = open_page("pages/overview.py", {"by": "category"})
    button(at, "Build report").click()
    at.run()
    assert not at.exception
    assert "Labels are read as 20 categories" in at.session_state["overview.report_html"]


@pytest.mark.slow
def test_the_categories_benchmark_runs_small(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import categories as bench

    out = tmp_path / "categories.json"
    monkeypatch.setattr("sys.argv", ["categories", "--videos", "2", "--frames", "30", "--repeat", "1", "--json", str(out)])
    bench.main()
    report = json.loads(out.read_text())
    assert report["rows"] == 120 and set(report["pages"]) == set(bench.PAGES)
    assert all(set(levels) == {"label", "category"} for levels in report["pages"].values())
