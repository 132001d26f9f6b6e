"""What the screens need from the crossing log: "the last N" and "a day's crossings".

The app records through :class:`checkpoint.service.StationService` (decide, then record or refuse);
:class:`LogRecorder` is a thin view of ``checkpoint.log.CrossingLog`` in the shapes the screens use, and
keeps the officers' actions (sign-in, exports) without ever stopping a screen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision
from checkpoint.log import CrossingContext, CrossingLog, LogError


class LogRecorder:
    def __init__(self, log: CrossingLog) -> None:
        self.log = log
        self.last_error: LogError | None = None

    def record(self, decision: Decision, ctx: CrossingContext, personal: PersonalData | None = None) -> Crossing:
        return self.log.record(decision, ctx, personal)

    def record_action(self, action: str, officer_id: str | None, details: Mapping[str, str]) -> None:
        """Officer actions are kept, but failing to keep one never stops the screen (the crossing log
        itself fails closed; an action is context)."""
        try:
            self.log.record_action(action, officer_id, details)
        except LogError as e:
            self.last_error = e

    def recent(self, limit: int) -> list[Crossing]:
        """The last ``limit`` crossings, newest first."""
        last = self.log.last_seq
        return list(reversed(list(self.log.crossings(after_seq=max(0, last - limit), limit=limit))))

    def between(self, since: datetime, until: datetime) -> Iterator[Crossing]:
        return self.log.crossings(since=since, until=until)
