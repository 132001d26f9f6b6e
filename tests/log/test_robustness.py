"""Full disk, read-only storage, a locked or corrupt log: a clear error, a refusal to admit, nothing lost.

Where the machine lets the test mount a small tmpfs (root with CAP_SYS_ADMIN), the full disk and the
read-only file system are real; elsewhere those cases are skipped and the SQLite-level ones still run.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.decision import Reason, Verdict
from checkpoint.log import CrossingLog, LogError, record_or_refuse
from tests.log.conftest import Passes, ctx, open_log


@contextlib.contextmanager
def small_fs(where: Path, size: str = "512k") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                       capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _assert_refused(log: CrossingLog, passes: Passes, code: str) -> None:
    with pytest.raises(LogError) as e:
        log.record(passes.decide(), ctx())
    assert e.value.code == code, str(e.value)
    shown, crossing = record_or_refuse(log, passes.decide(), ctx())
    assert crossing is None and shown.verdict is Verdict.REJECT and shown.reason is Reason.CANNOT_RECORD
    assert shown.display.value == "REJECT" and "do not admit" in shown.detail


def test_database_full_refuses_and_loses_nothing(log: CrossingLog, passes: Passes, log_path: Path,
                                                 supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    kept = [log.record(passes.decide(), ctx()) for _ in range(3)]
    pages = log._c().execute("PRAGMA page_count").fetchone()[0]
    log._c().execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full" (SQLITE_FULL)
    with pytest.raises(LogError) as e:
        for _ in range(200):
            kept.append(log.record(passes.decide(), ctx()))
    assert e.value.code == "disk_full" and "disk full" in str(e.value)
    _assert_refused(log, passes, "disk_full")
    log.close()
    with open_log(log_path, supervisor, clock) as again:
        assert list(again.crossings()) == kept and again.verify_chain().ok
        again.record(passes.decide(), ctx())


def test_real_full_disk(tmp_path: Path, passes: Passes, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    with small_fs(tmp_path / "mnt") as mnt:
        path = mnt / "crossings.sqlite"
        log = open_log(path, supervisor, clock)
        kept = [log.record(passes.decide(), ctx()) for _ in range(3)]
        filler = mnt / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        with pytest.raises(LogError) as e:
            for _ in range(500):
                kept.append(log.record(passes.decide(), ctx()))
        assert e.value.code in ("disk_full", "io"), str(e.value)
        _assert_refused(log, passes, e.value.code)
        filler.unlink()  # the officer frees space: recording resumes, nothing was lost
        kept.append(log.record(passes.decide(), ctx()))
        assert list(log.crossings()) == kept and log.verify_chain().ok
        log.close()


def test_read_only_file_system(tmp_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                               clock: FixedClock) -> None:
    """A storage card that fails read-only (as SD cards do): the station refuses; tools can still read it."""
    with small_fs(tmp_path / "mnt", "4m") as mnt:
        path = mnt / "crossings.sqlite"
        with open_log(path, supervisor, clock) as log:
            kept = [log.record(passes.decide(), ctx())]
        r = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, check=False)
        if r.returncode != 0:
            pytest.skip("cannot remount read-only here")
        try:
            with pytest.raises(LogError) as e:
                open_log(path, supervisor, clock)
            assert e.value.code in ("read_only", "io"), str(e.value)
            with CrossingLog.open_readonly(path, clock=clock) as ro:
                assert list(ro.crossings()) == kept
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(mnt)], capture_output=True, check=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder(tmp_path: Path, passes: Passes, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    with pytest.raises(LogError) as e:
        open_log(folder / "crossings.sqlite", supervisor, clock)
    assert e.value.code == "read_only"


def test_locked_log_refuses_after_the_timeout(log_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                                              clock: FixedClock) -> None:
    log = open_log(log_path, supervisor, clock, busy_timeout=0.05)
    log.record(passes.decide(), ctx())
    other = sqlite3.connect(log_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        _assert_refused(log, passes, "locked")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert log.record(passes.decide(), ctx()).seq == 2
    log.close()


def test_garbage_file_is_refused_clearly(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    log_path.parent.mkdir(parents=True)
    log_path.write_bytes(b"this is not a database, it is a photograph of a cat" * 100)
    with pytest.raises(LogError) as e:
        open_log(log_path, supervisor, clock)
    assert e.value.code == "corrupt" and "restore the latest backup" in str(e.value)


def test_damaged_pages_fail_quick_check(log_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                                        clock: FixedClock) -> None:
    with open_log(log_path, supervisor, clock) as log:
        for _ in range(300):
            log.record(passes.decide(), ctx())
    with sqlite3.connect(log_path) as conn:  # fold the WAL into the main file, then damage it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = log_path.stat().st_size
    with open(log_path, "r+b") as f:
        for offset in range(4096 * 2, size, 4096 * 3):
            f.seek(offset + 100)
            f.write(os.urandom(64))
    with pytest.raises(LogError) as e:
        open_log(log_path, supervisor, clock)
    assert e.value.code == "corrupt"


def test_a_large_log_is_checked_in_the_background_and_refuses_once_damage_is_found(
        log_path: Path, passes: Passes, supervisor: X25519PrivateKey, clock: FixedClock) -> None:
    with open_log(log_path, supervisor, clock) as log:
        for _ in range(600):
            log.record(passes.decide(), ctx())
    with sqlite3.connect(log_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open_log(log_path, supervisor, clock, sync_check_max_bytes=0) as log:  # a sound log: recording goes on
        assert log.wait_for_integrity_check(30) == "ok"
        log.record(passes.decide(), ctx())
    with sqlite3.connect(log_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = log_path.stat().st_size // 4096
    with open(log_path, "r+b") as f:  # damage one page in the middle of the crossings, not the newest rows
        f.seek((pages // 2) * 4096)  # the page header and cell pointers: what quick_check reads
        f.write(os.urandom(256))
    with open_log(log_path, supervisor, clock, sync_check_max_bytes=0) as log:
        assert log.wait_for_integrity_check(30) == "corrupt"
        with pytest.raises(LogError) as e:
            log.record(passes.decide(), ctx())
        assert e.value.code == "corrupt"
        shown, crossing = record_or_refuse(log, passes.decide(), ctx())
        assert crossing is None and shown.reason is Reason.CANNOT_RECORD
