"""Why the crossing log could not record, in words an officer can act on.

A :class:`LogError` means the station cannot keep its record, so it must not admit anyone: the caller
turns it into a REJECT with reason ``CANNOT_RECORD`` (see :func:`checkpoint.log._refuse.record_or_refuse`).
``code`` is a :class:`LogErrorCode`, a value that travels with the refusal (in the decision's grounds) to
every screen, which translates it (``logerr.<code>`` in :mod:`checkpoint.words`); nothing reads it back
out of English text. ``cause`` is the short English phrase; ``str(error)`` is the full message with what
to do. None of them ever holds personal data.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum
from pathlib import Path

from checkpoint.errors import CheckpointError


class LogErrorCode(StrEnum):
    """Why the log cannot record, as a value (its words: ``logerr.<code>``)."""

    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    LOCKED = "locked"
    CORRUPT = "corrupt"
    TAMPERED = "tampered"
    REPLACED = "replaced"
    IO = "io"
    WRONG_STATION = "wrong_station"
    TOO_NEW = "too_new"
    INVALID = "invalid"
    MISSING = "missing"
    CLOSED = "closed"
    INTERNAL = "internal"  # not a storage failure: a fault while recording (never admits either)


#: code -> (short cause, what to do).
CAUSES: dict[LogErrorCode, tuple[str, str]] = {
    LogErrorCode.DISK_FULL: ("disk full", "free space on the station's disk or replace the storage card"),
    LogErrorCode.READ_ONLY: ("storage is read-only", "the storage card may be failing or write-protected; replace it"),
    LogErrorCode.LOCKED: ("log is busy", "another program holds the log; close it (or restart the station)"),
    LogErrorCode.CORRUPT: ("log is damaged", "move the damaged file aside and restore the latest backup"),
    LogErrorCode.TAMPERED: ("log was altered", "do not delete anything; keep the file for investigation"),
    LogErrorCode.REPLACED: ("the crossing log was replaced or cut back", "call the supervisor"),
    LogErrorCode.IO: ("storage error", "the storage card may be failing; restart the station or replace it"),
    LogErrorCode.WRONG_STATION: ("log belongs to another station", "check the station id and the data folder"),
    LogErrorCode.TOO_NEW: ("log written by a newer version", "update the station software"),
    LogErrorCode.INVALID: ("invalid entry", "check the values entered"),
    LogErrorCode.MISSING: ("no crossing log here", "check the data folder (--data-dir) or the [log] path"),
    LogErrorCode.CLOSED: ("log is closed", "restart the station"),
    LogErrorCode.INTERNAL: ("internal error", "call the supervisor"),
}


class LogError(CheckpointError):
    """The crossing log cannot record (or cannot be opened). Never carries personal data."""

    def __init__(self, code: LogErrorCode | str, detail: str, *, path: Path | None = None) -> None:
        """``code``: a :class:`LogErrorCode` (its text value is accepted too; an unknown one is ``io``)."""
        known = code in LogErrorCode.__members__.values()
        typed = LogErrorCode(code) if known else LogErrorCode.IO
        cause, todo = CAUSES[typed] if known else ("storage error", "call the supervisor")
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}crossing log: {cause} ({detail}); {todo}")
        self.code: LogErrorCode = typed
        self.cause, self.detail, self.path = cause, detail, path


def from_sqlite(error: sqlite3.Error, path: Path | None) -> LogError:
    """Map an SQLite failure to a LogError by its result code (SQLite messages hold no row values)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_FSYNC -> SQLITE_IOERR
    code = _PRIMARY.get(primary, LogErrorCode.IO)
    return LogError(code, name or type(error).__name__, path=path)


_PRIMARY = {
    "SQLITE_FULL": LogErrorCode.DISK_FULL,
    "SQLITE_READONLY": LogErrorCode.READ_ONLY,
    "SQLITE_PERM": LogErrorCode.READ_ONLY,
    "SQLITE_CANTOPEN": LogErrorCode.READ_ONLY,
    "SQLITE_BUSY": LogErrorCode.LOCKED,
    "SQLITE_LOCKED": LogErrorCode.LOCKED,
    "SQLITE_CORRUPT": LogErrorCode.CORRUPT,
    "SQLITE_NOTADB": LogErrorCode.CORRUPT,
    "SQLITE_IOERR": LogErrorCode.IO,
}


def os_error_code(error: OSError) -> LogErrorCode:
    """The LogError code for a failed file operation (creating the data folder, writing a backup)."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LogErrorCode.READ_ONLY
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return LogErrorCode.DISK_FULL
    return LogErrorCode.IO
