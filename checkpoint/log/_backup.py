"""Backups through SQLite's online backup API only: a consistent copy while the station records.

Copying the file with ``cp`` while the station writes (or without its ``-wal`` file) can give a torn
or stale copy; the backup API copies pages under SQLite's own locking. The copy is written to a
temporary file beside ``dest``, checked, made durable and renamed, so ``dest`` is whole or absent.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from checkpoint.log._errors import LogError, from_sqlite, os_error_code

#: All pages in one step: a source written to by another connection between steps would restart the
#: copy (SQLite's rule), and the station never stops writing.
PAGES_PER_STEP = -1


def backup_to(source: sqlite3.Connection, dest: Path, source_path: Path,
              progress: Callable[[int, int], None] | None = None) -> None:
    if dest.resolve() == source_path.resolve():
        raise LogError("invalid", "the backup must go to another file than the log itself", path=dest)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # personal data: 0600 from the start
        target = sqlite3.connect(tmp)  # SQLite gives its journal the same mode
        try:
            def step(status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            source.backup(target, pages=PAGES_PER_STEP, progress=step)
            target.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
            if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise LogError("corrupt", "the backup copy failed its check", path=dest)
        finally:
            target.close()
        os.chmod(tmp, 0o600)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        dfd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except sqlite3.Error as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise from_sqlite(e, dest) from None
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise LogError(os_error_code(e), e.strerror or str(e), path=dest) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
