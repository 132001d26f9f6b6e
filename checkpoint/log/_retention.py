"""Retention: erase the personal fields of old crossings once the central server has them.

Vietnam's Decree 13/2023/NĐ-CP on personal data protection asks controllers to collect the minimum
and keep it no longer than the purpose needs. A checkpoint needs a person's details for contact
tracing and disputes for a few weeks; after ``retention_days`` (default 30) and once synced, the
station keeps only what counts need (time, verdict, reason, lane, officer) and erases the sealed
personal data, both keyed hashes and the row's id-index key (a keyed hash of an id number still
identifies a person to whoever holds the station's key). Unsynced crossings are never erased: the
server's copy would be lost.

Erasure sets the three columns to NULL and stamps ``erased_at``; the chain covers them only through
``personal_digest``, so it still verifies. ``secure_delete`` is on and the WAL is checkpointed and
truncated afterwards, so the erased bytes do not linger in free pages or the journal.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from checkpoint.log._errors import from_sqlite
from checkpoint.log._timefmt import stamp

if TYPE_CHECKING:
    from checkpoint.log._store import CrossingLog

BATCH = 2_000  # rows per transaction: short transactions keep recording responsive


def erase_expired(log: CrossingLog, cutoff: datetime, now: datetime) -> int:
    """Erase personal fields of synced crossings recorded before ``cutoff``; ``now`` stamps ``erased_at``."""
    erased = 0
    erased_at = stamp(now)
    while True:
        with log._write() as conn:
            cursor = log._meta(conn, "sync_cursor") or "0"
            n = conn.execute(
                "UPDATE crossings SET pass_id_hash=NULL, id_number_hash=NULL, sealed=NULL, erased_at=? "
                "WHERE seq IN (SELECT seq FROM crossings WHERE recorded_at < ? AND seq <= ? AND erased_at IS NULL "
                "AND (sealed IS NOT NULL OR pass_id_hash IS NOT NULL OR id_number_hash IS NOT NULL) LIMIT ?)",
                (erased_at, stamp(cutoff), int(cursor), BATCH),
            ).rowcount
            conn.execute("DELETE FROM id_index WHERE seq IN (SELECT i.seq FROM id_index i JOIN crossings c "
                         "ON c.seq = i.seq WHERE c.erased_at=?)", (erased_at,))
        erased += n
        if n < BATCH:
            break
    if erased:
        try:
            with log._lock:
                log._c().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as e:
            raise from_sqlite(e, log.path) from None
    return erased
