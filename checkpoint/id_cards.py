"""The chip ID card (CCCD) at the lane: compared with the pass scanned just before it, never a pass itself.

The station keeps, per lane, the personal data of the last authentic pass (name, national id, birth
date) for :data:`WINDOW`, in memory only. A CCCD scanned on that lane within the window is compared with
it (:func:`checkpoint.formats.cccd.compare`); without one the scan is "an ID card, not a pass". Each scan
is recorded in the log's action trail (``id_card_check``: the result, the fields that differ and the
crossing compared with), never the card's content: nothing the card says is stored, in clear or sealed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkpoint.errors import MalformedPass
from checkpoint.formats import cccd
from checkpoint.log import CrossingLog, LogError
from checkpoint.model import Subject

#: how long after a pass a CCCD is compared with it ("right after": the same person at the same lane)
WINDOW = timedelta(seconds=60)
ACTION = "id_card_check"


@dataclass(frozen=True)
class PassSeen:
    """The personal data of the last authentic pass at a lane (memory only)."""

    at: datetime
    crossing_id: str | None
    name: str | None
    id_number: str | None
    birth_date: str | None


@dataclass(frozen=True)
class IdCardScan:
    """What scanning a CCCD gave: the card (None: unreadable, ``problem`` says why), the comparison with
    the lane's recent pass (None: there was none), and whether the check was recorded."""

    card: cccd.IdCard | None
    problem: str | None = None
    comparison: cccd.Comparison | None = None
    crossing_id: str | None = None  # the pass's crossing it was compared with
    recorded: bool = False

    @property
    def result(self) -> str:
        """``damaged``, ``no_pass``, or the comparison's ``match`` / ``mismatch`` / ``unchecked``."""
        if self.card is None:
            return "damaged"
        return "no_pass" if self.comparison is None else self.comparison.result


class IdCards:
    """The lanes' recent passes and the CCCD checks against them (thread-safe: the app's workers call it)."""

    def __init__(self, log: CrossingLog, window: timedelta = WINDOW) -> None:
        self.log, self.window = log, window
        self._lock = threading.Lock()
        self._recent: dict[str, PassSeen] = {}

    def pass_seen(self, subject: Subject, lane: str, at: datetime, crossing_id: str | None) -> None:
        """An authentic pass was scanned at ``lane``: the next CCCD there (within the window) is compared with it."""
        with self._lock:
            self._recent[lane] = PassSeen(at, crossing_id, subject.name, subject.id_number, subject.birth_date)

    def recent(self, lane: str, now: datetime) -> PassSeen | None:
        with self._lock:
            seen = self._recent.get(lane)
            if seen is not None and not (seen.at <= now <= seen.at + self.window):
                del self._recent[lane]  # gone: the personal data is not kept longer than it is useful
                seen = None
            return seen

    def scan(self, text: str, officer_id: str | None, lane: str, now: datetime) -> IdCardScan:
        """Read a CCCD text, compare it with the lane's recent pass, and record the check (never its data)."""
        try:
            card = cccd.parse(text)
        except MalformedPass as e:
            return self._record(IdCardScan(None, str(e)), officer_id, lane)
        seen = self.recent(lane, now)
        if seen is None:
            return self._record(IdCardScan(card), officer_id, lane)
        comparison = cccd.compare(card, name=seen.name, id_number=seen.id_number, birth_date=seen.birth_date)
        return self._record(IdCardScan(card, None, comparison, seen.crossing_id), officer_id, lane)

    def _record(self, scan: IdCardScan, officer_id: str | None, lane: str) -> IdCardScan:
        details = {"result": scan.result, "lane": lane}
        if scan.comparison is not None:
            details["differs"] = ",".join(scan.comparison.mismatched)
            details["not_on_pass"] = ",".join(scan.comparison.unchecked)
        if scan.crossing_id is not None:
            details["crossing"] = scan.crossing_id
        try:
            self.log.record_action(ACTION, officer_id, details)
        except LogError:
            return scan  # shown all the same; recorded stays False
        return IdCardScan(scan.card, scan.problem, scan.comparison, scan.crossing_id, recorded=True)
