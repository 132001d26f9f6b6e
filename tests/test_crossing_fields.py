"""Every consumer of the crossing's shape agrees with the one field table (``checkpoint.crossing.fields``).

A field added, renamed or retyped in one place and not the others fails here, naming the consumer: the
Crossing dataclass, the chain, the station log's migrations and rows, the wire form, the export columns,
the central server's validation, columns and CSV export. Behaviour is probed where it can be (a field the
table says is exported must change the export when it changes; one it says is not must not).
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from checkpoint.clock import parse_instant
from checkpoint.crossing import Crossing, PersonalData, chain
from checkpoint.crossing.fields import (
    BY_NAME,
    CHAIN_FIELDS,
    COLUMNS,
    FIELDS,
    PERSONAL_DIGEST_FIELDS,
    PERSONAL_FIELDS,
    RETENTION_FIELDS,
    SEALED_FIELDS,
    SERVER_COLUMNS,
    Field,
    server_column_definitions,
)
from checkpoint.export._columns import BASE_COLUMNS, PERSONAL_COLUMNS, PersonalMode, RowMaker
from checkpoint.export._source import ExportRow, rows_of
from checkpoint.log import _rows as rows
from checkpoint.log import _schema as schema
from sync import protocol
from sync.server import export as server_export
from sync.server import storage, validate
from tests.export.crossing_rows import crossing as sample_crossing

ROOT = Path(__file__).resolve().parents[1]
_PY = {"text": "str", "int": "int", "bool": "bool", "texts": "tuple[str, ...]", "hex": "str", "blob": "bytes"}


def _sample() -> Crossing:
    """A crossing with every field set (officer, reason, rule, expiry, sealed record), hashed as the log does."""
    c = sample_crossing(14, sealed=b"CPS1" + bytes(60), id_number_hash="cd" * 32, reason="RULE_FAILED",
                        rule="max_test_age", verdict="reject", display="REJECT", expires="2021-08-01T00:00:00.000000Z",
                        erased_at=None)
    c = dataclasses.replace(c, personal_digest=chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed))
    return dataclasses.replace(c, hash=chain.crossing_hash(rows.chain_fields(c)))


#: A value for each extension field (``_sample`` leaves them unset, as every crossing made before them).
EXTENSION_VALUES: dict[str, Any] = {"vehicle_id": "0f8e2a4c-9d1b-4c3e-8a57-2b6d1e9f0a34", "vehicle_role": "driver",
                                    "origin_level": "4", "policy_rule": "L4:*:test72", "policy_version": 3}


def _full() -> Crossing:
    """``_sample`` with every extension field set too."""
    c = dataclasses.replace(_sample(), **EXTENSION_VALUES)
    return dataclasses.replace(c, hash=chain.crossing_hash(rows.chain_fields(c)))


def test_the_table_is_well_formed() -> None:
    assert len(BY_NAME) == len(FIELDS), "a field is declared twice"
    assert not any(f.personal and f.chain for f in FIELDS), "personal data enters the chain only via its digest"
    assert PERSONAL_DIGEST_FIELDS == ("pass_id_hash", "id_number_hash", "sealed")


def test_the_crossing_dataclass_agrees() -> None:
    declared = {f.name: f for f in dataclasses.fields(Crossing)}
    assert set(declared) == set(COLUMNS)
    for f in FIELDS:
        d = declared[f.name]
        optional = f.nullable or f.default_none
        assert d.type == _PY[f.kind] + (" | None" if optional else ""), f.name
        assert (d.default is None) == f.default_none, f.name


def test_the_personal_record_agrees() -> None:
    assert tuple(f.name for f in dataclasses.fields(PersonalData)) == PERSONAL_FIELDS
    assert tuple(PERSONAL_COLUMNS) == PERSONAL_FIELDS == tuple(p.export for p in SEALED_FIELDS)


def test_the_chain_agrees() -> None:
    assert chain.CROSSING_FIELDS == CHAIN_FIELDS
    base: dict[str, chain.Value] = {name: "x" for name in CHAIN_FIELDS}
    h = chain.crossing_hash(base)
    for name in COLUMNS:  # a chain field changes the hash; any other field cannot reach it
        assert (chain.crossing_hash(base | {name: "y"}) != h) == (name in CHAIN_FIELDS), name


def test_the_log_migrations_make_the_table(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "log.sqlite", isolation_level=None)
    schema.migrate(conn)
    info = conn.execute("PRAGMA table_info(crossings)").fetchall()
    conn.close()
    assert [r[1] for r in info] == list(COLUMNS)
    for _, name, sql_type, notnull, _, pk in info:
        f = BY_NAME[name]
        assert (sql_type, bool(notnull or pk)) == (f.sql_type, not f.nullable), name  # a key is never NULL


def test_the_log_rows_agree() -> None:
    assert rows.COLUMNS == COLUMNS
    assert set(COLUMNS) - set(rows.INSERTED) == {"erased_at"}
    for c in (_sample(), _full()):
        values = dict(zip(rows.INSERTED, rows.row_values({f.name: getattr(c, f.name) for f in FIELDS}), strict=True))
        back = rows.row_to_crossing(tuple(values.get(name) for name in COLUMNS))  # erased_at: not inserted
        assert back == c


def test_the_wire_form_agrees() -> None:
    assert set(EXTENSION_VALUES) == {f.name for f in FIELDS if f.extension}
    assert set(_sample().to_wire()) == {f.name for f in FIELDS if f.wire and not f.extension}  # unset: absent
    c = _full()
    wire = c.to_wire()
    assert set(wire) == {f.name for f in FIELDS if f.wire}
    for name, v in wire.items():
        assert isinstance(v, BY_NAME[name].wire_types), name
    assert base64.b64decode(wire["sealed"]) == c.sealed
    assert json.loads(json.dumps(wire)) == wire  # JSON-able as it is


def test_the_server_validation_agrees() -> None:
    assert {f.name: f.wire_types for f in FIELDS if f.check.required} == validate.REQUIRED
    assert BY_NAME["sealed"].check.max_chars == protocol.MAX_CROSSING_BYTES
    c = _full()
    wire = c.to_wire()
    validate.crossing(wire, c.seq, c.station_id)
    for f in FIELDS:
        if f.check.required and not f.nullable:
            with pytest.raises(protocol.ProtocolError, match=f.name):
                validate.crossing({k: v for k, v in wire.items() if k != f.name}, c.seq, c.station_id)
        if f.check.required:
            with pytest.raises(protocol.ProtocolError, match=f.name):
                validate.crossing(wire | {f.name: 12.5}, c.seq, c.station_id)
        for bad in (["maybe"] if f.check.choices else []) + (["XYZ"] if f.check.form else []):
            with pytest.raises(protocol.ProtocolError, match=f.name):
                validate.crossing(wire | {f.name: bad}, c.seq, c.station_id)
    # The server checks the hash over exactly the chain fields, and the digest over the personal ones.
    assert validate.chain_problem([wire]) is None
    for f in FIELDS:
        if f.chain or f.personal:
            changed = wire | {f.name: _other(f, wire.get(f.name))}  # an unset extension field: set
            assert validate.chain_problem([changed]) is not None, f.name


def _other(f: Field, v: Any) -> Any:
    if f.kind == "bool":
        return not v
    if f.kind == "int":
        return (v or 0) + 1
    if f.kind == "texts":
        return [*v, "z"]
    if f.kind == "hex":
        return "ff" * 32 if v != "ff" * 32 else "ee" * 32
    if f.kind == "blob":
        return base64.b64encode(base64.b64decode(v) + b"z").decode()
    return "other" if v != "other" else "another"


def test_the_server_columns_agree(tmp_path: Path) -> None:
    assert storage.ERASABLE == RETENTION_FIELDS
    db = storage.SQLiteStorage(tmp_path / "server.sqlite")
    info = db._db.execute("PRAGMA table_info(crossings)").fetchall()
    db.close()
    assert tuple(r[1] for r in info) == ("station_id", "seq", "id", "recorded_at", "verdict", "hash", "body",
                                         "received_at")  # the released layout (column order of existing servers)
    assert {r[1] for r in info} == set(storage.CROSSING_COLUMNS)
    types = {r[1]: (r[2], bool(r[3])) for r in info}
    for f in SERVER_COLUMNS:
        assert types[f.name] == (f.server_sql_type(), not f.nullable), f.name
    assert [f.server_sql_type("postgresql") for f in SERVER_COLUMNS] == ["BIGINT", "TEXT", "TEXT", "TEXT", "TEXT",
                                                                         "TEXT"]
    for definition in server_column_definitions():
        assert f"    {definition},\n" in storage.SCHEMA, definition  # the released DDL, word for word


def test_the_central_csv_export_agrees() -> None:
    """The central CSV keeps its released column order; every column is a table field, and the table's wire
    fields it leaves out are the sealed blob (its own last column, or opened) and the chain's bookkeeping."""
    # "disposition": not a crossing field but the latest disposition of it (lane dispositions)
    assert set(server_export.COLUMNS) - {"disposition"} <= set(COLUMNS)
    left_out = {f.name for f in FIELDS if f.wire} - set(server_export.COLUMNS)
    assert left_out == {"sealed", "personal_digest", "prev_hash", "erased_at"}


def _machine(c: Crossing) -> dict[str, object]:
    maker = RowMaker(PersonalMode.FULL, "en", UTC)
    (r,) = rows_of([c])
    return maker.machine(r, parse_instant(r.recorded_at), PersonalData(name="A"))


def test_the_export_columns_agree() -> None:
    exported = {f.export for f in FIELDS if f.export} | {p.export for p in SEALED_FIELDS}
    c = _sample()
    assert set(_machine(c)) - {"disposition"} == exported  # the latest disposition: not a crossing field
    assert {col.key for col in BASE_COLUMNS} - exported == {"notes"}  # notes: the flags, in words
    assert set(ExportRow._fields) - {"id_key", "disposition"} <= set(COLUMNS)
    c = _full()
    base = _machine(c)
    assert set(base) - {"disposition"} == exported
    # Changing a field changes the export column the table names, and a field it does not export changes none.
    for f in FIELDS:
        value = getattr(c, f.name)
        if f.kind == "texts":
            other: Any = ("lists_stale", *value)
        elif f.name == "recorded_at":
            other = (parse_instant(value) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        elif f.kind == "hex":
            other = "ff" * 32
        elif f.kind == "blob":
            other = b"other"
        else:
            other = _other(f, value)
        changed = {k for k, v in _machine(dataclasses.replace(c, **{f.name: other})).items() if base[k] != v}
        assert changed == ({f.export} if f.export else set()), f.name


def test_the_sync_server_imports_nothing_of_the_station_log() -> None:
    for path in (ROOT / "sync" / "server").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            assert not [n for n in names if n.startswith("checkpoint.log")], path.name
    code = ("import sys, sync.server.app, sync.server.validate, sync.server.storage\n"
            "print([m for m in sys.modules if m.startswith('checkpoint.log')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", [f.name for f in FIELDS if f.extension])
def test_an_extension_field_travels_and_hashes_only_when_set(name: str) -> None:
    # An unset extension field leaves the wire form and the hash exactly as before the field existed.
    c = _sample()
    assert name not in c.to_wire()
    value: Any = {"text": "x", "int": 1, "bool": True, "texts": ("x",), "hex": "ab" * 32}[BY_NAME[name].kind]
    with_value = dataclasses.replace(c, **{name: value})
    assert name in with_value.to_wire()
    assert chain.crossing_hash(rows.chain_fields(with_value)) != c.hash
