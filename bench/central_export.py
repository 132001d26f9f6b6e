"""Central export benchmark: N crossings in PostgreSQL, exported by the real CLI to CSV and JSON Lines.

1. Fill: a throwaway cluster (tests/pg_cluster.py; or ``--database URL``, which must be an empty database)
   gets ``--rows`` crossings from ``--stations`` stations over six months (monthly partitions), made inside
   the database with ``generate_series`` (the body is a real canonical crossing with its varying fields
   spliced in). The export indexes are dropped during the fill and rebuilt after it (as a bulk load would).
2. EXPLAIN of each export filter (the plans the export's server-side cursor gets).
3. Each export in its own child process running ``checkpoint server export --database URL``: wall time,
   rows/s, the child's CPU time and peak RSS (flat memory means peak RSS does not grow with N), and the
   database's CPU (the postmaster's reaped children) when the cluster is the benchmark's own.

    .venv/bin/python bench/central_export.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

T0 = datetime(2021, 7, 1, tzinfo=UTC)
SPAN = timedelta(days=180)
CLUSTER_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "wal_level=minimal",
                    "max_wal_senders=0", "max_wal_size=8GB", "shared_buffers=512MB", "maintenance_work_mem=512MB",
                    "work_mem=64MB")


def body_sql(verdict: str) -> Any:
    """The canonical body of a crossing as an SQL expression over the fill's columns."""
    from psycopg import sql

    from sync.server.storage import canonical
    from tests.sync.helpers import make_crossings

    wire = make_crossings("ST-X", 7 if verdict == "reject" else 1)[-1].to_wire()
    marks = {"station_id": "sid", "id": "cid", "recorded_at": "ts", "system_time": "ts", "hash": "h",
             "prev_hash": "ph", "seq": "k"}
    text = canonical({**wire, **{f: f"@@{e}@@" for f, e in marks.items()}})
    text = text.replace('"@@k@@"', "@@k@@")  # seq is a number
    parts: list[sql.Composable] = []
    for i, piece in enumerate(re.split(r"@@(\w+)@@", text)):
        parts.append(sql.Literal(piece) if i % 2 == 0 else sql.SQL("g.{}::text").format(sql.Identifier(piece)))
    return sql.SQL(" || ").join(parts)


def fill(url: str, rows: int, stations: int) -> float:
    import psycopg
    from psycopg import sql

    from sync.server.pg_storage import PostgresStorage, _month
    from sync.server.storage import GENESIS_HASH

    per = rows // stations
    step = SPAN.total_seconds() / per
    s = PostgresStorage(url)
    months = set()
    t = T0
    while t <= T0 + SPAN + timedelta(days=1):
        months.add(_month(t))
        t += timedelta(days=1)
    s._ensure_partitions({m for m in months if m is not None})
    s.close()
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crossings'").fetchall()
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        conn.execute("INSERT INTO stations (station_id, public_key, enrolled_at, cursor, last_hash) "
                     "SELECT 'ST-' || lpad(s::text, 5, '0'), 'key', '2021-06-30T00:00:00Z', %s, %s "
                     "FROM generate_series(1, %s) s", (per, GENESIS_HASH, stations))
        insert = sql.SQL(
            "INSERT INTO crossings (station_id, seq, id, recorded_at, verdict, hash, body, received_at) "
            "SELECT g.sid, g.k, g.cid, g.t, g.verdict, g.h, "
            "CASE WHEN g.verdict = 'reject' THEN {} ELSE {} END, '2021-12-31T00:00:00.000000Z' FROM ("
            " SELECT x.*, to_char(x.t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS ts FROM ("
            "  SELECT 'ST-' || lpad(s::text, 5, '0') AS sid, k, md5(s || ':' || k)::uuid::text AS cid,"
            "   {} + make_interval(secs => k * {} + s) AS t,"
            "   CASE WHEN k %% 7 = 0 THEN 'reject' ELSE 'accept' END AS verdict,"
            "   md5('h' || s || ':' || k) || md5(k || ':' || s || 'h') AS h,"
            "   CASE WHEN k = 1 THEN repeat('0', 64) ELSE md5('h' || s || ':' || (k - 1)) "
            "        || md5((k - 1) || ':' || s || 'h') END AS ph"
            "  FROM generate_series(%s::int, %s::int) k, generate_series(1, {}) s) x) g"
        ).format(body_sql("reject"), body_sql("accept"), sql.Literal(T0), sql.Literal(step), sql.Literal(stations))
        chunk = max(1, 500_000 // stations)  # in time order, stations interleaved: as uploads arrive
        for first in range(1, per + 1, chunk):
            last = min(per, first + chunk - 1)
            conn.execute(insert, (first, last))
            print(f"  filled {last * stations:>11,} rows  {time.perf_counter() - started:7.1f} s", flush=True)
        for _, ddl in indexes:
            conn.execute(ddl.replace(" ON ONLY ", " ON "))
        print(f"  indexes rebuilt            {time.perf_counter() - started:7.1f} s", flush=True)
        conn.execute("VACUUM ANALYZE crossings")
    return time.perf_counter() - started


FILTERS: dict[str, list[str]] = {
    "all": [],
    "one station": ["--station", "ST-00007"],
    "one day": ["--from", "2021-09-15", "--to", "2021-09-15"],
    "rejects, one month": ["--verdict", "reject", "--from", "2021-10-01", "--to", "2021-10-31"],
}


def explain(url: str) -> None:
    import psycopg
    from psycopg import sql

    from checkpoint.cli.server import _bound
    from sync.server.pg_storage import PostgresStorage
    from sync.server.storage import ExportFilter

    with psycopg.connect(url) as conn:
        conn.execute("SET cursor_tuple_fraction = 0.1")  # what a server-side cursor plans with
        for name, args in FILTERS.items():
            a = dict(zip(args[::2], args[1::2], strict=True))
            flt = ExportFilter(stations=tuple(v for k, v in a.items() if k == "--station"),
                               since=_bound(a.get("--from"), False), until=_bound(a.get("--to"), True),
                               verdict=a.get("--verdict"))
            query, params = PostgresStorage.export_query(flt)
            plan = [r[0] for r in conn.execute(sql.SQL("EXPLAIN ") + query, params).fetchall()]
            nodes = [line.strip() for line in plan if "Scan" in line or "Append" in line or "Sort" in line]
            print(f"  {name}: {len(nodes)} plan nodes, e.g.")
            for line in nodes[:4]:
                print(f"      {line}")


def child(argv: list[str]) -> None:
    """Run one export with the real CLI; print this process's CPU and peak RSS as JSON."""
    from checkpoint.cli import main

    code = main(["server", "export", *argv])
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"code": code, "cpu": r.ru_utime + r.ru_stime, "rss_mib": r.ru_maxrss / 1024}))


def db_cpu(data_dir: Path | None) -> float:
    """The cluster's CPU so far: the postmaster and its exited children (backends, parallel workers)."""
    if data_dir is None:
        return 0.0
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def export(url: str, fmt: str, args: list[str], data_dir: Path | None, out_dir: Path) -> dict[str, Any]:
    out = out_dir / f"export.{fmt}"
    cpu0 = db_cpu(data_dir)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", "--database", url, "--format", fmt, "--out", str(out),
                           *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    time.sleep(0.5)  # the backend exits once the child has gone; its CPU reaches the postmaster when reaped
    if proc.returncode != 0:
        raise SystemExit(f"export failed: {proc.stderr[-2000:]}")
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = int(subprocess.run(["wc", "-l", str(out)], capture_output=True, text=True, check=True).stdout.split()[0])
    size = out.stat().st_size
    out.unlink()
    rows = lines - (1 if fmt == "csv" else 0)
    return {"rows": rows, "wall": wall, "cpu": stats["cpu"], "rss": stats["rss_mib"], "db_cpu": db_cpu(data_dir) - cpu0,
            "mib": size / 2**20}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                allow_abbrev=False)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--stations", type=int, default=1000)
    p.add_argument("--database", help="an empty PostgreSQL database (default: a throwaway cluster)")
    p.add_argument("--formats", default="csv,jsonl")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, rest = p.parse_known_args()
    if args.child:
        child(["--database", args.database, *rest])
        return

    from bench.machine import cpu_model
    from tests.pg_cluster import start_cluster

    cluster = None
    url = args.database
    if url is None:
        started = start_cluster(CLUSTER_SETTINGS)
        if isinstance(started, str):
            raise SystemExit(started)
        cluster = started
        url = cluster.create_database("bench")
    try:
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, {cpu_model()}; load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print(f"fill: {args.rows:,} crossings, {args.stations} stations, {T0:%Y-%m-%d} + {SPAN.days} days")
        secs = fill(url, args.rows, args.stations)
        print(f"  filled in {secs:.0f} s ({args.rows / secs:,.0f} rows/s, indexes included)")
        print("plans (EXPLAIN, as the export's server-side cursor plans them):")
        explain(url)
        out_dir = Path(tempfile.mkdtemp(prefix="central-export-"))
        print(f"{'export':<28} {'rows':>11} {'wall s':>8} {'rows/s':>9} {'CPU s':>7} {'peak RSS':>9} "
              f"{'DB CPU s':>9} {'MiB':>7}")
        runs = [(fmt, name, a) for fmt in args.formats.split(",") for name, a in FILTERS.items()]
        for fmt, name, a in runs:
            r = export(url, fmt, a, cluster.data if cluster else None, out_dir)
            print(f"{fmt + ', ' + name:<28} {r['rows']:>11,} {r['wall']:>8.1f} {r['rows'] / r['wall']:>9,.0f} "
                  f"{r['cpu']:>7.1f} {r['rss']:>6.0f} MiB {r['db_cpu']:>9.1f} {r['mib']:>7.0f}", flush=True)
        load = os.getloadavg()
        print(f"load after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        out_dir.rmdir()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
