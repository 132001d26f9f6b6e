"""Dispositions at the central server: the checks of an upload and the rule both storage backends share.

A station uploads its dispositions (``checkpoint.crossing.disposition``) in the same sync round as its
crossings, after them, on their own path (``/v1/dispositions``): a refused disposition chain never holds
back the crossings. The rules are those of crossing batches: gapless per station, an idempotent resend of
what the server holds is acknowledged again, a different one is tampering, new ones must link to the
station's disposition chain, every hash must match its content, and the crossing a disposition names must
be one the server holds for that station, with that id and hash. A new suspected illegal entry raises an
alert (kind ``illegal_entry``) for the supervisors at the centre.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checkpoint.clock import parse_instant
from checkpoint.crossing.disposition import ALERTING, CODES, DISPOSITION_FIELDS, disposition_hash, is_hex64
from sync.protocol import ProtocolError
from sync.server.storage import Gap, Stored, Tampering
from sync.server.validate import whole

MAX_DISPOSITIONS = 1000  # each under 1 KiB: within limits.MAX_DISPOSITIONS_BYTES
#: The server's tables (both backends create the same; PostgreSQL in its own numbered migration).
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS dispositions (
    station_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    crossing_seq INTEGER NOT NULL,
    crossing_id TEXT NOT NULL,
    code TEXT NOT NULL,
    at TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, seq)
);
CREATE INDEX IF NOT EXISTS dispositions_crossing ON dispositions (station_id, crossing_seq, seq);
CREATE TABLE IF NOT EXISTS disposition_heads (
    station_id TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_acks (
    n INTEGER PRIMARY KEY,
    acked_at TEXT NOT NULL,
    acked_by TEXT NOT NULL
);
"""
POSTGRES_MIGRATION = """
    CREATE TABLE dispositions (
        station_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        crossing_seq BIGINT NOT NULL,
        crossing_id TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        at TEXT NOT NULL,
        hash TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (station_id, seq)
    );
    CREATE INDEX dispositions_crossing ON dispositions (station_id, crossing_seq, seq);
    CREATE TABLE disposition_heads (
        station_id TEXT COLLATE "C" PRIMARY KEY,
        cursor BIGINT NOT NULL,
        last_hash TEXT NOT NULL
    );
    CREATE TABLE alert_acks (
        n BIGINT PRIMARY KEY,
        acked_at TEXT NOT NULL,
        acked_by TEXT NOT NULL
    );
"""
GENESIS = "0" * 64


def _text(d: Mapping[str, Any], key: str, where: str, *, nullable: bool = False, limit: int = 64) -> None:
    v = d.get(key)
    if v is None and nullable:
        return
    if not isinstance(v, str) or not v or len(v) > limit:
        raise ProtocolError(f"{where}: '{key}' is missing or not a string of at most {limit} characters")


def validate(doc: Mapping[str, Any], station_id: str) -> list[dict[str, Any]]:
    """The body's dispositions, each well formed, contiguous from ``first_seq``, for this station."""
    items = doc.get("dispositions")
    if not isinstance(items, list) or not items:
        raise ProtocolError("'dispositions' is missing or empty")
    if len(items) > MAX_DISPOSITIONS:
        raise ProtocolError(f"an upload holds at most {MAX_DISPOSITIONS} dispositions, not {len(items)}")
    first, last = whole(doc, "first_seq"), whole(doc, "last_seq")
    if last - first + 1 != len(items):
        raise ProtocolError(f"first_seq..last_seq ({first}..{last}) does not match {len(items)} dispositions")
    for i, d in enumerate(items):
        where = f"disposition #{first + i}"
        if not isinstance(d, dict) or set(d) != {*DISPOSITION_FIELDS, "hash"}:
            raise ProtocolError(f"{where}: not an object with exactly the disposition's fields")
        for key in ("seq", "crossing_seq"):
            v = d[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ProtocolError(f"{where}: '{key}' is not a positive whole number")
        if d["seq"] != first + i:
            raise ProtocolError(f"{where}: sequence {d['seq']} out of order (the upload must be contiguous)")
        if d["station_id"] != station_id:
            raise ProtocolError(f"{where}: belongs to another station")
        _text(d, "id", where)
        _text(d, "crossing_id", where)
        _text(d, "officer_id", where, nullable=True)
        _text(d, "at", where)
        if d["code"] not in CODES:
            raise ProtocolError(f"{where}: 'code' {str(d['code'])[:40]!r} is not a known disposition")
        for key in ("crossing_hash", "prev_hash", "hash"):
            if not is_hex64(d[key]):
                raise ProtocolError(f"{where}: '{key}' must be 64 lowercase hex digits")
        try:
            parse_instant(d["at"])
        except ValueError:
            raise ProtocolError(f"{where}: 'at' is not an ISO-8601 time") from None
    return items


def chain_problem(items: Sequence[Mapping[str, Any]]) -> tuple[int, str] | None:
    """The first disposition whose hash does not match its content, or that does not link to the one before."""
    for i, d in enumerate(items):
        if disposition_hash(d) != d["hash"]:
            return int(d["seq"]), "does not match its hash (altered after it was recorded)"
        if i and d["prev_hash"] != items[i - 1]["hash"]:
            return int(d["seq"]), "does not link to the disposition before it (hash chain broken)"
    return None


def canonical(d: Mapping[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class DispositionPlan:
    new: list[Mapping[str, Any]]
    already: int
    head: str
    last_seq: int
    cursor: int  # the station's cursor before this upload

    def stored(self) -> Stored:
        return Stored(max(self.cursor, self.last_seq), len(self.new), self.already, self.head)

    def alerts(self) -> list[tuple[str, str]]:
        """(kind, detail) of each alert the new dispositions raise."""
        return [("illegal_entry", f"disposition {d['seq']}: suspected illegal entry at crossing {d['crossing_seq']} "
                 f"(officer {d['officer_id'] or '-'}, {d['at']})")
                for d in self.new if d["code"] in ALERTING]


def plan(cursor: int, last_hash: str, items: Sequence[Mapping[str, Any]],
         held: Callable[[int, int], Mapping[int, str]],
         crossing_at: Callable[[int], tuple[str, str] | None]) -> DispositionPlan | Gap | Tampering:
    """Every backend's rule for a disposition upload, inside its transaction (the station's head locked):
    ``held(first, last)`` gives the bodies held in that range, ``crossing_at(seq)`` the (id, hash) of the
    station's crossing ``seq`` the server holds, or None."""
    first, last = int(items[0]["seq"]), int(items[-1]["seq"])
    if first > cursor + 1:
        return Gap(cursor + 1)
    already = 0
    if first <= cursor:
        bodies = held(first, min(last, cursor))
        for d in items:
            if int(d["seq"]) > cursor:
                break
            body = bodies.get(int(d["seq"]))
            if body is None or body != canonical(d):
                return Tampering(int(d["seq"]), "differs from the disposition already received with this sequence")
            already += 1
    new = [d for d in items if int(d["seq"]) > cursor]
    head = last_hash
    for d in new:
        if d["prev_hash"] != head:
            return Tampering(int(d["seq"]), "does not link to the previous disposition (hash chain broken)")
        head = str(d["hash"])
        held_crossing = crossing_at(int(d["crossing_seq"]))
        if held_crossing is None:
            return Tampering(int(d["seq"]), f"names crossing {d['crossing_seq']}, which this server does not hold "
                                            "for the station (send the crossings first)")
        if held_crossing != (d["crossing_id"], d["crossing_hash"]):
            return Tampering(int(d["seq"]), f"names crossing {d['crossing_seq']} with another id or hash than the "
                                            "crossing this server holds")
    return DispositionPlan(new, already, head, last, cursor)


def row(d: Mapping[str, Any], station_id: str, received: str) -> tuple[Any, ...]:
    return (station_id, int(d["seq"]), d["id"], int(d["crossing_seq"]), d["crossing_id"], d["code"], d["at"],
            d["hash"], canonical(d), received)


INSERT_COLUMNS = "station_id, seq, id, crossing_seq, crossing_id, code, at, hash, body, received_at"


def latest(dispositions: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], str]:
    """The latest disposition code of each (station, crossing seq): a later disposition is a correction."""
    out: dict[tuple[str, int], str] = {}
    for d in dispositions:  # in (station, seq) order: the later one wins
        out[(str(d["station_id"]), int(d["crossing_seq"]))] = str(d["code"])
    return out


def with_dispositions(crossings: Iterable[dict[str, Any]], latest_codes: Mapping[tuple[str, int], str],
                      counts: Counter[str]) -> Iterator[dict[str, Any]]:
    """The crossings with their ``disposition`` (the latest code, or None), counting each code in ``counts``."""
    for c in crossings:
        code = latest_codes.get((str(c.get("station_id")), int(c.get("seq", 0))))
        if code is not None:
            counts[code] += 1
        yield {**c, "disposition": code}
