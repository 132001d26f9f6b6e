"""The crossing log as the outbox: send what the server lacks, advance only on its acknowledgement.

The server's cursor is the truth. Every round starts by asking it (``/v1/cursor``), then sends
``crossings(after_seq=cursor)`` in batches. The local sync cursor moves only to a sequence the server
has acknowledged, so a reply lost after the server committed costs one resend, which the server
recognises (same sequence, same content) and acknowledges again: no loss, no duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from checkpoint.crossing import Crossing
from sync.client import SyncClient
from sync.errors import Gap, Refused, Unreachable

#: A server that answers "gap" this many times in a row without progress is confused; stop the round.
MAX_GAPS = 3


class Outbox(Protocol):
    """What sync needs of the crossing log (``checkpoint.log.CrossingLog`` provides it)."""

    def crossings(self, *, after_seq: int = 0, limit: int | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> Iterator[Crossing]: ...

    def acknowledge(self, upto_seq: int) -> None: ...

    @property
    def sync_cursor(self) -> int: ...

    @property
    def last_seq(self) -> int: ...


@dataclass(frozen=True)
class Progress:
    acknowledged: int  # the server holds 1..acknowledged
    last_seq: int  # the newest crossing in the log
    sent_this_round: int

    @property
    def pending(self) -> int:
        return max(self.last_seq - self.acknowledged, 0)


def upload_backlog(client: SyncClient, outbox: Outbox, batch_size: int,
                   on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Send every crossing the server lacks; returns where things stand when the log is drained."""
    pos = client.cursor().acknowledged_seq
    last = outbox.last_seq
    if pos > last:
        raise Refused(f"the server holds {pos} crossings from station {client.station_id} but this log has only "
                      f"{last}: another station was enrolled with this id, or this log was replaced. "
                      "Call the supervisor.")
    if pos > outbox.sync_cursor:
        outbox.acknowledge(pos)
    sent, gaps = 0, 0
    report = on_progress or (lambda _: None)
    report(Progress(pos, last, 0))
    while True:
        batch = list(outbox.crossings(after_seq=pos, limit=batch_size))
        if not batch:
            return Progress(pos, max(outbox.last_seq, pos), sent)
        if batch[0].seq != pos + 1:
            raise Refused(f"the crossing log has a hole after sequence {pos}; run 'checkpoint log verify'")
        try:
            ack = client.upload([c.to_wire() for c in batch])
        except Gap as g:
            gaps += 1
            if gaps > MAX_GAPS or g.expected_seq - 1 > outbox.last_seq:
                raise Refused(f"the server keeps asking for sequence {g.expected_seq}, which this log cannot "
                              "send; call the supervisor") from None
            pos = g.expected_seq - 1
            continue
        if ack.acknowledged_seq < batch[0].seq:
            raise Unreachable(f"the server acknowledged {ack.acknowledged_seq} after a batch from {batch[0].seq}; "
                              "will try again")
        gaps = 0
        pos = min(ack.acknowledged_seq, batch[-1].seq)
        outbox.acknowledge(pos)
        sent += len(batch)
        last = max(last, outbox.last_seq)
        report(Progress(pos, last, sent))
