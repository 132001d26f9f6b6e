"""Files holding personal data are the owner's only (issue 12, item 9): exports, their manifests, log
backups (from their first byte, not after the copy) and the central server's database."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.export import CrossingFilter, ExportRequest, Format, export
from checkpoint.export._source import rows_of
from checkpoint.export.manifest import manifest_path
from checkpoint.log import CrossingLog
from sync.server.export import write_export
from sync.server.storage import SQLiteStorage
from tests.export.crossing_rows import T0, crossings
from tests.log.conftest import NOW, Passes, ctx

SUPERVISOR = sealing.generate()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def usual_umask() -> object:
    old = os.umask(0o022)  # what a service or a login shell has: files 0644 unless asked otherwise
    yield
    os.umask(old)


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("personal", [False, True])
def test_exports_and_their_manifests_are_0600(tmp_path: Path, fmt: Format, personal: bool) -> None:
    out = tmp_path / f"x.{fmt.value}"
    req = ExportRequest(out, fmt, UTC, "UTC", CrossingFilter(), "vi")
    export(rows_of(crossings(3, seal_to=SUPERVISOR.public_key())), req, station_id="HN-QL1A-01",
           station_key=Ed25519PrivateKey.generate(), clock=FixedClock(T0), exported_by="GS-01",
           supervisor_key=SUPERVISOR if personal else None, audit=lambda action, details: None)
    assert mode(out) == 0o600
    assert mode(manifest_path(out)) == 0o600


def test_an_overwritten_export_is_0600_too(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    out.write_text("old")
    os.chmod(out, 0o644)
    req = ExportRequest(out, Format.CSV, UTC, "UTC", CrossingFilter(), "vi", overwrite=True)
    export(rows_of(crossings(2)), req, station_id="S", station_key=Ed25519PrivateKey.generate(), clock=FixedClock(T0))
    assert mode(out) == 0o600


def test_server_export_is_0600(tmp_path: Path) -> None:
    out = tmp_path / "central.csv"
    rows = [c.to_wire() for c in crossings(3, seal_to=SUPERVISOR.public_key())]
    write_export(rows, out, "csv", SUPERVISOR)
    assert mode(out) == 0o600


def test_backup_is_0600_while_it_is_written(tmp_path: Path) -> None:
    passes = Passes()
    log = CrossingLog.open(tmp_path / "log.sqlite", station_id="S-1", seal_to=SUPERVISOR.public_key(),
                           hmac_key=b"k" * 32, clock=FixedClock(NOW))
    with log:
        for _ in range(20):
            log.record(passes.decide(), ctx())
        dest = tmp_path / "backups" / "copy.sqlite"
        modes: list[int] = []

        def seen(done: int, total: int) -> None:
            modes.extend(mode(p) for p in dest.parent.iterdir())  # the temporary copy, holding personal data

        log.backup(dest, seen)
    assert modes and all(m == 0o600 for m in modes), [oct(m) for m in modes]
    assert mode(dest) == 0o600


def test_server_database_and_its_wal_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "server" / "server.sqlite"
    s = SQLiteStorage(path)
    now = datetime.now(UTC)
    s.enroll(s.create_token(now, timedelta(hours=1)), "ST-1", "key", now)
    try:
        for f in (path, path.with_name("server.sqlite-wal"), path.with_name("server.sqlite-shm")):
            assert f.exists() and mode(f) == 0o600, (f, oct(mode(f)))
    finally:
        s.close()


def test_a_server_database_left_world_readable_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    SQLiteStorage(path).close()
    assert mode(path) == 0o600
