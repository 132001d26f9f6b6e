"""Dispositions as an outbox: sent in the same sync round as the crossings, after them, on their own path.

The server's disposition cursor is the truth (as for crossings): each round asks it, checks it against the
log (a server holding dispositions this log does not have, or other ones, means the log was replaced),
then sends the dispositions after it, a batch at a time, and moves the log's disposition cursor only to
what a signed acknowledgement names with the hash this log holds. A disposition is sent only once the
server holds its crossing (the crossings' acknowledged cursor), so the server can check it names a
crossing it holds. Nothing is asked of the server when there is nothing to send.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from checkpoint.crossing.disposition import DispositionRecord
from sync.client import SyncClient
from sync.errors import Refused, SeqGap, Unreachable

BATCH = 500
MAX_GAPS = 3


@runtime_checkable
class DispositionOutbox(Protocol):
    """What sync needs of the log's dispositions (``checkpoint.log.CrossingLog`` provides it)."""

    def dispositions(self, *, after_seq: int = 0, limit: int = 1000) -> list[DispositionRecord]: ...

    @property
    def disposition_head(self) -> tuple[int, str]: ...

    def disposition_hash_at(self, seq: int) -> str | None: ...

    @property
    def disposition_sync_cursor(self) -> int: ...

    def acknowledge_dispositions(self, upto_seq: int) -> None: ...

    @property
    def sync_cursor(self) -> int: ...


def upload_dispositions(client: SyncClient, outbox: DispositionOutbox, batch_size: int = BATCH) -> int:
    """Send the dispositions the server lacks (whose crossings it holds); returns how many are left to send."""
    head, _ = outbox.disposition_head
    if head <= outbox.disposition_sync_cursor:
        return 0
    ack = client.disposition_cursor()
    pos = ack.acknowledged_seq
    if pos > head or outbox.disposition_hash_at(pos) != ack.acknowledged_hash:
        raise Refused(f"station {client.station_id}: the central server holds dispositions up to {pos} that are not "
                      "this log's: the crossing log was replaced or cut back. Call the supervisor.")
    if pos > outbox.disposition_sync_cursor:
        outbox.acknowledge_dispositions(pos)
    crossings_held, gaps = outbox.sync_cursor, 0
    while True:
        batch = [d for d in outbox.dispositions(after_seq=pos, limit=batch_size)]
        sendable = []
        for d in batch:  # stop at the first whose crossing the server does not hold yet (next round)
            if d.crossing_seq > crossings_held:
                break
            sendable.append(d)
        if not sendable:
            return head - pos
        if sendable[0].seq != pos + 1:
            raise Refused(f"the dispositions have a hole after {pos}; run 'checkpoint log verify'")
        try:
            ack = client.upload_dispositions([d.to_wire() for d in sendable])
        except SeqGap as g:
            gaps += 1
            if gaps > MAX_GAPS or g.expected_seq - 1 > head:
                raise Refused(f"the server keeps asking for disposition {g.expected_seq}, which this log cannot "
                              "send; call the supervisor") from None
            pos = g.expected_seq - 1
            continue
        gaps = 0
        last = sendable[-1]
        if ack.acknowledged_seq < sendable[0].seq:
            raise Unreachable(f"the server acknowledged disposition {ack.acknowledged_seq} after an upload from "
                              f"{sendable[0].seq}; will try again")
        pos = min(ack.acknowledged_seq, last.seq)
        if sendable[pos - sendable[0].seq].hash != ack.acknowledged_hash:
            raise Unreachable(f"the server acknowledged disposition {pos} with another hash than this log's; "
                              "nothing is marked as sent; will try again")
        outbox.acknowledge_dispositions(pos)
