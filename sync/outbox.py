"""The crossing log as the outbox: send what the server lacks, advance only on its acknowledgement.

The server's cursor is the truth. Every round starts by asking it (``/v1/cursor``), then sends
``crossings(after_seq=cursor)`` in batches. The local sync cursor moves only to a sequence the server
has acknowledged, so a reply lost after the server committed costs one resend, which the server
recognises (same sequence, same content) and acknowledges again: no loss, no duplicate.

Every acknowledgement is signed by the pinned server key (checked by the client) and names the hash of
the crossing it acknowledges: the cursor moves only when that hash is the one in this log. The server's
cursor is also the log's second anchor: a log that does not reach it, or differs there, was replaced or
cut back; the station then stops recording, tells the server (``/v1/alerts``) and stops syncing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from checkpoint.crossing import Crossing
from sync.client import SyncClient
from sync.errors import Refused, SeqGap, SyncError, Unreachable

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

    def hash_at(self, seq: int) -> str | None: ...

    def log_problem(self) -> str | None: ...

    def server_holds(self, seq: int, digest: str) -> str | None: ...


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
    refuse_broken_log(client, outbox, outbox.log_problem())
    ack = client.cursor()
    pos = ack.acknowledged_seq
    refuse_broken_log(client, outbox, outbox.server_holds(pos, ack.acknowledged_hash))
    last = outbox.last_seq
    if pos > outbox.sync_cursor:
        outbox.acknowledge(pos)
    sent, gaps = 0, 0
    report = on_progress or (lambda _: None)
    report(Progress(pos, last, 0))
    while True:
        batch = list(outbox.crossings(after_seq=pos, limit=batch_size))
        if not batch:
            outbox.acknowledge(min(pos, outbox.last_seq))  # a drained round is a sync: the report's "last sync"
            return Progress(pos, max(outbox.last_seq, pos), sent)
        if batch[0].seq != pos + 1:
            raise Refused(f"the crossing log has a hole after sequence {pos}; run 'checkpoint log verify'")
        try:
            ack = client.upload([c.to_wire() for c in batch])
        except SeqGap as g:
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
        if ack.acknowledged_seq <= batch[-1].seq and batch[pos - batch[0].seq].hash != ack.acknowledged_hash:
            raise Unreachable(f"the server acknowledged crossing {pos} with another hash than this log's; "
                              "nothing is marked as sent; will try again")
        refuse_broken_log(client, outbox, outbox.server_holds(ack.acknowledged_seq, ack.acknowledged_hash))
        outbox.acknowledge(pos)
        sent += len(batch)
        last = max(last, outbox.last_seq)
        report(Progress(pos, last, sent))


def refuse_broken_log(client: SyncClient, outbox: Outbox, problem: str | None) -> None:
    """A log that was replaced, cut back or broken: tell the server (once per problem) and stop the round."""
    if problem is None:
        return
    kind = "log_broken" if "chain" in problem or "damaged" in problem else "log_replaced"
    told = ""
    if problem not in client.alerted:
        try:
            client.alert(kind, problem)
            client.alerted.add(problem)
            told = " The central server was told."
        except SyncError as e:
            told = f" The central server could not be told yet ({e})."
    raise Refused(f"station {client.station_id}: {problem}. Recording is stopped and nothing more is sent.{told} "
                  "Call the supervisor.")
