"""Issue 14, item 5: no CSV the product writes lets a spreadsheet run a formula from user or
uploader text (OWASP CSV injection); the text stays readable."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pandas as pd
import pytest

from core.analysis.results import export_predictions
from core.config import PROJECT_ROOT
from core.exports import safe_cell, to_csv
from tests.synthetic import add_run, add_video

ATTACKS = ['=HYPERLINK("http://attacker/x","click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_cells_are_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Tom", "golden retriever", "a=b", "", 5, -3, -0.25, None])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_a_table_keeps_its_numbers_and_neutralises_its_text_and_headers() -> None:
    table = pd.DataFrame({"class": ["=1+1", "Tom"], "seconds": [-1.5, 2.0], "=evil (s)": [1, 2]})
    rows = list(csv.reader(to_csv(table).splitlines()))
    assert rows == [["class", "seconds", "'=evil (s)"], ["'=1+1", "-1.5", "1"], ["Tom", "2.0", "2"]]
    assert table.loc[0, "class"] == "=1+1"  # the caller's table is not changed


def test_an_exported_label_from_a_hostile_model_is_text(store, tmp_path: Path) -> None:
    video_id = add_video(store, "synthetic:hostile", ATTACKS[0], seconds=2.0)
    run_id = add_run(store, video_id, 2, models=("resnet50",), top_k=1)
    store.db["frames"].update_one({"_id": f"{run_id}:0"}, {"$set": {"preds.resnet50.labels": [ATTACKS[1]]}})
    export_predictions(store, tmp_path, [video_id])
    with open(tmp_path / "predictions.csv", newline="") as fh:
        labels = [row["label"] for row in csv.DictReader(fh)]
    assert labels[0] == "'" + ATTACKS[1] and not labels[1].startswith(("=", "+", "-", "@"))


def test_every_csv_the_product_writes_goes_through_core_exports() -> None:
    writers = []
    for path in [
        *PROJECT_ROOT.joinpath("core").rglob("*.py"),
        *PROJECT_ROOT.joinpath("dashboard").rglob("*.py"),
        *PROJECT_ROOT.joinpath("pages").rglob("*.py"),
    ]:
        if path.name == "exports.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"to_csv", "writer", "DictWriter"}:
                writers.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert writers == []
