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
from typing import Any

from checkpoint.log import chain
from checkpoint.log.rows import SELECT, chain_fields, row_to_crossing

PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int  # crossings checked
    first_broken_seq: int | None  # the first crossing whose link is broken
    problem: str | None  # what is wrong, for a person
    actions_checked: int = 0
    first_broken_action: int | None = None


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
        return ChainReport(True, checked, None, None, actions, None)
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
        problem = _check_crossing(row, prev)
        if problem is not None:
            return checked, _Break(seq, f"crossing {seq} {problem}")
        prev = row[-2].hex()
        checked += 1
        expected += 1
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked)
    head_seq, head_hash = int(meta.get("head_seq", "0")), meta.get("head_hash", chain.GENESIS)
    if head_seq != checked or head_hash != prev:
        return checked, _Break(checked + 1, f"the log's head is crossing {head_seq} but the chain ends at "
                                            f"{checked}: the newest crossings were deleted or altered")
    return checked, None


def _check_crossing(row: tuple[Any, ...], prev: str) -> str | None:
    try:
        c = row_to_crossing(row)
    except (TypeError, ValueError, AttributeError):
        return "cannot be read (a field was altered)"
    if c.prev_hash != prev:
        return "does not follow the crossing before it (rows edited, deleted or reordered)"
    if chain.crossing_hash(chain_fields(c)) != c.hash:
        return "was altered (its content does not match its hash)"
    if c.erased_at is None:
        if chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed) != c.personal_digest:
            return "has altered personal data (sealed record or keyed hashes)"
    elif (c.pass_id_hash, c.id_number_hash, c.sealed) != (None, None, None):
        return "is marked erased but still holds personal fields"
    return None


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
