"""Label categories: the shipped WordNet hierarchy, the default categories, a user's CSV checked
row by row, the roll-up of a top-1 table, and the stored mapping (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.analysis import categories
from core.analysis.categories import OTHER, at_level, default_mapping, parse_mapping_csv
from core.cli.main import main
from core.errors import CategoryMappingError
from core.inference import imagenet_classes
from core.store import Store
from tests.synthetic import populate
from tests.test_repositories import repo  # noqa: F401  (the contract fixture: embedded, mongomock, MongoDB)
from tools import imagenet_hierarchy

DOG = "n02084071"
"""WordNet's dog, domestic dog: the 118 dog breeds of ImageNet sit under it."""


# ---------------------------------------------------------------- the shipped hierarchy


def test_the_shipped_hierarchy_is_what_the_script_builds_from_wordnet(shared_data: Path) -> None:
    built = imagenet_hierarchy.build(shared_data / "imagenet" / "wordnet_is_a.txt", shared_data / "imagenet" / "wordnet_words.txt")
    assert categories.HIERARCHY_PATH.read_text(encoding="utf-8") == imagenet_hierarchy.dumps(built)
    assert len(built["parents"]) == 1860  # the ancestors of the 1000 classes, of WordNet's 82,114 nouns


def test_every_class_reaches_entity_and_some_have_several_parents() -> None:
    tree = categories.hierarchy()
    assert all("n00001740" in tree.ancestors(wnid) for wnid, _ in imagenet_classes())
    assert sum(len(tree.parents[wnid]) > 1 for wnid, _ in imagenet_classes()) == 38  # a class may sit under two or three nodes
    assert tree.names[DOG] == "dog, domestic dog, Canis familiaris"


def test_category_nodes_are_wordnet_nodes_above_some_class() -> None:
    tree = categories.hierarchy()
    above_classes = set().union(*(tree.ancestors(wnid) for wnid, _ in imagenet_classes()))
    for category in categories.DEFAULT_CATEGORIES:
        for node, name in category.nodes.items():
            assert node in above_classes, f"{category.name}: {node} is above no class"
            assert tree.names[node].split(", ")[0] == name, f"{category.name}: {node} is {tree.names[node]!r}"


# ---------------------------------------------------------------- the default categories


def test_each_class_has_exactly_one_category_or_other() -> None:
    by_class = categories.class_categories()
    names = [c.name for c in categories.DEFAULT_CATEGORIES]
    assert len(by_class) == 1000 and set(by_class.values()) <= {*names, OTHER}
    assert 12 <= len(names) <= 20 and len(set(names)) == len(names) and OTHER not in names
    assert all(list(by_class.values()).count(n) > 0 for n in names), "every category holds some class"
    assert list(by_class.values()).count(OTHER) < 150  # most classes fall in a category


def test_every_dog_breed_is_an_animal() -> None:
    tree = categories.hierarchy()
    by_class = categories.class_categories()
    dogs = [wnid for wnid, _ in imagenet_classes() if DOG in tree.ancestors(wnid)]
    assert len(dogs) == 118
    assert {by_class[w] for w in dogs} == {"animal"}


KNOWN = [
    ("beagle", "animal"), ("German_shepherd", "animal"), ("goldfish", "animal"), ("tarantula", "animal"),
    ("pizza", "food and drink"), ("cheeseburger", "food and drink"), ("espresso", "food and drink"), ("red_wine", "food and drink"),
    ("banana", "food and drink"), ("broccoli", "food and drink"), ("daisy", "plant"), ("agaric", "plant"),
    ("sports_car", "vehicle"), ("school_bus", "vehicle"), ("airliner", "vehicle"), ("canoe", "vehicle"), ("car_wheel", "vehicle"), ("seat_belt", "vehicle"),
    ("television", "electronics and screens"), ("laptop", "electronics and screens"), ("cellular_telephone", "electronics and screens"),
    ("monitor", "electronics and screens"), ("home_theater", "electronics and screens"),
    ("grand_piano", "musical instrument"), ("electric_guitar", "musical instrument"), ("drumstick", "musical instrument"),
    ("jersey", "clothing and accessories"), ("running_shoe", "clothing and accessories"), ("sunglasses", "clothing and accessories"),
    ("necklace", "clothing and accessories"), ("maillot", "clothing and accessories"),
    ("soccer_ball", "sports equipment"), ("tennis_ball", "sports equipment"), ("racket", "sports equipment"), ("dumbbell", "sports equipment"),
    ("dining_table", "furniture and furnishings"), ("studio_couch", "furniture and furnishings"), ("table_lamp", "furniture and furnishings"),
    ("church", "building and structure"), ("suspension_bridge", "building and structure"), ("tobacco_shop", "building and structure"),
    ("seashore", "nature and landscape"), ("volcano", "nature and landscape"), ("valley", "nature and landscape"),
    ("refrigerator", "home appliance"), ("microwave", "home appliance"), ("coffee_mug", "kitchen and tableware"), ("frying_pan", "kitchen and tableware"),
    ("lipstick", "health and beauty"), ("syringe", "health and beauty"), ("rifle", "weapons and armor"), ("shield", "weapons and armor"),
    ("hammer", "tools and machinery"), ("teddy", "toys and games"), ("comic_book", "books and stationery"), ("scuba_diver", "people"),
    ("crane", OTHER), ("analog_clock", OTHER), ("bubble", OTHER),
]  # fmt: skip


@pytest.mark.parametrize(("label", "category"), [pytest.param(label, category, id=label) for label, category in KNOWN])
def test_known_labels_land_in_their_category(label: str, category: str) -> None:
    assert default_mapping()[label] == category


def test_a_name_shared_by_a_bird_and_a_machine_is_other() -> None:
    assert categories.ambiguous() == {"crane": ["animal", "tools and machinery"]}
    assert len(default_mapping()) == 998  # 1000 classes, two names used twice


def test_the_summary_lists_categories_in_order_with_other_last() -> None:
    summary = categories.category_summary(default_mapping())
    assert list(summary["category"]) == [c.name for c in categories.DEFAULT_CATEGORIES] + [OTHER]
    assert summary["label_count"].sum() == 998
    assert summary.set_index("category").loc["people", "examples"] == "ballplayer, groom, scuba diver"


# ---------------------------------------------------------------- a user's CSV


def test_the_default_csv_reads_back_as_the_default_mapping() -> None:
    assert parse_mapping_csv(categories.mapping_csv(default_mapping())) == default_mapping()


def test_labels_are_accepted_as_stored_or_as_words_in_any_case_and_extra_columns_are_ignored() -> None:
    text = "Notes,Label,Category\nx,tobacco_shop,Shops\n,Tobacco Shop,Shops\n,german shepherd , Pets \n\n,beagle,Pets\n"
    assert parse_mapping_csv(text.encode("utf-8-sig")) == {"tobacco_shop": "Shops", "German_shepherd": "Pets", "beagle": "Pets"}


@pytest.mark.parametrize("sep", [";", "\t"], ids=["semicolons", "tabs"])
def test_a_spreadsheet_csv_with_semicolons_or_tabs_is_read_like_one_with_commas(sep: str) -> None:
    """Spreadsheets in countries whose decimal mark is a comma write "CSV" with semicolons."""
    text = f'"Label"{sep}Category{sep}Notes\ntobacco_shop{sep}Shops, retail{sep}x\nbeagle{sep}Pets{sep}\n'
    assert parse_mapping_csv(text.encode("utf-8-sig")) == {"tobacco_shop": "Shops, retail", "beagle": "Pets"}
    assert parse_mapping_csv(f"{sep}{sep}\n{text}") == {"tobacco_shop": "Shops, retail", "beagle": "Pets"}  # an empty first row, as spreadsheets leave
    assert _problems(f"label{sep}category\nunicorn{sep}Pets\n").problems == [
        "Row 2: “unicorn” is not an ImageNet label. Use a label as the Label categories page's CSV writes it."
    ]


def test_a_category_our_csv_protected_from_spreadsheets_reads_back_as_typed() -> None:
    mapping = {"beagle": "=dogs", "pizza": "+food"}
    assert parse_mapping_csv(categories.mapping_csv(mapping)) == mapping


def test_a_label_whose_capitals_matter_must_be_written_exactly() -> None:
    assert parse_mapping_csv("label,category\nCardigan,dogs\ncardigan,knitwear\n") == {"Cardigan": "dogs", "cardigan": "knitwear"}
    assert _problems("label,category\nCARDIGAN,dogs\n").problems == ["Row 2: “CARDIGAN” could be “Cardigan” or “cardigan”; write it with the same capitals."]


def _problems(text: str | bytes) -> CategoryMappingError:
    with pytest.raises(CategoryMappingError) as caught:
        parse_mapping_csv(text, "“cats.csv”")
    return caught.value


def test_every_bad_row_is_named_by_its_row_number() -> None:
    err = _problems("label,category\nbeagle,pets\ndogg,pets\npizza,\n\ntobaco shop,pets\nbeagle,animals\nbeagle,pets\n,food\n")
    assert err.problems == [
        "Row 3: “dogg” is not an ImageNet label. Use a label as the Label categories page's CSV writes it.",
        "Row 4: the category of “pizza” is empty.",
        "Row 6: “tobaco shop” is not an ImageNet label. Did you mean “tobacco shop”?",
        "Row 7: “beagle” is already on row 2 with category “pets”; here it is “animals”. Keep one.",
        "Row 9: the label is empty.",
    ]
    assert str(err).startswith("“cats.csv” has 5 problems; nothing was saved. Row 3:")


def test_many_bad_rows_are_counted_after_the_first_twenty() -> None:
    err = _problems("label,category\n" + "".join(f"nolabel{i},x\n" for i in range(30)))
    assert len(err.problems) == 30 and str(err).endswith("… and 10 more.")
    assert "Row 21:" in str(err) and "Row 22:" not in str(err)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param("label,group\nbeagle,pets\n", "has no “category” column (its first row names: “label”, “group”)", id="missing-column"),
        pytest.param("name,kind\n", "has no “label” and no “category” column", id="missing-both"),
        pytest.param("", "is empty", id="empty"),
        pytest.param("label,category\n\n", "has no rows under its header", id="header-only"),
        pytest.param(b"label,category\nbeagle,caf\xe9\n", "is not UTF-8 text", id="not-utf8"),
        pytest.param(b"label,category\n" + b"beagle,pets\n" * 90_000, "a category file may be at most 1 MB", id="too-large"),
        pytest.param("label,category\n" + "beagle,pets\n" * 5001, "more than 5,000 rows", id="too-many-rows"),
        pytest.param("label,category\nbeagle," + "x" * 61 + "\n", "is 61 characters long", id="long-category"),
        pytest.param("label,category\nbeagle,<b>dogs</b>\n", "holds < or > or an invisible character", id="markup-category"),
        pytest.param("label,category\nbeagle,dogs\x07\n", "holds < or > or an invisible character", id="control-character"),
        pytest.param("label,category\nbeagle,do\x00gs\n", "holds < or > or an invisible character", id="nul-byte"),
        pytest.param('label,category\nbeagle,"' + "x" * 200_000 + '"\n', "is not a readable CSV file (row 2: field larger than field limit", id="huge-field"),
        pytest.param(
            "label,category\n" + "".join(f"{n},c{i}\n" for i, n in enumerate(list(default_mapping())[:201])),
            "201 categories; at most 200",
            id="too-many-categories",
        ),
    ],
)
def test_unusable_files_get_one_clear_message(data: str | bytes, says: str) -> None:
    assert says in str(_problems(data))


# ---------------------------------------------------------------- analyses at a level


def test_at_level_replaces_labels_by_categories_and_keeps_the_table_shape() -> None:
    top1 = pd.DataFrame(
        {
            "video_id": "v",
            "run_id": "r",
            "model": "resnet50",
            "frame": [0, 1, 2, 3],
            "time_s": [0.0, 1.0, 2.0, 3.0],
            "label": ["beagle", "pizza", "crane", "not_a_label"],
            "score": [0.9, 0.8, 0.7, 0.6],
        }
    )
    out = at_level(top1, default_mapping())
    assert list(out["label"]) == ["animal", "food and drink", OTHER, OTHER]
    assert list(out.columns) == list(top1.columns) and out.drop(columns="label").equals(top1.drop(columns="label"))
    assert list(top1["label"])[0] == "beagle"  # the input is not changed
    assert at_level(top1, None) is top1
    assert list(at_level(top1, {"beagle": "pets"})["label"]) == ["pets", OTHER, OTHER, OTHER]


# ---------------------------------------------------------------- the stored mapping


def test_the_mapping_is_stored_replaced_and_deleted_whole(repo: Store) -> None:  # noqa: F811
    assert repo.label_categories.mapping() is None and not repo.label_categories.delete()
    categories.save_custom(repo, "label,category\nbeagle,pets\nTobacco shop,shops\n", "mine.csv")
    assert repo.label_categories.mapping() == {"beagle": "pets", "tobacco_shop": "shops"}
    info = repo.label_categories.info()
    assert (info["file_name"], info["labels"], info["categories"]) == ("mine.csv", 2, 2) and "pairs" not in info
    categories.save_custom(repo, "label,category\npizza,food\n", "second.csv")
    assert repo.label_categories.mapping() == {"pizza": "food"}
    assert repo.label_categories.delete() and repo.label_categories.mapping() is None


def test_a_file_with_problems_keeps_the_stored_mapping(repo: Store) -> None:  # noqa: F811
    categories.save_custom(repo, "label,category\nbeagle,pets\n", "good.csv")
    with pytest.raises(CategoryMappingError, match="“bad.csv” has 1 problem; nothing was saved. Row 3"):
        categories.save_custom(repo, "label,category\npizza,food\nnot_a_label,food\n", "bad.csv")
    assert repo.label_categories.mapping() == {"beagle": "pets"}
    assert repo.label_categories.info()["file_name"] == "good.csv"


def test_each_level_has_its_mapping(store: Store) -> None:
    assert categories.level_mapping(store, "label") is None
    assert categories.level_mapping(store, "category") == default_mapping()
    with pytest.raises(CategoryMappingError, match="You have not uploaded your own categories yet"):
        categories.level_mapping(store, "custom")
    categories.save_custom(store, "label,category\nbeagle,pets\n", "mine.csv")
    assert categories.level_mapping(store, "custom") == {"beagle": "pets"}
    with pytest.raises(CategoryMappingError, match="Unknown level “breed”"):
        categories.level_mapping(store, "breed")


# ---------------------------------------------------------------- the command line


def test_the_command_line_shows_sets_and_clears_categories(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["categories", "show"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].split()[:2] == ["people", "3"] and shown[-1] == "category" and len(shown) == 21
    assert main(["categories", "show", "--out", str(tmp_path / "cats.csv")]) == 0
    assert parse_mapping_csv((tmp_path / "cats.csv").read_bytes()) == default_mapping()

    (tmp_path / "mine.csv").write_text("label,category\nbeagle,pets\npizza,food\n", encoding="utf-8")
    assert main(["categories", "set", str(tmp_path / "mine.csv")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "custom"
    assert store.label_categories.mapping() == {"beagle": "pets", "pizza": "food"}
    assert main(["categories", "show", "--custom"]) == 0
    assert "pets" in capsys.readouterr().out

    (tmp_path / "bad.csv").write_text("label,category\nbeagle,dogs\nnot_a_label,food\n", encoding="utf-8")
    assert main(["categories", "set", str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: “bad.csv” has 1 problem; nothing was saved. Row 3: “not_a_label”")
    assert store.label_categories.mapping() == {"beagle": "pets", "pizza": "food"}
    assert main(["categories", "set", str(tmp_path / "missing.csv")]) == 2
    assert "Cannot read" in capsys.readouterr().err

    assert main(["categories", "clear"]) == 0 and store.label_categories.mapping() is None
    assert main(["categories", "show", "--custom"]) == 2
    assert "You have not uploaded your own categories yet" in capsys.readouterr().err


def test_the_report_reads_labels_as_categories(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    populate(store, n_videos=3, n_frames=20)
    assert main(["report", "--out", str(tmp_path / "by_category"), "--level", "category"]) == 0
    features = pd.read_csv(tmp_path / "by_category" / "top_features.csv")
    assert set(features["label"]) <= {c.name for c in categories.DEFAULT_CATEGORIES} | {OTHER}
    assert "Labels are read as 20 categories" in (tmp_path / "by_category" / "report.html").read_text(encoding="utf-8")
    assert main(["report", "--out", str(tmp_path / "mine"), "--level", "custom"]) == 2
    assert "You have not uploaded your own categories yet" in capsys.readouterr().err
