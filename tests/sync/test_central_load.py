"""The central load generator in miniature: enrolled stations, two API processes, one SIGKILLed.

A real ``checkpoint server run --workers 2`` in its own processes, real signed requests and replies, a real
SIGKILL: every crossing a station saw acknowledged (a signed reply naming its hash) is in the database exactly
once, and every station's retries bring the server's cursor to its last crossing. On SQLite always; on a
throwaway PostgreSQL cluster (restarted mid-run) where the server has the PostgreSQL storage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.central_load import LoadConfig, check, open_storage, run


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fault_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    if request.param == "postgres" and shutil.which("pg_ctl") is None and not list(
            Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        pytest.skip("PostgreSQL's server programs (pg_ctl, initdb) are not installed")
    cfg = LoadConfig(stations=20, interval=1.0, crossings=6, duration=6.0, workers=2, faults=True, drain=120.0,
                     connections=20, database=request.param, work=tmp_path_factory.mktemp("central-load"),
                     quiet=True)
    return run(cfg)


def test_a_killed_api_process_loses_no_acknowledged_crossing(fault_run: object) -> None:
    from bench.central_load import RunResult

    assert isinstance(fault_run, RunResult)
    r = fault_run
    assert r.killed is not None, r.events  # an API process really was SIGKILLed mid-run
    assert r.stats.rounds > 20 and r.stats.crossings_acked > 100, (r.stats, r.events)
    k = r.check
    assert k.acknowledged > 100
    assert (k.missing, k.duplicates, k.mismatched, k.unknown, k.lost_acks) == (0, 0, 0, 0, 0), k
    assert k.held_once == k.acknowledged == k.created == k.rows, k
    assert k.exactly_once


def test_every_station_converges_after_the_kill(fault_run: object) -> None:
    from bench.central_load import RunResult

    assert isinstance(fault_run, RunResult)
    assert fault_run.check.converged == fault_run.check.stations == 20, fault_run.check
    assert fault_run.check.passed


def test_the_check_sees_a_lost_acknowledged_crossing(fault_run: object) -> None:
    """The PASS is not vacuous: a crossing gone from the database after its acknowledgement is found."""
    from bench.central_load import RunResult

    assert isinstance(fault_run, RunResult) and fault_run.data_dir is not None
    if fault_run.config.database != "sqlite":
        pytest.skip("deletes the row through SQLite")
    storage = open_storage(Path(fault_run.data_dir), "sqlite")
    try:
        victim = fault_run.stations[3]
        storage._db.execute("DELETE FROM crossings WHERE station_id = ? AND seq = 2", (victim.station_id,))
        found = check(storage, fault_run.stations, 0)
    finally:
        storage.close()
    assert (found.missing, found.held_once) == (1, fault_run.check.held_once - 1)
    assert not found.exactly_once and not found.passed


def test_expired_nonces_are_found_by_index_not_by_a_scan(tmp_path: Path) -> None:
    """Every signed request deletes expired nonces: at 10,000 stations the table holds 10 minutes of requests
    (~600,000 rows), and a scan of it under the write lock took 190 ms per request (bench/central_load.py)."""
    from sync.server.storage import SQLiteStorage

    storage = SQLiteStorage(tmp_path / "server.sqlite")
    try:
        plan = storage._db.execute("EXPLAIN QUERY PLAN DELETE FROM nonces WHERE seen_at < ?", ("x",)).fetchall()
    finally:
        storage.close()
    text = " ".join(str(row[-1]) for row in plan)
    assert "INDEX nonces_seen" in text, text


def test_workers_out_of_range_are_refused_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checkpoint.cli import main

    assert main(["server", "run", "--data-dir", str(tmp_path), "--workers", "0"]) != 0
    assert "--workers must be between 1 and 64" in capsys.readouterr().err
