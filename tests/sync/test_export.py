"""The central export: filters, sealed versus opened personal data, safe cells, no partial file."""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checkpoint import sealing
from checkpoint.crossing import PersonalData
from checkpoint.errors import CheckpointError
from checkpoint.log._personal import seal_personal
from sync.server.export import cell, write_export
from sync.server.storage import ExportFilter, SQLiteStorage, Stored
from tests.factories import T0
from tests.sync.helpers import make_crossings

NOW = datetime.now(UTC)


def add_station(s: SQLiteStorage, sid: str, rows: list[dict[str, Any]]) -> None:
    s.enroll(s.create_token(NOW, timedelta(hours=1)), sid, "key", NOW)
    assert isinstance(s.store_batch(sid, rows, NOW), Stored)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[SQLiteStorage]:
    s = SQLiteStorage(tmp_path / "server.sqlite")
    for sid in ("HN-1", "HP-2"):
        add_station(s, sid, [c.to_wire() for c in make_crossings(sid, 48)])  # one a second from T0
    yield s
    s.close()


def test_filters_by_station_date_and_verdict(storage: SQLiteStorage):
    assert len(list(storage.crossings(ExportFilter()))) == 96
    assert {c["station_id"] for c in storage.crossings(ExportFilter(stations=("HP-2",)))} == {"HP-2"}
    first_ten_seconds = ExportFilter(since=T0, until=T0 + timedelta(seconds=10))
    assert len(list(storage.crossings(first_ten_seconds))) == 2 * 9
    half_second = ExportFilter(since=T0 + timedelta(seconds=9, microseconds=500_000))
    assert [c["seq"] for c in storage.crossings(half_second)][:2] == [10, 11]  # 00:00:10 is after 00:00:09.5
    rejects = list(storage.crossings(ExportFilter(stations=("HN-1",), verdict="reject")))
    assert [c["seq"] for c in rejects] == [7, 14, 21, 28, 35, 42]


def test_sealed_without_the_key_opened_with_it(storage: SQLiteStorage, tmp_path: Path):
    key = sealing.generate()
    rows = [c.to_wire() for c in make_crossings("QN-3", 1)]
    sealed = seal_personal(PersonalData(name="=Trần Thị B"), rows[0]["id"], key.public_key())
    rows[0]["sealed"] = base64.b64encode(sealed).decode()
    add_station(storage, "QN-3", rows)
    only = ExportFilter(stations=("QN-3",))
    out = tmp_path / "x.csv"
    write_export(storage.crossings(only), out, "csv")
    assert "Trần" not in out.read_text(encoding="utf-8-sig")
    result = write_export(storage.crossings(only), out, "csv", key)
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["name"] == "'=Trần Thị B"  # a spreadsheet shows it, never runs it
    assert result.unopened == 0
    wrong = write_export(storage.crossings(only), out, "jsonl", sealing.generate())
    assert wrong.unopened == 1 and json.loads(out.read_text().splitlines()[0])["personal"] is None


def test_cells_defuse_formulas():
    assert [cell(v) for v in ("=1+1", "+84", "-x", "@SUM", "ok", None, True, ["a", "b"])] == [
        "'=1+1", "'+84", "'-x", "'@SUM", "ok", "", "true", "a;b"]


def test_a_failed_export_leaves_no_file(storage: SQLiteStorage, tmp_path: Path):
    def broken():
        yield from storage.crossings(ExportFilter())
        raise CheckpointError("the database went away")

    out = tmp_path / "out.csv"
    with pytest.raises(CheckpointError):
        write_export(broken(), out, "csv")
    assert list(tmp_path.glob("*out.csv*")) == []
    with pytest.raises(CheckpointError, match="cannot write"):
        write_export(storage.crossings(ExportFilter()), tmp_path / "missing" / "out.csv", "csv")
