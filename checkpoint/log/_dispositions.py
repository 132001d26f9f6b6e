"""Dispositions in the station log: what the officer did after a verdict, append-only in its own hash chain.

A crossing row never changes; a disposition points at it (seq, id and hash) and is chained to the
disposition before it (``checkpoint.crossing.disposition``). A later disposition of the same crossing
supersedes the earlier one (a correction); both stay. The head is kept in ``meta`` (``disposition_seq``,
``disposition_hash``) like the crossings' and actions', and ``disposition_sync_cursor`` says how far the
central server holds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checkpoint.crossing import chain
from checkpoint.crossing.disposition import CODES, DispositionRecord, disposition_hash
from checkpoint.log._errors import LogError
from checkpoint.log._ids import uuid7
from checkpoint.log._timefmt import stamp

if TYPE_CHECKING:
    from checkpoint.log._store import CrossingLog

HEAD_SEQ, HEAD_HASH, SYNC_CURSOR = "disposition_seq", "disposition_hash", "disposition_sync_cursor"
_COLUMNS = "seq, id, station_id, crossing_seq, crossing_id, crossing_hash, code, officer_id, at, prev_hash, hash"
_SELECT = f"SELECT {_COLUMNS} FROM dispositions"  # noqa: S608 (fixed names)


def _record_of(row: tuple[Any, ...]) -> DispositionRecord:
    seq, did, station, cseq, cid, chash, code, officer, at, prev, digest = row
    return DispositionRecord(int(seq), did, station, int(cseq), cid, bytes(chash).hex(), code, officer, at,
                             bytes(prev).hex(), bytes(digest).hex())


def record(log: CrossingLog, crossing_seq: int, code: str, officer_id: str | None) -> DispositionRecord:
    """Record a disposition of crossing ``crossing_seq`` durably (the same commit rules as a crossing)."""
    if code not in CODES:
        raise LogError("invalid", f"unknown disposition {code!r}", path=log.path)
    if officer_id is not None and (not officer_id or len(officer_id) > 64 or not officer_id.isprintable()):
        raise LogError("invalid", "the officer id must be 1 to 64 printable characters", path=log.path)
    log._refuse_if_corrupt()
    now = log._clock.now()
    with log._write() as conn:
        row = conn.execute("SELECT id, hash FROM crossings WHERE seq=?", (crossing_seq,)).fetchone()
        if row is None:
            raise LogError("invalid", f"there is no crossing {crossing_seq} to record a disposition for",
                           path=log.path)
        seq = int(log._meta(conn, HEAD_SEQ) or 0) + 1
        fields: dict[str, Any] = {
            "seq": seq, "id": uuid7(now), "station_id": log.station_id, "crossing_seq": crossing_seq,
            "crossing_id": row[0], "crossing_hash": bytes(row[1]).hex(), "code": code, "officer_id": officer_id,
            "at": stamp(now), "prev_hash": log._meta(conn, HEAD_HASH) or chain.GENESIS,
        }
        fields["hash"] = disposition_hash(fields)
        conn.execute(f"INSERT INTO dispositions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                     (seq, fields["id"], log.station_id, crossing_seq, fields["crossing_id"], bytes(row[1]), code,
                      officer_id, fields["at"], bytes.fromhex(fields["prev_hash"]), bytes.fromhex(fields["hash"])))
        log._set_meta(conn, HEAD_SEQ, str(seq))
        log._set_meta(conn, HEAD_HASH, fields["hash"])
    return DispositionRecord(**fields)


def after(log: CrossingLog, after_seq: int, limit: int) -> list[DispositionRecord]:
    rows = log._read(lambda c: c.execute(f"{_SELECT} WHERE seq > ? ORDER BY seq LIMIT ?",
                                         (after_seq, limit)).fetchall())
    return [_record_of(r) for r in rows]


def head(log: CrossingLog) -> tuple[int, str]:
    def read(c: sqlite3.Connection) -> tuple[int, str]:
        return int(log._meta(c, HEAD_SEQ) or 0), log._meta(c, HEAD_HASH) or chain.GENESIS
    result: tuple[int, str] = log._read(read)
    return result


def hash_at(log: CrossingLog, seq: int) -> str | None:
    if seq == 0:
        return chain.GENESIS
    row = log._read(lambda c: c.execute("SELECT hash FROM dispositions WHERE seq=?", (seq,)).fetchone())
    return bytes(row[0]).hex() if row is not None else None


def sync_cursor(log: CrossingLog) -> int:
    return int(log._read(lambda c: log._meta(c, SYNC_CURSOR)) or 0)


def acknowledge(log: CrossingLog, upto_seq: int) -> None:
    """The central server holds dispositions ``1..upto_seq``: move their cursor (never back)."""
    with log._write() as conn:
        newest = int(log._meta(conn, HEAD_SEQ) or 0)
        if upto_seq > newest:
            raise LogError("invalid", f"acknowledged disposition {upto_seq} but the newest is {newest}", path=log.path)
        if upto_seq > int(log._meta(conn, SYNC_CURSOR) or 0):
            log._set_meta(conn, SYNC_CURSOR, str(upto_seq))


def latest_by_crossing(conn: sqlite3.Connection, first_seq: int, last_seq: int) -> dict[int, str]:
    """The latest disposition code of each crossing in ``first_seq..last_seq`` (a correction supersedes)."""
    rows = conn.execute("SELECT crossing_seq, code FROM dispositions WHERE crossing_seq BETWEEN ? AND ? "
                        "ORDER BY seq", (first_seq, last_seq)).fetchall()
    return {int(s): str(c) for s, c in rows}


def has_table(conn: sqlite3.Connection) -> bool:
    """Whether the file has the dispositions table (a log older than schema 5, opened read-only, has not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='dispositions'").fetchone() is not None


@dataclass(frozen=True)
class DispositionBreak:
    seq: int
    problem: str


def walk(conn: sqlite3.Connection, meta: dict[str, str],
         crossing_at: Callable[[int], tuple[str, str] | None]) -> tuple[int, DispositionBreak | None]:
    """Re-walk the disposition chain: gapless, linked, each hash right, each pointing at a crossing that is in
    the log with that id and hash, and the head in ``meta`` the chain's end. ``crossing_at(seq)`` gives the
    crossing's (id, hash)."""
    if not has_table(conn):
        return 0, None
    expected, prev = 1, chain.GENESIS
    for row in conn.execute(f"{_SELECT} ORDER BY seq"):
        seq = row[0]
        if seq != expected:
            return expected - 1, DispositionBreak(expected, f"disposition {expected} is missing (the next row is "
                                                            f"{seq}): rows were deleted or renumbered")
        try:
            d = _record_of(row)
            digest = disposition_hash(d.__dict__)
        except (TypeError, ValueError, AttributeError):
            return expected - 1, DispositionBreak(seq, f"disposition {seq} cannot be read (a field was altered)")
        if d.prev_hash != prev:
            return expected - 1, DispositionBreak(seq, f"disposition {seq} does not follow the disposition before it")
        if digest != d.hash:
            return expected - 1, DispositionBreak(seq, f"disposition {seq} was altered (its content does not match "
                                                       "its hash)")
        if crossing_at(d.crossing_seq) != (d.crossing_id, d.crossing_hash):
            return expected - 1, DispositionBreak(seq, f"disposition {seq} points at crossing {d.crossing_seq}, "
                                                       "which is not in the log as it was recorded")
        prev = d.hash
        expected += 1
    head_seq, head_hash = int(meta.get(HEAD_SEQ, "0")), meta.get(HEAD_HASH, chain.GENESIS)
    if head_seq != expected - 1 or head_hash != prev:
        return expected - 1, DispositionBreak(expected, f"the dispositions' head is {head_seq} but the chain ends at "
                                                        f"{expected - 1}: the newest dispositions were deleted or "
                                                        "altered")
    return expected - 1, None
