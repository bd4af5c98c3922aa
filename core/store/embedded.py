"""Embedded document store: the subset of pymongo's Collection API that Reelsight uses, on SQLite.

Why not montydb: its ``find_one_and_update`` is not atomic across processes and it does not enforce
unique indexes. Here every write runs inside ``BEGIN IMMEDIATE``, which takes SQLite's write lock,
so a read-modify-write such as a job claim is atomic across processes on one machine. Unique
indexes become SQLite unique expression indexes, so they are enforced by SQLite itself.

Documents are JSON; ``datetime`` is stored as ``{"$date": epoch_ms}`` and ``bytes`` as
``{"$binary": base64}``. Filters are translated to SQL over ``json_extract``; supported operators:
equality, ``$eq $ne $gt $gte $lt $lte $in $nin $exists``, ``$and $or``. Updates: ``$set $unset
$inc $push $setOnInsert``. Anything else raises ``NotImplementedError`` rather than guessing.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from core.store.documents import new_id

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_DUP_CODE = 11000

Filter = Mapping[str, Any]
SortSpec = Sequence[tuple[str, int]] | None


# ---------------------------------------------------------------- encoding


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return {"$date": value.timestamp() * 1000.0}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$binary": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return value.item()
    return value


def _decode_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$date" in obj:
            return dt.datetime.fromtimestamp(obj["$date"] / 1000.0, tz=dt.UTC)
        if "$binary" in obj:
            return base64.b64decode(obj["$binary"])
    return obj


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(_encode(doc), separators=(",", ":"), allow_nan=False)


def _parse(id_: str, text: str) -> dict[str, Any]:
    """A stored row → its document, ``_id`` included."""
    doc = _loads(text)
    doc["_id"] = id_
    return doc


def _loads(text: str) -> dict[str, Any]:
    return json.loads(text, object_hook=_decode_hook)


# ---------------------------------------------------------------- filters → SQL


def _path_expr(key: str, is_date: bool = False) -> str:
    if key == "_id":
        return "id"
    if not _KEY.match(key):
        raise NotImplementedError(f"field name {key!r} is not supported by the embedded store")
    path = "$." + key + ('."$date"' if is_date else "")
    return f"json_extract(doc, '{path}')"


def _param(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _encode(value)["$date"]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, int, float)):
        return value
    if hasattr(value, "item"):
        return value.item()
    raise NotImplementedError(f"cannot compare against {type(value).__name__} in the embedded store")


_CMP = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


def _field_sql(key: str, cond: Any, params: list[Any]) -> str:
    ops = cond if isinstance(cond, Mapping) and cond and all(str(k).startswith("$") for k in cond) else {"$eq": cond}
    parts: list[str] = []
    for op, value in ops.items():
        is_date = isinstance(value, dt.datetime)
        expr = _path_expr(key, is_date)
        if op == "$eq":
            if value is None:
                parts.append(f"{expr} IS NULL")
            else:
                parts.append(f"{expr} = ?")
                params.append(_param(value))
        elif op == "$ne":
            if value is None:
                parts.append(f"{expr} IS NOT NULL")
            else:
                parts.append(f"({expr} IS NULL OR {expr} != ?)")
                params.append(_param(value))
        elif op in _CMP:
            parts.append(f"{expr} {_CMP[op]} ?")
            params.append(_param(value))
        elif op in ("$in", "$nin"):
            values = list(value)
            has_null = any(v is None for v in values)
            values = [v for v in values if v is not None]
            if values and isinstance(values[0], dt.datetime):
                expr = _path_expr(key, True)
            marks = ",".join("?" * len(values))
            params.extend(_param(v) for v in values)
            if op == "$in":
                inner = [f"{expr} IN ({marks})"] if values else []
                if has_null:
                    inner.append(f"{expr} IS NULL")
                parts.append("(" + " OR ".join(inner) + ")" if inner else "0")
            else:
                inner = [f"{expr} NOT IN ({marks})"] if values else ["1"]
                null_part = f"{expr} IS NOT NULL" if has_null else f"{expr} IS NULL"
                parts.append(f"(({' AND '.join(inner)}) {'AND' if has_null else 'OR'} {null_part})")
        elif op == "$exists":
            if key == "_id":
                parts.append("1" if value else "0")
            else:
                type_expr = f"json_type(doc, '$.{key}')"
                parts.append(f"{type_expr} IS {'NOT ' if value else ''}NULL")
        else:
            raise NotImplementedError(f"query operator {op} is not supported by the embedded store")
    return " AND ".join(parts) or "1"


def _where(flt: Filter | None, params: list[Any]) -> str:
    if not flt:
        return "1"
    clauses: list[str] = []
    for key, cond in flt.items():
        if key in ("$and", "$or"):
            subs = [f"({_where(sub, params)})" for sub in cond]
            joiner = " AND " if key == "$and" else " OR "
            clauses.append("(" + joiner.join(subs) + ")" if subs else ("1" if key == "$and" else "0"))
        elif key.startswith("$"):
            raise NotImplementedError(f"query operator {key} is not supported by the embedded store")
        else:
            clauses.append(_field_sql(key, cond, params))
    return " AND ".join(clauses)


def _order(sort: SortSpec) -> str:
    if not sort:
        return ""
    return " ORDER BY " + ", ".join(f"{_path_expr(k)} {'DESC' if d < 0 else 'ASC'}" for k, d in sort)


# ---------------------------------------------------------------- updates


def _walk(doc: dict[str, Any], key: str, create: bool) -> tuple[dict[str, Any] | None, str]:
    parts = key.split(".")
    node: Any = doc
    for part in parts[:-1]:
        if not isinstance(node, dict):
            return None, parts[-1]
        if part not in node or not isinstance(node[part], dict):
            if not create:
                return None, parts[-1]
            node[part] = {}
        node = node[part]
    return (node if isinstance(node, dict) else None), parts[-1]


def _apply_update(doc: dict[str, Any], update: Mapping[str, Any], inserting: bool) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for op, fields in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for key, value in fields.items():
            if key == "_id":
                continue
            parent, leaf = _walk(doc, key, create=op != "$unset")
            if op in ("$set", "$setOnInsert"):
                parent[leaf] = copy.deepcopy(value)  # type: ignore[index]
            elif op == "$unset":
                if parent is not None:
                    parent.pop(leaf, None)
            elif op == "$inc":
                parent[leaf] = parent.get(leaf, 0) + value  # type: ignore[union-attr,index]
            elif op == "$push":
                parent.setdefault(leaf, []).append(copy.deepcopy(value))  # type: ignore[union-attr]
            else:
                raise NotImplementedError(f"update operator {op} is not supported by the embedded store")
    return doc


def _project(doc: dict[str, Any], projection: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
    if not projection:
        return doc
    if not isinstance(projection, Mapping):
        projection = {k: 1 for k in projection}
    include = {k for k, v in projection.items() if v and k != "_id"}
    exclude = {k for k, v in projection.items() if not v}
    if include:
        out: dict[str, Any] = {}
        for key in include:
            parts = key.split(".")
            node: Any = doc
            for part in parts:
                if not isinstance(node, dict) or part not in node:
                    break
                node = node[part]
            else:
                target = out
                for part in parts[:-1]:
                    target = target.setdefault(part, {})
                target[parts[-1]] = node
        if "_id" not in exclude:
            out["_id"] = doc["_id"]
        return out
    out = {k: v for k, v in doc.items() if k not in exclude}
    for key in (k for k in exclude if "." in k):  # copy the path down to the excluded field, then drop it
        *parents, last = key.split(".")
        node = out
        for part in parents:
            if not isinstance(node.get(part), dict):
                break
            node[part] = dict(node[part])
            node = node[part]
        else:
            node.pop(last, None)
    return out


# ---------------------------------------------------------------- results


class InsertOneResult:
    def __init__(self, inserted_id: Any) -> None:
        self.inserted_id = inserted_id


class InsertManyResult:
    def __init__(self, inserted_ids: list[Any]) -> None:
        self.inserted_ids = inserted_ids


class UpdateResult:
    def __init__(self, matched: int, modified: int, upserted_id: Any = None) -> None:
        self.matched_count = matched
        self.modified_count = modified
        self.upserted_id = upserted_id


class DeleteResult:
    def __init__(self, deleted: int) -> None:
        self.deleted_count = deleted


# ---------------------------------------------------------------- database and collections


class EmbeddedDatabase:
    """A folder holding one SQLite file; one connection per thread and process."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "reelsight.sqlite3"
        self._local = threading.local()
        self._known: set[str] = set()
        self.name = str(self.folder)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def __getitem__(self, name: str) -> EmbeddedCollection:
        if not _NAME.match(name):
            raise ValueError(f"invalid collection name {name!r}")
        if name not in self._known:
            self.connection().execute(f'CREATE TABLE IF NOT EXISTS "c_{name}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)')
            self._known.add(name)
        return EmbeddedCollection(self, name)

    def list_collection_names(self) -> list[str]:
        rows = self.connection().execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'c\\_%' ESCAPE '\\'")
        return [r[0][2:] for r in rows]

    def command(self, name: str) -> dict[str, Any]:
        """Only ``ping``, so that callers can check both backends the same way."""
        if name != "ping":
            raise NotImplementedError(name)
        self.connection().execute("SELECT 1")
        return {"ok": 1.0}

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class _Write:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK``): one atomic write across processes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


class EmbeddedCollection:
    """A pymongo-like collection backed by one SQLite table ``c_<name>(id, doc)``."""

    def __init__(self, db: EmbeddedDatabase, name: str) -> None:
        self.database = db
        self.name = name
        self._table = f'"c_{name}"'

    def _conn(self) -> sqlite3.Connection:
        return self.database.connection()

    # -- indexes
    def create_index(self, keys: str | Sequence[tuple[str, int]], unique: bool = False, name: str | None = None) -> str:
        if isinstance(keys, str):
            keys = [(keys, 1)]
        exprs = ", ".join(_path_expr(k) for k, _ in keys)
        index_name = name or f"{self.name}_" + "_".join(k.replace(".", "_") for k, _ in keys)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        try:
            self._conn().execute(f'CREATE {kind} IF NOT EXISTS "{index_name}" ON {self._table} ({exprs})')
        except sqlite3.IntegrityError as err:
            raise DuplicateKeyError(f"cannot build unique index {index_name}: {err}", _DUP_CODE) from err
        return index_name

    # -- reads
    def _select(self, flt: Filter | None, sort: SortSpec = None, limit: int = 0, skip: int = 0, conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
        return [_parse(id_, text) for id_, text in self._rows(flt, sort, limit, skip, conn)]

    def _rows(self, flt: Filter | None, sort: SortSpec = None, limit: int = 0, skip: int = 0, conn: sqlite3.Connection | None = None) -> list[tuple[str, str]]:
        """The matching rows as ``(id, JSON text)``, read now (a snapshot, as ``find`` promises)."""
        params: list[Any] = []
        sql = f"SELECT id, doc FROM {self._table} WHERE {_where(flt, params)}{_order(sort)}"
        if limit or skip:
            sql += f" LIMIT {int(limit) if limit else -1} OFFSET {int(skip)}"
        return (conn or self._conn()).execute(sql, params).fetchall()

    def find(self, filter: Filter | None = None, projection: Any = None, skip: int = 0, limit: int = 0, sort: SortSpec = None) -> Iterator[dict[str, Any]]:
        """Matching documents. The query runs now; each document is parsed and projected only as
        the iterator reaches it, so reading a run's frames holds their JSON text, not their dicts."""
        return (_project(_parse(id_, text), projection) for id_, text in self._rows(filter, sort, limit, skip))

    def find_one(self, filter: Filter | None = None, projection: Any = None, sort: SortSpec = None) -> dict[str, Any] | None:
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        docs = self._select(filter, sort, limit=1)
        return _project(docs[0], projection) if docs else None

    def count_documents(self, filter: Filter | None = None) -> int:
        params: list[Any] = []
        row = self._conn().execute(f"SELECT COUNT(*) FROM {self._table} WHERE {_where(filter, params)}", params).fetchone()
        return int(row[0])

    def distinct(self, key: str, filter: Filter | None = None) -> list[Any]:
        params: list[Any] = []
        rows = self._conn().execute(f"SELECT DISTINCT {_path_expr(key)} FROM {self._table} WHERE {_where(filter, params)}", params)
        return [r[0] for r in rows if r[0] is not None]

    # -- writes
    def _insert_row(self, conn: sqlite3.Connection, doc: dict[str, Any]) -> Any:
        doc.setdefault("_id", new_id())
        body = {k: v for k, v in doc.items() if k != "_id"}
        try:
            conn.execute(f"INSERT INTO {self._table} (id, doc) VALUES (?, ?)", (str(doc["_id"]), _dumps(body)))
        except sqlite3.IntegrityError as err:
            raise DuplicateKeyError(f"E11000 duplicate key in {self.name}: {err}", _DUP_CODE) from err
        return doc["_id"]

    def insert_one(self, document: dict[str, Any]) -> InsertOneResult:
        with _Write(self._conn()) as conn:
            return InsertOneResult(self._insert_row(conn, document))

    def insert_many(self, documents: Iterable[dict[str, Any]], ordered: bool = True) -> InsertManyResult:
        ids: list[Any] = []
        errors: list[dict[str, Any]] = []
        with _Write(self._conn()) as conn:
            for index, doc in enumerate(documents):
                try:
                    ids.append(self._insert_row(conn, doc))
                except DuplicateKeyError as err:
                    errors.append({"index": index, "code": _DUP_CODE, "errmsg": str(err)})
                    if ordered:
                        break
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(ids)})
        return InsertManyResult(ids)

    def _write_doc(self, conn: sqlite3.Connection, doc: dict[str, Any]) -> None:
        body = {k: v for k, v in doc.items() if k != "_id"}
        try:
            conn.execute(f"UPDATE {self._table} SET doc = ? WHERE id = ?", (_dumps(body), str(doc["_id"])))
        except sqlite3.IntegrityError as err:
            raise DuplicateKeyError(f"E11000 duplicate key in {self.name}: {err}", _DUP_CODE) from err

    def _upsert_doc(self, flt: Filter, update: Mapping[str, Any]) -> dict[str, Any]:
        seed = {k: v for k, v in flt.items() if not k.startswith("$") and not isinstance(v, Mapping)}
        doc = _apply_update(seed, update, inserting=True)
        if "_id" in seed:
            doc["_id"] = seed["_id"]
        return doc

    def update_one(self, filter: Filter, update: Mapping[str, Any], upsert: bool = False) -> UpdateResult:
        return self._update(filter, update, upsert, many=False)

    def update_many(self, filter: Filter, update: Mapping[str, Any], upsert: bool = False) -> UpdateResult:
        return self._update(filter, update, upsert, many=True)

    def _update(self, flt: Filter, update: Mapping[str, Any], upsert: bool, many: bool) -> UpdateResult:
        with _Write(self._conn()) as conn:
            docs = self._select(flt, limit=0 if many else 1, conn=conn)
            for doc in docs:
                self._write_doc(conn, _apply_update(doc, update, inserting=False))
            if not docs and upsert:
                new = self._upsert_doc(flt, update)
                return UpdateResult(0, 0, self._insert_row(conn, new))
            return UpdateResult(len(docs), len(docs))

    def replace_one(self, filter: Filter, replacement: dict[str, Any], upsert: bool = False) -> UpdateResult:
        with _Write(self._conn()) as conn:
            docs = self._select(filter, limit=1, conn=conn)
            if docs:
                self._write_doc(conn, {**replacement, "_id": docs[0]["_id"]})
                return UpdateResult(1, 1)
            if upsert:
                return UpdateResult(0, 0, self._insert_row(conn, dict(replacement)))
            return UpdateResult(0, 0)

    def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any],
        projection: Any = None,
        sort: SortSpec = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
    ) -> dict[str, Any] | None:
        """Atomic across processes: the select and the write share one ``BEGIN IMMEDIATE``."""
        with _Write(self._conn()) as conn:
            docs = self._select(filter, sort, limit=1, conn=conn)
            if not docs:
                if not upsert:
                    return None
                new = self._upsert_doc(filter, update)
                self._insert_row(conn, new)
                return _project(new, projection) if return_document == ReturnDocument.AFTER else None
            after = _apply_update(docs[0], update, inserting=False)
            self._write_doc(conn, after)
        return _project(after if return_document == ReturnDocument.AFTER else docs[0], projection)

    def delete_one(self, filter: Filter) -> DeleteResult:
        return self._delete(filter, many=False)

    def delete_many(self, filter: Filter) -> DeleteResult:
        return self._delete(filter, many=True)

    def _delete(self, flt: Filter, many: bool) -> DeleteResult:
        params: list[Any] = []
        where = _where(flt, params)
        with _Write(self._conn()) as conn:
            if many:
                cur = conn.execute(f"DELETE FROM {self._table} WHERE {where}", params)
            else:
                cur = conn.execute(f"DELETE FROM {self._table} WHERE id IN (SELECT id FROM {self._table} WHERE {where} LIMIT 1)", params)
            return DeleteResult(cur.rowcount)

    def drop(self) -> None:
        self._conn().execute(f"DROP TABLE IF EXISTS {self._table}")
        self.database._known.discard(self.name)
