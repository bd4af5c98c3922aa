"""Build ``core/data/imagenet_hierarchy.json``: the part of WordNet the label categories need.

Sources (the files ImageNet publishes with its class list; copies in ``../shared/data/imagenet``,
see its SOURCES.md): ``wordnet_is_a.txt`` (one ``parent child`` pair of WordNet noun ids per line,
75,850 lines) and ``wordnet_words.txt`` (``id<TAB>names``), and the product's own
``core/data/imagenet_class_index.json`` (the 1000 classes). WordNet 3.0 licence (Princeton, permissive).

Only the ancestors of the 1000 classes are kept (1,860 nodes of the 82,114), so the product ships
about 120 KB instead of 4 MB. The output is deterministic (sorted keys and lists), and
``tests/test_categories.py`` checks that the shipped file equals what this script builds::

    .venv/bin/python -m tools.imagenet_hierarchy [--shared ../shared/data/imagenet]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLASS_INDEX = ROOT / "core" / "data" / "imagenet_class_index.json"
OUTPUT = ROOT / "core" / "data" / "imagenet_hierarchy.json"
SHARED = ROOT.parent / "shared" / "data" / "imagenet"
SOURCE = (
    "WordNet 3.0 is-a pairs and names as published with ImageNet (wordnet_is_a.txt, wordnet_words.txt; "
    "copies from niharikajainn/imagenet-ancestors-descendants @ 6921b884), cut to the ancestors of the 1000 "
    "classes of imagenet_class_index.json by tools/imagenet_hierarchy.py. Licence: WordNet 3.0 (Princeton, permissive)."
)


def class_ids(class_index: Path = CLASS_INDEX) -> list[str]:
    """The 1000 class WordNet ids in output order (``n01440764`` …)."""
    index = json.loads(class_index.read_text(encoding="utf-8"))
    return [index[str(i)][0] for i in range(len(index))]


def build(is_a: Path, words: Path, class_index: Path = CLASS_INDEX) -> dict[str, Any]:
    """``{"source": text, "parents": {id: [parent ids]}, "names": {id: "name, synonym, …"}}`` for
    every class and every ancestor of one; a node without parents (``entity``) maps to ``[]``."""
    parents: dict[str, set[str]] = defaultdict(set)
    for number, line in enumerate(is_a.read_text(encoding="ascii").splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{is_a}:{number}: expected 'parent child', got {line!r}")
        parents[parts[1]].add(parts[0])
    names: dict[str, str] = {}
    for line in words.read_text(encoding="ascii").splitlines():
        node, _, text = line.partition("\t")
        names[node] = text.strip()
    kept: set[str] = set()
    stack = class_ids(class_index)
    while stack:
        node = stack.pop()
        if node not in kept:
            kept.add(node)
            stack.extend(parents.get(node, ()))
    missing = sorted(n for n in kept if n not in names)
    if missing:
        raise ValueError(f"{words} has no name for {', '.join(missing[:5])}")
    return {
        "source": SOURCE,
        "parents": {n: sorted(parents.get(n, ())) for n in sorted(kept)},
        "names": {n: names[n] for n in sorted(kept)},
    }


def dumps(hierarchy: dict[str, Any]) -> str:
    """The file's text: compact JSON, one node per line so a diff stays readable."""
    lines = ["{", f'"source": {json.dumps(hierarchy["source"])},']
    for key in ("parents", "names"):
        items = list(hierarchy[key].items())
        body = ",\n".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in items)
        lines.append(f'"{key}": {{\n{body}\n}}' + ("," if key == "parents" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder holding wordnet_is_a.txt and wordnet_words.txt")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    hierarchy = build(args.shared / "wordnet_is_a.txt", args.shared / "wordnet_words.txt")
    args.out.write_text(dumps(hierarchy), encoding="utf-8")
    print(f"{args.out}: {len(hierarchy['parents'])} nodes")


if __name__ == "__main__":
    main()
