"""Where an export's rows come from: the crossing log's table, read in one snapshot, or Crossing values.

Why not ``CrossingLog.crossings()``: an export reads every row of a period, up to millions, and
building a full :class:`Crossing` per row (27 fields, JSON lists, hex conversions) costs about 50 µs
on a station-class CPU, more than the whole export may spend. :class:`LogRows` selects only what an
export or a report needs, as SQLite stores it, through the log's own ``connect`` (read-only, checked,
schema version verified), in one read transaction: the rows, the count for the progress bar and the
chain position the manifest cites all come from the same snapshot, while the station goes on recording.

:func:`rows_of` turns ``Crossing`` values (tests, the supervisor screen's own lists) into the same rows.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from checkpoint.crossing import Crossing
from checkpoint.log import COLUMNS, LogError, connect, from_sqlite, stamp


class ExportRow(NamedTuple):
    """One crossing as the log's table stores it (the fields exports and reports use)."""

    seq: int
    id: str
    station_id: str
    officer_id: str | None
    lane: str
    direction: str
    recorded_at: str  # ISO-8601 UTC
    clock_suspect: int
    verdict: str
    reason: str | None
    display: str
    rule: str | None
    flags: str  # JSON list, e.g. '["duplicate"]'
    manual: int
    category: str | None
    format: str | None
    id_number_hash: bytes | None
    sealed: bytes | None
    hash: bytes
    # extension fields (lane policy): the centre's policy applied; None before it existed or without a bundle
    origin_level: str | None = None
    policy_rule: str | None = None
    policy_version: int | None = None
    id_key: bytes | None = None  # the row's id-index key (checkpoint.log._idindex), None before it is made
    vehicle_id: str | None = None  # the vehicle of an occupant (checkpoint.vehicle), None for anyone else
    vehicle_role: str | None = None  # driver / passenger
    rules_applied: str = "[]"  # JSON list (the report counts drivers judged by the freight drivers' rules)
    disposition: str | None = None  # the latest disposition's code (a correction supersedes), None: none recorded


FIELDS = ExportRow._fields
_NOT_LOG = ("id_key", "disposition")  # from the id index and the dispositions table
assert set(FIELDS) - set(_NOT_LOG) <= set(COLUMNS), "the export reads columns the crossing log does not have"
#: The latest disposition of each crossing (lane dispositions: the index dispositions_crossing makes it a lookup).
_LATEST_DISPOSITION = "(SELECT d.code FROM dispositions d WHERE d.crossing_seq = c.seq ORDER BY d.seq DESC LIMIT 1)"
_SOURCE = {"id_key": "i.key", "disposition": _LATEST_DISPOSITION}
_SELECT = (f"SELECT {', '.join(_SOURCE.get(f, 'c.' + f) for f in FIELDS)} "  # noqa: S608 (fixed names)
           "FROM crossings c LEFT JOIN id_index i ON i.seq = c.seq")


def rows_of(crossings: Iterable[Crossing]) -> Iterator[ExportRow]:
    for c in crossings:
        yield ExportRow(
            c.seq, c.id, c.station_id, c.officer_id, c.lane, c.direction, c.recorded_at, int(c.clock_suspect),
            c.verdict, c.reason, c.display, c.rule, json.dumps(list(c.flags)), int(c.manual), c.category, c.format,
            bytes.fromhex(c.id_number_hash) if c.id_number_hash else None, c.sealed, bytes.fromhex(c.hash),
            origin_level=c.origin_level, policy_rule=c.policy_rule, policy_version=c.policy_version,
            vehicle_id=c.vehicle_id, vehicle_role=c.vehicle_role, rules_applied=json.dumps(list(c.rules_applied)),
        )


class LogRows:
    """The rows of a log file in a period, in seq order, in one read snapshot. Use as a context manager."""

    def __init__(self, path: Path, *, since: datetime | None = None, until: datetime | None = None,
                 busy_timeout: float = 5.0) -> None:
        self.path = path
        where, self._params = [], []
        if since is not None:
            where.append("recorded_at >= ?")
            self._params.append(stamp(since))
        if until is not None:
            where.append("recorded_at < ?")
            self._params.append(stamp(until))
        self._where = f" WHERE {' AND '.join(where)}" if where else ""
        self._conn = connect(path, readonly=True, busy_timeout=busy_timeout)
        try:
            self._conn.execute("BEGIN")  # one snapshot for count, rows and station id
            row = self._conn.execute("SELECT value FROM meta WHERE key='station_id'").fetchone()
        except sqlite3.Error as e:
            self.close()
            raise from_sqlite(e, path) from None
        self.station_id: str = row[0] if row else ""

    def count(self) -> int:
        sql = f"SELECT count(*) FROM crossings{self._where}"  # noqa: S608 (fixed expressions; values bound)
        try:
            n: int = self._conn.execute(sql, self._params).fetchone()[0]
        except sqlite3.Error as e:
            raise from_sqlite(e, self.path) from None
        return n

    def head(self) -> tuple[int, str] | None:
        """Seq and hash (hex) of the log's last crossing in this snapshot: the chain head a manifest binds."""
        try:
            row = self._conn.execute("SELECT seq, hash FROM crossings ORDER BY seq DESC LIMIT 1").fetchone()
        except sqlite3.Error as e:
            raise from_sqlite(e, self.path) from None
        return (int(row[0]), bytes(row[1]).hex()) if row else None

    def __iter__(self) -> Iterator[ExportRow]:
        try:
            cursor = self._conn.execute(f"{_SELECT}{self._where} ORDER BY c.seq", self._params)
            cursor.arraysize = 1024
            make = ExportRow._make
            while batch := cursor.fetchmany():
                yield from map(make, batch)
        except sqlite3.Error as e:
            raise from_sqlite(e, self.path) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> LogRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["ExportRow", "LogError", "LogRows", "rows_of"]
