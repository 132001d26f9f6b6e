"""What the app needs from the crossing log, as a small protocol, and the rule that nothing is admitted
unrecorded.

The station's log (``checkpoint.log.CrossingLog``) fits :class:`CrossingRecorder` through
:func:`checkpoint.tui.wiring.open_recorder`. :class:`MemoryRecorder` keeps crossings in memory: the test
double, and what a station without a log falls back to (the status bar then says "memory only").
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from checkpoint.clock import parse_instant
from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Reason, Verdict
from checkpoint.errors import CheckpointError


@dataclass(frozen=True)
class CrossingContext:
    """Where and by whom: the same fields as ``checkpoint.log.CrossingContext``."""

    officer_id: str | None
    lane: str
    direction: str
    system_time: datetime
    clock_suspect: bool
    manual: bool = False


class CrossingRecorder(Protocol):
    #: "sqlite" for a durable log, "memory" for the fallback; shown in the status bar
    kind: str

    def record(self, decision: Decision, ctx: CrossingContext, personal: PersonalData | None = None) -> Crossing:
        """Durable before it returns; raises CheckpointError when it cannot record."""
        ...

    def record_action(self, action: str, officer_id: str | None, details: Mapping[str, str]) -> None: ...

    def recent(self, limit: int) -> list[Crossing]:
        """The last ``limit`` crossings, newest first."""
        ...

    def between(self, since: datetime, until: datetime) -> Iterable[Crossing]:
        """Crossings recorded in ``[since, until)``, oldest first."""
        ...


def cannot_record(decision: Decision, error: CheckpointError) -> Decision:
    """The REJECT an officer sees when the log refused: admitting unrecorded is never an option."""
    return Decision(Verdict.REJECT, Reason.CANNOT_RECORD, f"cannot record: {error} — do not admit; call the supervisor",
                    decision.evaluated_at, decision.format, decision.kid, decision.pass_, decision.flags,
                    decision.rules_applied)


def record_or_refuse(log: CrossingRecorder, decision: Decision, ctx: CrossingContext,
                     personal: PersonalData | None) -> tuple[Decision, Crossing | None]:
    """Record, and return what to show: the decision (flagged duplicate if the log says so), or a
    CANNOT_RECORD reject when the log failed."""
    try:
        crossing = log.record(decision, ctx, personal)
    except CheckpointError as e:
        return cannot_record(decision, e), None
    if Flag.DUPLICATE.value in crossing.flags and Flag.DUPLICATE not in decision.flags:
        decision = decision.with_flag(Flag.DUPLICATE)
    return decision, crossing


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


class MemoryRecorder:
    """Crossings in memory with the log's duplicate rule (same pass within ``duplicate_window``)."""

    kind = "memory"

    def __init__(self, station_id: str, hmac_key: bytes, duplicate_window: timedelta = timedelta(minutes=10),
                 capacity: int = 100_000) -> None:
        self.station_id = station_id
        self._key = hmac_key
        self.window = duplicate_window
        self._rows: deque[Crossing] = deque(maxlen=capacity)
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self.actions: list[tuple[str, str | None, dict[str, str]]] = []
        self.fail_with: CheckpointError | None = None  # tests: make the next records fail

    def _hash(self, value: bytes) -> str:
        return hmac.new(self._key, value, hashlib.sha256).hexdigest()

    def record(self, decision: Decision, ctx: CrossingContext, personal: PersonalData | None = None) -> Crossing:
        if self.fail_with is not None:
            raise self.fail_with
        p = decision.pass_
        pass_hash = self._hash(p.pass_id) if p is not None else None
        id_number = personal.id_number if personal else (p.subject.id_number if p else None)
        flags = set(decision.flags)
        if ctx.manual:
            flags.add(Flag.MANUAL)
        with self._lock:
            if pass_hash is not None and decision.accepted:
                last = self._seen.get(pass_hash)
                if last is not None and decision.evaluated_at - last < self.window:
                    flags.add(Flag.DUPLICATE)
                self._seen[pass_hash] = decision.evaluated_at
            d = replace(decision, flags=frozenset(flags))
            prev = self._rows[-1].hash if self._rows else "0" * 64
            seq = self._rows[-1].seq + 1 if self._rows else 1
            body = f"{prev}|{seq}|{d.verdict}|{d.reason}|{_iso(d.evaluated_at)}"
            crossing = Crossing(
                id=str(uuid.uuid4()), seq=seq, station_id=self.station_id, officer_id=ctx.officer_id,
                lane=ctx.lane, direction=ctx.direction, recorded_at=_iso(d.evaluated_at),
                system_time=_iso(ctx.system_time), clock_suspect=ctx.clock_suspect, format=d.format,
                kid=d.kid.hex() if d.kid else None, verdict=d.verdict.value,
                reason=d.reason.value if d.reason else None, display=d.display.value, rule=d.rule,
                rules_applied=d.rules_applied, flags=tuple(sorted(f.value for f in flags)), manual=ctx.manual,
                category=p.subject.category if p else None, expires=_iso(p.expires) if p else None,
                pass_id_hash=pass_hash, id_number_hash=self._hash(id_number.encode()) if id_number else None,
                sealed=None, prev_hash=prev, hash=hashlib.sha256(body.encode()).hexdigest(),
            )
            self._rows.append(crossing)
            return crossing

    def record_action(self, action: str, officer_id: str | None, details: Mapping[str, str]) -> None:
        with self._lock:
            self.actions.append((action, officer_id, dict(details)))

    def recent(self, limit: int) -> list[Crossing]:
        with self._lock:
            return list(reversed(list(self._rows)[-limit:]))

    def between(self, since: datetime, until: datetime) -> list[Crossing]:
        with self._lock:
            return [c for c in self._rows if since <= parse_instant(c.recorded_at) < until]
