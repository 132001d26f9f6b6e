"""The clock guard's memory: a persisted high-water mark of trusted time (see ``checkpoint.clock``)."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.clock import Clock, TimeAssessment, assess

log = logging.getLogger(__name__)

#: The mark is written when it has moved at least this far, so a busy lane does not write per scan.
PERSIST_STEP = timedelta(seconds=60)


class ClockGuard:
    def __init__(self, path: Path | None, clock: Clock, tolerance: timedelta) -> None:
        self.path, self.clock, self.tolerance = path, clock, tolerance
        self._lock = threading.Lock()
        self.high_water: datetime | None = None
        self.source: str | None = None
        self._persisted: datetime | None = None
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            self.high_water = datetime.fromisoformat(doc["high_water"]).astimezone(UTC)
            self.source = str(doc.get("source", ""))
            self._persisted = self.high_water
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as e:
            # A damaged mark only loses protection against a stale clock; say so, carry on.
            log.warning("clock guard: %s is unreadable (%s); starting without a high-water mark", path, e)

    def assess(self) -> TimeAssessment:
        with self._lock:
            return assess(self.clock.now(), self.high_water, self.tolerance)

    def observe(self, trusted: datetime, source: str) -> None:
        """Raise the mark to ``trusted`` (a signed list's issue time, server time, a crossing)."""
        with self._lock:
            if self.high_water is not None and trusted <= self.high_water:
                return
            self.high_water, self.source = trusted, source
            if self.path is None:
                return
            if self._persisted is not None and trusted - self._persisted < PERSIST_STEP:
                return
            doc = {"high_water": trusted.isoformat(), "source": source}
            try:
                write_atomic(self.path, json.dumps(doc).encode())
                self._persisted = trusted
            except OSError as e:
                log.warning("clock guard: cannot write %s (%s)", self.path, e.strerror)
