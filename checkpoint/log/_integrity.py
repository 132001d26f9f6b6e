"""``PRAGMA quick_check`` of a large log in the background, started when the station starts.

``quick_check`` reads every page: at a million crossings (~800 MB) that is 1 s with the file in the
page cache but 2.5 s and more from a cold disk or SD card, too long for an officer waiting for the
first scan. Above :data:`SYNC_CHECK_MAX_BYTES` the check therefore runs on its own read-only
connection while the station comes up; the log refuses to record from the moment it reports a
problem (fail closed), and the status shows "checking" until it is done. Smaller logs are checked
before ``open`` returns, as before.

The running station also re-walks the whole hash chain in the background (``chain=True``): an edit in
the middle of the log stops recording as soon as the walk reaches it. The walk yields the processor
every few thousand rows so scanning stays responsive (100,000 crossings: about 5 s on the 2-core
reference machine).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from checkpoint.log._verify import walk_chain

SYNC_CHECK_MAX_BYTES = 128 * 2**20
QUICK_CHECK_MMAP = 4 * 2**30


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """Problems found (empty when the file is sound). Memory-mapped reads halve its time on a big log."""
    conn.execute(f"PRAGMA mmap_size={QUICK_CHECK_MMAP}")
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)")]
    finally:
        conn.execute("PRAGMA mmap_size=0")
    return [] if problems == ["ok"] else problems


class BackgroundCheck:
    """A quick_check (``quick``) and/or a chain walk (``chain``) on a separate connection; ``problems`` is
    None until it has finished; ``chain_problem`` names the first broken link the walk found."""

    def __init__(self, path: Path, *, quick: bool = True, chain: bool = False) -> None:
        self.path = path
        self.quick, self.chain = quick, chain
        self.done = threading.Event()
        self.problems: list[str] | None = None
        self.chain_problem: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-quick-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                   check_same_thread=False)
            self._conn = conn
            try:
                self.problems = quick_check(conn) if self.quick else []
                if self.chain and not self.problems:
                    report = walk_chain(conn, lambda _: time.sleep(0.001))  # let the scanning threads run
                    self.chain_problem = None if report.ok else (report.problem or "the hash chain is broken")
            finally:
                conn.close()
        except sqlite3.Error as e:
            if not self._stopping.is_set():  # interrupted because the log is closing: not a finding
                self.problems = [f"the check could not run: {e}"]
        finally:
            self.done.set()

    @property
    def state(self) -> str:
        """``checking``, ``ok``, ``corrupt`` (quick_check) or ``tampered`` (a chain break)."""
        if not self.done.is_set():
            return "checking"
        if self.problems:
            return "corrupt"
        return "tampered" if self.chain_problem else "ok"

    def join(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def stop(self) -> None:
        """Interrupt a check still running (the log is closing) and wait for its thread."""
        self._stopping.set()
        conn = self._conn
        if conn is not None and not self.done.is_set():
            conn.interrupt()
        self._thread.join()
