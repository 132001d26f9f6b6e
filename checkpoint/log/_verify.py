"""Re-walking the hash chains: the first broken link, in words a supervisor can act on.

What the chain catches: a row edited, deleted, inserted or moved behind the station's back, and the
newest rows deleted (the head recorded in ``meta`` no longer matches). What it cannot catch alone:
someone who rewrites every row after the change and the head; the copy already synced to the
central server (which re-checks the same chain) is the anchor for that.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from checkpoint.crossing import chain
from checkpoint.crossing.fields import FIELDS
from checkpoint.log import _dispositions
from checkpoint.log._rows import COLUMNS, SELECT

PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int  # crossings checked
    first_broken_seq: int | None  # the first crossing whose link is broken
    problem: str | None  # what is wrong, for a person
    actions_checked: int = 0
    first_broken_action: int | None = None
    dispositions_checked: int = 0
    first_broken_disposition: int | None = None


@dataclass(frozen=True)
class _Break:
    seq: int
    problem: str


def walk_chain(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None) -> ChainReport:
    conn.execute("BEGIN")  # one snapshot for the whole walk
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        checked, broken = _walk_crossings(conn, meta, progress)
        if broken is not None:
            return ChainReport(False, checked, broken.seq, broken.problem)
        actions, action_broken = _walk_actions(conn, meta)
        if action_broken is not None:
            return ChainReport(False, checked, None, action_broken.problem, actions, action_broken.seq)
        dispositions, disp_broken = _dispositions.walk(conn, meta, partial(_crossing_at, conn))
        if disp_broken is not None:
            return ChainReport(False, checked, None, disp_broken.problem, actions, None, dispositions,
                               disp_broken.seq)
        return ChainReport(True, checked, None, None, actions, None, dispositions, None)
    finally:
        conn.execute("COMMIT")


def _walk_crossings(conn: sqlite3.Connection, meta: dict[str, str],
                    progress: Callable[[int], None] | None) -> tuple[int, _Break | None]:
    expected, prev, checked = 1, chain.GENESIS, 0
    for row in conn.execute(f"{SELECT} ORDER BY seq"):
        seq = row[0]
        if seq != expected:
            return checked, _Break(expected, f"crossing {expected} is missing (the next row is {seq}): "
                                             "rows were deleted or renumbered")
        problem = check_crossing(row, prev)
        if problem is not None:
            return checked, _Break(seq, f"crossing {seq} {problem}")
        prev = row[_HASH].hex()
        checked += 1
        expected += 1
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked)
    head_seq, head_hash = int(meta.get("head_seq", "0")), meta.get("head_hash", chain.GENESIS)
    if head_seq != checked or head_hash != prev:
        return checked, _Break(checked + 1, f"the log's head is crossing {head_seq} but the chain ends at "
                                            f"{checked}: the newest crossings were deleted or altered")
    return checked, None


_COL = {name: i for i, name in enumerate(COLUMNS)}
_HASH, _PREV, _ERASED = _COL["hash"], _COL["prev_hash"], _COL["erased_at"]
_PID, _IDN, _SEALED, _DIGEST = _COL["pass_id_hash"], _COL["id_number_hash"], _COL["sealed"], _COL["personal_digest"]
_BOOLS = {_COL[f.name] for f in FIELDS if f.kind == "bool"}
_LISTS = {_COL[f.name] for f in FIELDS if f.kind == "texts"}
_HEXES = {_COL[f.name] for f in FIELDS if f.kind == "hex" and f.chain}
_CHAIN_COLS = tuple(_COL[name] for name in chain.CROSSING_FIELDS)


def _chain_value(row: tuple[Any, ...], i: int) -> chain.Value:
    """A column as the chain encodes it (the same conversions as ``rows.row_to_crossing``, without the object)."""
    v = row[i]
    if i in _BOOLS:
        return bool(v)
    if i in _LISTS:
        items = json.loads(v)
        if not isinstance(items, list):
            raise ValueError("not a list")
        return items
    if i in _HEXES:
        return v.hex() if v is not None else None
    return v  # type: ignore[no-any-return]


def _hex(v: Any) -> str | None:
    return v.hex() if v is not None else None


def check_crossing(row: tuple[Any, ...], prev: str | None) -> str | None:
    """What is wrong with one row (None: nothing); ``prev`` is the hash it must follow, None to skip the link."""
    try:
        stored_hash, stored_prev = row[_HASH].hex(), row[_PREV].hex()
        digest = chain.crossing_hash_of(_chain_value(row, i) for i in _CHAIN_COLS)
        personal = (_hex(row[_PID]), _hex(row[_IDN]), row[_SEALED])
    except (TypeError, ValueError, AttributeError):
        return "cannot be read (a field was altered)"
    if prev is not None and stored_prev != prev:
        return "does not follow the crossing before it (rows edited, deleted or reordered)"
    if digest != stored_hash:
        return "was altered (its content does not match its hash)"
    if row[_ERASED] is None:
        if chain.personal_digest(*personal) != _hex(row[_DIGEST]):
            return "has altered personal data (sealed record or keyed hashes)"
    elif personal != (None, None, None):
        return "is marked erased but still holds personal fields"
    return None


def _crossing_at(conn: sqlite3.Connection, seq: int) -> tuple[str, str] | None:
    row = conn.execute("SELECT id, hash FROM crossings WHERE seq=?", (seq,)).fetchone()
    return (str(row[0]), bytes(row[1]).hex()) if row is not None else None


def _walk_actions(conn: sqlite3.Connection, meta: dict[str, str]) -> tuple[int, _Break | None]:
    expected, prev = 1, chain.GENESIS
    sql = "SELECT seq, id, at, station_id, action, officer_id, details, prev_hash, hash FROM actions ORDER BY seq"
    for seq, aid, at, station, action, officer, details, prev_hash, digest in conn.execute(sql):
        if seq != expected:
            return expected - 1, _Break(expected, f"action {expected} is missing (the next row is {seq})")
        try:
            fields = {"seq": seq, "id": aid, "at": at, "station_id": station, "action": action, "officer_id": officer,
                      "details": chain.details_list(json.loads(details)), "prev_hash": prev_hash.hex()}
            ok_link, ok_hash = prev_hash.hex() == prev, chain.action_hash(fields) == digest.hex()
        except (TypeError, ValueError, AttributeError):
            return expected - 1, _Break(seq, f"action {seq} cannot be read (a field was altered)")
        if not ok_link:
            return expected - 1, _Break(seq, f"action {seq} does not follow the action before it")
        if not ok_hash:
            return expected - 1, _Break(seq, f"action {seq} was altered")
        prev = digest.hex()
        expected += 1
    head_seq, head_hash = int(meta.get("action_seq", "0")), meta.get("action_hash", chain.GENESIS)
    if head_seq != expected - 1 or head_hash != prev:
        return expected - 1, _Break(expected, f"the action log's head is {head_seq} but the chain ends at "
                                              f"{expected - 1}: the newest actions were deleted or altered")
    return expected - 1, None
