"""The embedded store against the pymongo semantics Reelsight relies on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from core.store.documents import insert_ignoring_duplicates
from core.store.embedded import EmbeddedDatabase


@pytest.fixture
def coll(tmp_path: Path):
    db = EmbeddedDatabase(tmp_path / "db")
    c = db["things"]
    c.insert_many(
        [
            {"_id": "a", "n": 1, "tag": "x", "nested": {"v": 10}},
            {"_id": "b", "n": 2, "tag": "y", "nested": {"v": 20}, "flag": True},
            {"_id": "c", "n": 3, "tag": "x", "opt": None},
            {"_id": "d", "n": 4},
        ]
    )
    return c


def ids(cursor) -> list[str]:
    return [d["_id"] for d in cursor]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        pytest.param({}, ["a", "b", "c", "d"], id="all"),
        pytest.param({"tag": "x"}, ["a", "c"], id="eq"),
        pytest.param({"n": {"$gt": 1, "$lte": 3}}, ["b", "c"], id="range"),
        pytest.param({"tag": {"$in": ["y", None]}}, ["b", "d"], id="in-with-null"),
        pytest.param({"tag": {"$nin": ["x"]}}, ["b", "d"], id="nin-includes-missing"),
        pytest.param({"tag": {"$ne": "x"}}, ["b", "d"], id="ne-includes-missing"),
        pytest.param({"opt": None}, ["a", "b", "c", "d"], id="none-matches-missing-and-null"),
        pytest.param({"opt": {"$exists": True}}, ["c"], id="exists-even-if-null"),
        pytest.param({"nested.v": {"$gte": 20}}, ["b"], id="dotted"),
        pytest.param({"flag": True}, ["b"], id="bool"),
        pytest.param({"$or": [{"n": 1}, {"tag": "y"}]}, ["a", "b"], id="or"),
        pytest.param({"_id": {"$in": ["d", "a", "zz"]}}, ["a", "d"], id="id-in"),
    ],
)
def test_filters(coll, flt, expected) -> None:
    assert sorted(ids(coll.find(flt))) == expected
    assert coll.count_documents(flt) == len(expected)


def test_sort_limit_skip_projection(coll) -> None:
    assert ids(coll.find({}, sort=[("n", -1)], limit=2)) == ["d", "c"]
    assert ids(coll.find({}, sort=[("n", 1)], skip=1, limit=2)) == ["b", "c"]
    assert coll.find_one({"_id": "a"}, {"nested.v": 1}) == {"_id": "a", "nested": {"v": 10}}
    assert coll.find_one({"_id": "a"}, {"n": 1, "_id": 0}) == {"n": 1}
    assert coll.find_one({"_id": "a"}, {"tag": 0, "nested": 0}) == {"_id": "a", "n": 1}
    assert coll.find_one({"_id": "a"}, {"tag": 0, "nested.v": 0}) == {"_id": "a", "n": 1, "nested": {}}
    assert coll.find_one({"_id": "a"})["nested"] == {"v": 10}  # the stored document is untouched


def test_update_operators_and_upsert(coll) -> None:
    coll.update_one({"_id": "a"}, {"$set": {"nested.w": 5, "s": "t"}, "$inc": {"n": 10}, "$unset": {"tag": ""}, "$push": {"log": 1}})
    assert coll.find_one({"_id": "a"}) == {"_id": "a", "n": 11, "nested": {"v": 10, "w": 5}, "s": "t", "log": [1]}
    res = coll.update_many({"tag": "x"}, {"$inc": {"n": 1}})
    assert res.matched_count == 1  # only "c" still has tag x
    res = coll.update_one({"_id": "new"}, {"$set": {"n": 9}, "$setOnInsert": {"created": 1}}, upsert=True)
    assert res.upserted_id == "new"
    assert coll.find_one({"_id": "new"}) == {"_id": "new", "n": 9, "created": 1}


def test_find_one_and_update_returns_before_or_after(coll) -> None:
    before = coll.find_one_and_update({"tag": "x"}, {"$set": {"tag": "z"}}, sort=[("n", -1)])
    assert before["_id"] == "c" and before["tag"] == "x"
    after = coll.find_one_and_update({"tag": "x"}, {"$set": {"tag": "z"}}, return_document=ReturnDocument.AFTER)
    assert after["_id"] == "a" and after["tag"] == "z"
    assert coll.find_one_and_update({"tag": "x"}, {"$set": {"tag": "z"}}) is None


def test_datetimes_and_bytes_round_trip_and_compare(coll) -> None:
    t0 = dt.datetime(2026, 1, 1, 12, 0, 0, 123000, tzinfo=dt.UTC)
    coll.insert_one({"_id": "t", "when": t0, "blob": b"\x00\xffjpeg"})
    doc = coll.find_one({"_id": "t"})
    assert doc["when"] == t0 and doc["blob"] == b"\x00\xffjpeg"
    assert ids(coll.find({"when": {"$lt": t0 + dt.timedelta(seconds=1)}})) == ["t"]
    assert ids(coll.find({"when": {"$lt": t0}})) == []


def test_unique_indexes_are_enforced(coll) -> None:
    coll.create_index([("tag", 1), ("n", 1)], unique=True)
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"tag": "x", "n": 1})
    with pytest.raises(DuplicateKeyError):
        coll.insert_one({"_id": "a"})
    with pytest.raises(DuplicateKeyError):
        coll.update_one({"_id": "c"}, {"$set": {"n": 1}})  # would collide with a
    assert coll.find_one({"_id": "c"})["n"] == 3  # the failed update changed nothing


def test_insert_many_unordered_keeps_the_new_and_reports_duplicates(coll) -> None:
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": "a"}, {"_id": "e"}, {"_id": "b"}, {"_id": "f"}], ordered=False)
    assert [e["index"] for e in info.value.details["writeErrors"]] == [0, 2]
    assert coll.count_documents({"_id": {"$in": ["e", "f"]}}) == 2
    assert insert_ignoring_duplicates(coll, [{"_id": "f"}, {"_id": "g"}]) == 1


def test_unsupported_operator_is_refused(coll) -> None:
    with pytest.raises(NotImplementedError):
        list(coll.find({"n": {"$regex": "1"}}))


def test_data_persists_in_the_folder(tmp_path: Path) -> None:
    EmbeddedDatabase(tmp_path / "db")["c"].insert_one({"_id": "k", "v": 1})
    assert EmbeddedDatabase(tmp_path / "db")["c"].find_one({"_id": "k"}) == {"_id": "k", "v": 1}
    assert (tmp_path / "db" / "reelsight.sqlite3").is_file()
