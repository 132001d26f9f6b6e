"""The clock guard's memory: a persisted high-water mark of trusted time (see ``checkpoint.clock``).

``clock.json`` holds the mark, what set it, and the history of supervisor corrections (old and new mark,
who, when). The mark only rises on its own; only :meth:`ClockGuard.reset` (a supervisor action, recorded
in the crossing log by its caller) lowers it. Another process's write (``checkpoint clock reset`` while
the app runs, a list installed from the command line) is picked up within ``check_interval`` seconds.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checkpoint.atomic import write_atomic
from checkpoint.clock import Clock, TimeAssessment, assess
from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z

log = logging.getLogger(__name__)

#: The mark is written when it has moved at least this far, so a busy lane does not write per scan.
PERSIST_STEP = timedelta(seconds=60)
#: Corrections kept in clock.json (the crossing log keeps them all).
MAX_HISTORY = 100

Stamp = tuple[int, int, int] | None


def file_stamp(path: Path) -> Stamp:
    """(mtime_ns, size, inode) of a file, None when it does not exist: a cheap "did it change" check."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class ClockGuard:
    def __init__(self, path: Path | None, clock: Clock, tolerance: timedelta, *, check_interval: float = 1.0) -> None:
        self.path, self.clock, self.tolerance = path, clock, tolerance
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self.high_water: datetime | None = None
        self.source: str | None = None
        self.history: list[dict[str, Any]] = []  # the last MAX_HISTORY corrections
        self.corrections = 0  # corrections ever made: only grows (the history is capped, so not its length)
        self._persisted: datetime | None = None
        self._stamp: Stamp = None
        self._next_check = 0.0
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        self._stamp = file_stamp(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            mark = doc.get("high_water")
            self.high_water = datetime.fromisoformat(mark).astimezone(UTC) if mark is not None else None
            self.source = str(doc.get("source", ""))
            history = doc.get("history", [])
            self.history = [h for h in history if isinstance(h, dict)] if isinstance(history, list) else []
            count = doc.get("corrections", len(self.history))
            self.corrections = count if isinstance(count, int) and count >= len(self.history) else len(self.history)
            self._persisted = self.high_water
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            # A damaged mark only loses protection against a stale clock; say so, carry on.
            log.warning("clock guard: %s is unreadable (%s); starting without a high-water mark", path, e)

    def _follow_file(self) -> None:
        """Under the lock: take in another process's write to clock.json (a correction, a higher mark)."""
        if self.path is None:
            return
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.check_interval
        stamp = file_stamp(self.path)
        if stamp == self._stamp or stamp is None:
            return
        mine, known = (self.high_water, self.source, self._persisted), self.corrections
        self._load(self.path)
        corrected = self.corrections > known
        if not corrected and mine[0] is not None and (self.high_water is None or mine[0] > self.high_water):
            self.high_water, self.source, self._persisted = mine  # a plain write of an older mark: keep ours

    def assess(self) -> TimeAssessment:
        with self._lock:
            self._follow_file()
            return assess(self.clock.now(), self.high_water, self.tolerance)

    def observe(self, trusted: datetime, source: str) -> None:
        """Raise the mark to ``trusted`` (a signed list's issue time, server time, a crossing)."""
        with self._lock:
            self._follow_file()
            if self.high_water is not None and trusted <= self.high_water:
                return
            self.high_water, self.source = trusted, source
            if self.path is None:
                return
            if self._persisted is not None and trusted - self._persisted < PERSIST_STEP:
                return
            try:
                self._write()
            except OSError as e:
                log.warning("clock guard: cannot write %s (%s)", self.path, e.strerror)

    def reset(self, new_mark: datetime | None, *, by: str, via: str) -> tuple[datetime | None, datetime | None]:
        """A supervisor's correction of a wrong mark: set it to ``new_mark`` (None: no mark until the next
        trusted time). Returns (old, new). The caller records the correction in the crossing log first."""
        with self._lock:
            self._follow_file()
            old = self.high_water
            entry = {"at": iso_z(self.clock.now()), "old": iso_z(old), "new": iso_z(new_mark), "by": by, "via": via}
            self.history = [*self.history, entry][-MAX_HISTORY:]
            self.corrections += 1
            self.high_water, self.source = new_mark, f"reset by {by}"
            if self.path is not None:
                try:
                    self._write()
                except OSError as e:
                    raise CheckpointError(f"cannot write the clock mark {self.path} ({e.strerror})") from None
            return old, new_mark

    def _write(self) -> None:
        assert self.path is not None
        doc: dict[str, Any] = {"high_water": iso_z(self.high_water), "source": self.source}
        if self.history:
            doc["history"] = self.history
            doc["corrections"] = self.corrections
        if self.high_water is None:
            doc.pop("high_water")
        write_atomic(self.path, json.dumps(doc, indent=1).encode())
        self._persisted = self.high_water
        self._stamp = file_stamp(self.path)


#: The crossing log's ``record_action`` (action, officer id, details): raises when it cannot record.
RecordAction = Callable[[str, "str | None", Mapping[str, str]], None]
RESET_ACTION = "clock_reset"


def correct_mark(guard: ClockGuard, record_action: RecordAction, supervisor_id: str, new_mark: datetime | None,
                 via: str) -> tuple[datetime | None, datetime | None]:
    """A supervisor corrects a wrong high-water mark. The correction is recorded in the crossing log's
    action chain first (old mark, new mark, system time): one that cannot be recorded is not made."""
    old = guard.high_water
    record_action(RESET_ACTION, supervisor_id, {
        "old_mark": iso_z(old) or "none", "new_mark": iso_z(new_mark) or "none",
        "system_time": iso_z(guard.clock.now()) or "", "via": via,
    })
    return guard.reset(new_mark, by=supervisor_id, via=via)
