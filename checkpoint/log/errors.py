"""Why the crossing log could not record, in words an officer can act on.

A :class:`LogError` means the station cannot keep its record, so it must not admit anyone: the caller
turns it into a REJECT with reason ``CANNOT_RECORD`` (see :func:`checkpoint.log.refuse.record_or_refuse`).
``code`` is a stable key the terminal UI translates; ``cause`` is the short English phrase; ``str(error)``
is the full message with what to do. None of them ever holds personal data.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from checkpoint.errors import CheckpointError

#: code -> (short cause, what to do). The UI translates by code.
CAUSES: dict[str, tuple[str, str]] = {
    "disk_full": ("disk full", "free space on the station's disk or replace the storage card"),
    "read_only": ("storage is read-only", "the storage card may be failing or write-protected; replace it"),
    "locked": ("log is busy", "another program holds the log; close it (or restart the station)"),
    "corrupt": ("log is damaged", "move the damaged file aside and restore the latest backup"),
    "tampered": ("log was altered", "do not delete anything; keep the file for investigation"),
    "replaced": ("the crossing log was replaced or cut back", "call the supervisor"),
    "io": ("storage error", "the storage card may be failing; restart the station or replace it"),
    "wrong_station": ("log belongs to another station", "check the station id and the data folder"),
    "too_new": ("log written by a newer version", "update the station software"),
    "invalid": ("invalid entry", "check the values entered"),
    "missing": ("no crossing log here", "check the data folder (--data-dir) or the [log] path"),
    "closed": ("log is closed", "restart the station"),
}


class LogError(CheckpointError):
    """The crossing log cannot record (or cannot be opened). Never carries personal data."""

    def __init__(self, code: str, detail: str, *, path: Path | None = None) -> None:
        cause, todo = CAUSES.get(code, ("storage error", "call the supervisor"))
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}crossing log: {cause} ({detail}); {todo}")
        self.code, self.cause, self.detail, self.path = code, cause, detail, path


def from_sqlite(error: sqlite3.Error, path: Path | None) -> LogError:
    """Map an SQLite failure to a LogError by its result code (SQLite messages hold no row values)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_FSYNC -> SQLITE_IOERR
    code = _PRIMARY.get(primary, "io")
    return LogError(code, name or type(error).__name__, path=path)


_PRIMARY = {
    "SQLITE_FULL": "disk_full",
    "SQLITE_READONLY": "read_only",
    "SQLITE_PERM": "read_only",
    "SQLITE_CANTOPEN": "read_only",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_CORRUPT": "corrupt",
    "SQLITE_NOTADB": "corrupt",
    "SQLITE_IOERR": "io",
}


def os_error_code(error: OSError) -> str:
    """The LogError code for a failed file operation (creating the data folder, writing a backup)."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "read_only"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk_full"
    return "io"
