"""What the app needs from the crossing log, and the rule that nothing is admitted unrecorded.

The app records through :class:`LogRecorder`, a thin view of ``checkpoint.log.CrossingLog`` that adds
"the last N" and "a day's crossings" in the shapes the screens use. :func:`record_and_show` is the one
path from a decision to what the officer sees: the log's ``record_or_refuse`` (a recorded duplicate comes
back CHECK; a log failure comes back REJECT / CANNOT_RECORD with the log's error code for the panel).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision
from checkpoint.log import CrossingContext, CrossingLog, LogError, record_or_refuse
from checkpoint.log.errors import LogErrorCode
from checkpoint.log.refuse import log_error_of


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


@dataclass(frozen=True)
class Recorded:
    decision: Decision  # what to show
    crossing: Crossing | None  # None: not recorded (the decision is then a CANNOT_RECORD reject)
    error_code: LogErrorCode | None = None  # LogError.code when not recorded


def record_and_show(recorder: LogRecorder, decision: Decision, ctx: CrossingContext,
                    personal: PersonalData | None) -> Recorded:
    shown, crossing = record_or_refuse(recorder.log, decision, ctx, personal)
    if crossing is None:
        return Recorded(shown, None, log_error_of(shown) or LogErrorCode.IO)
    return Recorded(shown, crossing)
