"""WAL checkpoints off the recording path.

SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past its threshold: that
commit copies pages back into the database and fsyncs it, a latency spike roughly every hundred
crossings, which lands squarely on the p99 an officer feels. The station's connection therefore
checkpoints only as a backstop (a large threshold), and this thread, with its own connection, runs
PASSIVE checkpoints (which never block a writer) after a number of commits or a short idle time.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

BACKSTOP_PAGES = 20_000  # the recording connection's own auto-checkpoint, should this thread stall


class Checkpointer:
    def __init__(self, path: Path, *, every_commits: int = 200, idle_seconds: float = 2.0) -> None:
        self.path = path
        self.every_commits = every_commits
        self.idle_seconds = idle_seconds
        self._pending = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.checkpoints = 0  # how many ran (tests, status)
        self.ran = threading.Event()  # set after each checkpoint (tests wait on it instead of sleeping)
        self._thread = threading.Thread(target=self._run, name="log-checkpointer", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Called after each commit; wakes the thread once enough pages have piled up."""
        with self._lock:
            self._pending += 1
            due = self._pending >= self.every_commits
        if due:
            self._wake.set()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as e:
            log.warning("crossing log checkpointer could not start (%s); SQLite's own checkpoints remain",
                        getattr(e, "sqlite_errorname", type(e).__name__))
            return
        try:
            while not self._stopping.is_set():
                self._wake.wait(self.idle_seconds)
                self._wake.clear()
                self._checkpoint(conn)
            self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            pending, self._pending = self._pending, 0
        if not pending:
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.checkpoints += 1
            self.ran.set()
        except sqlite3.Error as e:  # the recording path reports storage problems itself
            log.warning("crossing log checkpoint failed (%s)", getattr(e, "sqlite_errorname", type(e).__name__))

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=10)
