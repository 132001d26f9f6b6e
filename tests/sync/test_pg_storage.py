"""What only the PostgreSQL backend has: several writers at once, migrations at a concurrent start, partitions
and retention, indexes behind the export filters, connection errors, and the CLI's --database."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from checkpoint.cli import main
from sync.server.pg_storage import MIGRATIONS, PostgresStorage
from sync.server.storage import ExportFilter, Gap, SQLiteStorage, StorageError, Stored, open_storage
from tests.pg_cluster import PgCluster, free_port
from tests.sync.helpers import make_crossings

NOW = datetime.now(UTC)


@pytest.fixture
def url(pg_cluster: PgCluster) -> str:
    return pg_cluster.create_database()


@pytest.fixture
def pg(url: str) -> Iterator[PostgresStorage]:
    s = PostgresStorage(url)
    yield s
    s.close()


def enrol(s: Any, sid: str) -> None:
    assert not isinstance(s.enroll(s.create_token(NOW, timedelta(hours=1)), sid, "key", NOW), str)


def test_two_writers_uploading_one_station_at_once_store_no_gap_and_no_duplicate(url: str):
    """Two API processes (here: two storages, two pools) get the same station's batches at the same time, as
    when a station retries on another process while the first is still storing. The station's row lock makes
    them take turns: every crossing is stored exactly once, in one unbroken run."""
    writers = [PostgresStorage(url, pool_size=2), PostgresStorage(url, pool_size=2)]
    enrol(writers[0], "ST-1")
    rows = [c.to_wire() for c in make_crossings("ST-1", 400)]
    batches = [rows[i : i + 8] for i in range(0, len(rows), 8)]
    results: list[list[Any]] = [[], []]
    start = threading.Barrier(2)

    def upload(n: int) -> None:
        start.wait()
        i = 0
        while i < len(batches):
            r = writers[n].store_batch("ST-1", batches[i], NOW)
            results[n].append(r)
            i = (r.expected_seq - 1) // 8 if isinstance(r, Gap) else i + 1

    threads = [threading.Thread(target=upload, args=(n,)) for n in (0, 1)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for w in writers:
            w.close()
    stored = [r for rs in results for r in rs if isinstance(r, Stored)]
    assert all(isinstance(r, Stored | Gap) for rs in results for r in rs)  # never tampering, never an error
    assert sum(r.stored for r in stored) == 400
    with psycopg.connect(url) as conn:
        got = conn.execute("SELECT count(*), count(DISTINCT seq), min(seq), max(seq), count(DISTINCT id) "
                           "FROM crossings WHERE station_id = 'ST-1'").fetchone()
        st = conn.execute("SELECT cursor, last_hash FROM stations WHERE station_id = 'ST-1'").fetchone()
    assert got == (400, 400, 1, 400, 400)
    assert st == (400, rows[-1]["hash"])


def test_several_processes_starting_together_migrate_once(url: str):
    opened: list[Any] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(PostgresStorage(url, pool_size=1))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(opened) == 4
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT array_agg(version ORDER BY version) FROM schema_migrations").fetchone() == (
            list(range(1, len(MIGRATIONS) + 1)),)
    for s in opened:
        s.close()


def test_a_database_from_a_newer_server_is_refused(url: str):
    PostgresStorage(url).close()
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO schema_migrations (version) VALUES (99)")
    with pytest.raises(StorageError, match="newer server"):
        PostgresStorage(url)


def test_an_unreachable_database_is_a_clear_error_without_the_password():
    target = f"postgresql://checkpoint:s3cret-pw@127.0.0.1:{free_port()}/central"
    with pytest.raises(StorageError) as e:
        open_storage(target)
    text = str(e.value)
    assert "cannot open the server database" in text and "127.0.0.1" in text and "s3cret-pw" not in text


def test_crossings_land_in_monthly_partitions_and_retention_drops_whole_months(pg: PostgresStorage):
    enrol(pg, "ST-1")
    t0 = datetime(2021, 7, 31, 23, 59, 50, tzinfo=UTC)
    rows = [c.to_wire() for c in make_crossings("ST-1", 20, at=t0)]  # 9 in July, 11 in August
    received = datetime(2021, 8, 15, tzinfo=UTC)
    assert isinstance(pg.store_batch("ST-1", rows, received), Stored)
    assert pg.partitions() == ["crossings_p202107", "crossings_p202108", "crossings_p202109"]  # next month ahead
    assert pg.drop_partitions_before(datetime(2021, 8, 1, tzinfo=UTC)) == ["crossings_p202107"]
    assert pg.partitions() == ["crossings_p202108", "crossings_p202109"] and pg.count("ST-1") == 11
    more = [c.to_wire() for c in make_crossings("ST-1", 3, start=21, prev_hash=rows[-1]["hash"], at=t0)]
    assert pg.store_batch("ST-1", more, received) == Stored(23, 3, 0, more[-1]["hash"])  # the chain goes on


def plan(url: str, flt: ExportFilter) -> str:
    query, params = PostgresStorage.export_query(flt)
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")  # few rows here: ask whether an index serves the filter at all
        rows = conn.execute(psycopg.sql.SQL("EXPLAIN ") + query, params).fetchall()
    return "\n".join(r[0] for r in rows)


def test_every_export_filter_is_served_by_an_index_and_time_prunes_partitions(url: str, pg: PostgresStorage):
    enrol(pg, "ST-1")
    pg.store_batch("ST-1", [c.to_wire() for c in make_crossings("ST-1", 40, at=datetime(2021, 7, 31, tzinfo=UTC))],
                   NOW)
    pg.store_batch("ST-1", [c.to_wire() for c in make_crossings("ST-1", 1, start=41, at=datetime(2021, 9, 1,
                   tzinfo=UTC), prev_hash=pg.station("ST-1").last_hash)], NOW)  # type: ignore[union-attr]
    by_station = plan(url, ExportFilter(stations=("ST-1",)))
    assert "Index Cond: (station_id = ANY" in by_station and "Seq Scan" not in by_station
    in_july = plan(url, ExportFilter(since=datetime(2021, 7, 1, tzinfo=UTC), until=datetime(2021, 8, 1,
                                                                                        tzinfo=UTC)))
    assert "crossings_p202107" in in_july and "crossings_p202108" not in in_july
    assert "crossings_p202109" not in in_july and "crossings_other" not in in_july  # pruned
    assert "Index" in in_july and "Seq Scan" not in in_july
    rejects = plan(url, ExportFilter(verdict="reject"))
    assert "Index Cond: (verdict = " in rejects and "Seq Scan" not in rejects


def test_the_cli_manages_and_exports_a_postgresql_server_like_a_sqlite_one(url: str, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]):
    sqlite_dir = tmp_path / "sqlite"
    assert main(["server", "token", "--database", url]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("cpt_")
    pg, lite = PostgresStorage(url), SQLiteStorage(sqlite_dir / "server.sqlite")
    assert not isinstance(pg.enroll(token, "HN-1", "key", NOW), str)
    enrol(lite, "HN-1")
    rows = [c.to_wire() for c in make_crossings("HN-1", 30)]
    for s in (pg, lite):
        s.store_batch("HN-1", rows, NOW)
        s.close()
    outs = {}
    for name, where in (("pg", ["--database", url]), ("sqlite", ["--data-dir", str(sqlite_dir)])):
        for fmt in ("csv", "jsonl"):
            out = tmp_path / f"{name}.{fmt}"
            assert main(["server", "export", *where, "--format", fmt, "--out", str(out), "--verdict", "accept"]) == 0
            outs[name, fmt] = out.read_bytes()
    assert outs["pg", "csv"] == outs["sqlite", "csv"] and outs["pg", "jsonl"] == outs["sqlite", "jsonl"]
    assert len(list(csv.DictReader((tmp_path / "pg.csv").open(encoding="utf-8-sig")))) == 26  # 4 of 30 refused
    capsys.readouterr()
    assert main(["server", "stations", "--database", url]) == 0
    assert "HN-1" in capsys.readouterr().out
    assert main(["server", "revoke", "HN-1", "--database", url]) == 0


def test_the_cli_says_why_it_cannot_reach_the_database_and_hides_the_password(capsys: pytest.CaptureFixture[str],
                                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHECKPOINT_SERVER_DATABASE", f"postgresql://cp:s3cret-pw@127.0.0.1:{free_port()}/central")
    assert main(["server", "stations"]) == 2
    err = capsys.readouterr().err
    assert "cannot open the server database" in err and "s3cret-pw" not in err and "Traceback" not in err


def test_nonces_and_rate_limits_hold_across_processes_racing(url: str):
    """Two API processes at once: a nonce is new for exactly one of them; a limit of 10 lets exactly 10 in."""
    procs = [PostgresStorage(url, pool_size=2), PostgresStorage(url, pool_size=2)]
    new: list[bool] = []
    taken: list[bool] = []
    start = threading.Barrier(2)

    def race(s: PostgresStorage) -> None:
        start.wait()
        for i in range(30):
            new.append(s.remember_nonce("ST-1", f"{i:032x}", NOW, timedelta(minutes=10)))
            taken.append(s.take_rate("enroll:10.0.0.7", NOW, timedelta(minutes=1), 10))

    threads = [threading.Thread(target=race, args=(s,)) for s in procs]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for s in procs:
            s.close()
    assert (new.count(True), new.count(False)) == (30, 30)
    assert (taken.count(True), taken.count(False)) == (10, 50)


def test_after_a_database_restart_the_pool_reconnects_and_nothing_is_lost(tmp_path: Path):
    """PostgreSQL restarted under a running server: connections held by the pool are dead; each is checked
    before use and replaced, so the next call works and the run goes on where it was."""
    from tests.pg_cluster import start_cluster

    cluster = start_cluster()
    if isinstance(cluster, str):
        pytest.skip(cluster)
    try:
        s = PostgresStorage(cluster.create_database(), pool_size=2)
        enrol(s, "ST-1")
        rows = [c.to_wire() for c in make_crossings("ST-1", 6)]
        assert isinstance(s.store_batch("ST-1", rows[:3], NOW), Stored)
        cluster.restart()
        assert s.store_batch("ST-1", rows, NOW) == Stored(6, 3, 3, rows[-1]["hash"])
        assert s.count("ST-1") == 6
        s.close()
    finally:
        cluster.stop()
