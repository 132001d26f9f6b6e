"""Crossing log benchmark: durable commits, the whole record path, and a station with a million rows.

    .venv/bin/python bench/log_commit.py [--records 3000] [--rows 1000000] [--dir DIR]

Prints figures and ratios (not a timed test). Results and the machine go in docs/benchmarks-log.md.

1. The record path, one crossing per transaction with ``synchronous=FULL``: seal (X25519 + AES-GCM) +
   keyed hashes + chain hash + INSERT + COMMIT (fsync). Latency p50/p99/max and commits per second.
2. A log of ``--rows`` crossings, built in bulk with real chain hashes (the sealed blobs are cycled from
   a pool of real ones: their size is what matters here, and sealing a million would take minutes).
   Then: start-up time (open + quick_check + migrations + head check), memory while streaming every
   row (RSS sampled every 100 000 rows), the record path again at that size, and ``verify_chain``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bench.machine import cpu_model
from checkpoint.clock import FixedClock
from checkpoint.crossing import PersonalData
from checkpoint.decision import Decision, Verdict
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log import _chain as chain
from checkpoint.log._ids import uuid7
from checkpoint.log._personal import id_number_hash, pass_id_hash, seal_personal
from checkpoint.log._rows import INSERT, row_values
from checkpoint.log._timefmt import stamp
from checkpoint.model import Pass, Subject

T0 = datetime(2021, 7, 24, tzinfo=UTC)
HMAC_KEY = bytes(range(32))
PERSON = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh",
                 "giao hàng")


def machine() -> str:
    return (f"{os.cpu_count()} CPU(s), {cpu_model()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def decision(i: int) -> Decision:
    p = Pass("CP1", "VN-LCI", i.to_bytes(16, "big"), T0, T0, T0 + timedelta(days=3), PERSON)
    return Decision(Verdict.ACCEPT, None, "valid", T0 + timedelta(seconds=i), "CP1", b"\x01" * 8, p,
                    rules_applied=("category", "symptoms"))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def record_path(log: CrossingLog, n: int, start: int) -> dict[str, float]:
    ctx = CrossingContext("officer-7", "1", "in", T0, False)
    lat = []
    t_all = time.perf_counter()
    for i in range(start, start + n):
        d = decision(i)
        t = time.perf_counter()
        log.record(d, ctx)
        lat.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - t_all
    return {"n": n, "per_s": n / wall, "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99), "max_ms": max(lat),
            "mean_ms": statistics.fmean(lat)}


def components(supervisor: X25519PrivateKey, n: int = 2000) -> dict[str, float]:
    pd = PersonalData(name=PERSON.name, id_number=PERSON.id_number, vehicle=PERSON.vehicle)
    t_seal, _ = timed(lambda: [seal_personal(pd, uuid7(T0), supervisor.public_key()) for _ in range(n)])
    fields: dict[str, chain.Value] = {name: "x" * 20 for name in chain.CROSSING_FIELDS}
    t_hash, _ = timed(lambda: [chain.crossing_hash(fields) for _ in range(n)])
    return {"seal_us": t_seal / n * 1e6, "chain_hash_us": t_hash / n * 1e6}


def bare_commits(path: Path, n: int) -> dict[str, float]:
    """The floor: one tiny INSERT per transaction, WAL + synchronous=FULL, nothing else."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB)")
    lat = []
    t_all = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", (i, b"x" * 800))
        conn.execute("COMMIT")
        lat.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - t_all
    conn.close()
    return {"per_s": n / wall, "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99)}


def bulk_fill(path: Path, rows: int, supervisor: X25519PrivateKey) -> None:
    """Append ``rows`` crossings with a valid chain, many per transaction (for building a big log fast)."""
    with CrossingLog.open(path, station_id="BENCH-01", seal_to=supervisor.public_key(), hmac_key=HMAC_KEY,
                          clock=FixedClock(T0)) as log:
        head_seq, head = log.last_seq, log.last_hash
    pd = PersonalData(name=PERSON.name, id_number=PERSON.id_number, birth_date=PERSON.birth_date,
                      vehicle=PERSON.vehicle, origin=PERSON.origin, destination=PERSON.destination)
    pool = [seal_personal(pd, f"pool-{k}", supervisor.public_key()) for k in range(64)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    idn = id_number_hash(HMAC_KEY, PERSON.id_number)
    batch = 20_000
    for start in range(head_seq + 1, head_seq + rows + 1, batch):
        conn.execute("BEGIN IMMEDIATE")
        for seq in range(start, min(start + batch, head_seq + rows + 1)):
            at = T0 + timedelta(seconds=seq * 2)
            sealed = pool[seq % len(pool)]
            pid = pass_id_hash(HMAC_KEY, seq.to_bytes(16, "big"))
            f: dict[str, Any] = {
                "seq": seq, "id": uuid7(at), "station_id": "BENCH-01", "officer_id": f"officer-{seq % 5}",
                "lane": "1", "direction": "in" if seq % 2 else "out", "recorded_at": stamp(at),
                "system_time": stamp(at),
                "clock_suspect": False, "format": "CP1", "kid": "0101010101010101",
                "verdict": "accept" if seq % 10 else "reject", "reason": None if seq % 10 else "EXPIRED",
                "display": "ACCEPT" if seq % 10 else "REJECT", "rule": None, "rules_applied": ("category",),
                "flags": (), "manual": False, "category": "worker", "expires": stamp(at + timedelta(days=3)),
                "personal_digest": chain.personal_digest(pid, idn, sealed), "prev_hash": head,
            }
            f["hash"] = head = chain.crossing_hash(f)
            conn.execute(INSERT, row_values({**f, "pass_id_hash": pid, "id_number_hash": idn, "sealed": sealed}))
        last = min(start + batch, head_seq + rows + 1) - 1
        conn.execute("UPDATE meta SET value=? WHERE key='head_seq'", (str(last),))
        conn.execute("UPDATE meta SET value=? WHERE key='head_hash'", (head,))
        conn.execute("COMMIT")
        print(f"  built {last} rows", file=sys.stderr, end="\r")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=3000, help="crossings for the record-path figures")
    ap.add_argument("--rows", type=int, default=1_000_000, help="size of the big log (0: skip)")
    ap.add_argument("--dir", type=Path, help="where to put the logs (default: a temporary folder on disk)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="logbench-", dir=args.dir))
    supervisor = X25519PrivateKey.generate()
    results: dict[str, Any] = {"machine": machine(), "folder": str(folder)}
    print(results["machine"])

    results["components"] = components(supervisor)
    print(f"seal {results['components']['seal_us']:.0f} µs, chain hash {results['components']['chain_hash_us']:.1f} µs")

    b = results["bare_commit"] = bare_commits(folder / "bare.sqlite", args.records)
    print(f"bare durable commit (floor): {b['per_s']:.0f}/s, p50 {b['p50_ms']:.2f} ms, p99 {b['p99_ms']:.2f} ms")

    small = folder / "small.sqlite"
    with CrossingLog.open(small, station_id="BENCH-01", seal_to=supervisor.public_key(), hmac_key=HMAC_KEY,
                          clock=FixedClock(T0)) as log:
        r = results["record_empty"] = record_path(log, args.records, 1)
    print(f"record path, empty log: {r['per_s']:.0f} durable commits/s, p50 {r['p50_ms']:.2f} ms, "
          f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms (target p99 < 20 ms: {20 / r['p99_ms']:.1f}x margin)")
    print(f"  record path / bare commit, p50: {r['p50_ms'] / b['p50_ms']:.2f}x")

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint.log import LogAnchor

    anchor = LogAnchor(folder / "log-anchor.json", Ed25519PrivateKey.generate(), "BENCH-01")
    with CrossingLog.open(folder / "anchored.sqlite", station_id="BENCH-01", seal_to=supervisor.public_key(),
                          hmac_key=HMAC_KEY, clock=FixedClock(T0), anchor=anchor) as log:
        ra = results["record_anchored"] = record_path(log, args.records, 1)
    print(f"record path with the log anchor (as the station runs): {ra['per_s']:.0f}/s, p50 {ra['p50_ms']:.2f} ms, "
          f"p99 {ra['p99_ms']:.2f} ms, max {ra['max_ms']:.2f} ms; anchored / plain p50: "
          f"{ra['p50_ms'] / r['p50_ms']:.2f}x")

    if args.rows:
        big = folder / "big.sqlite"
        t_build, _ = timed(lambda: bulk_fill(big, args.rows, supervisor))
        size = big.stat().st_size
        results["big"] = {"rows": args.rows, "build_s": t_build, "bytes": size, "bytes_per_row": size / args.rows}
        print(f"big log: {args.rows} rows built in {t_build:.0f} s, {size / 2**20:.0f} MiB "
              f"({size / args.rows:.0f} B/row)")

        rss0 = rss_mib()
        t_open, log = timed(lambda: CrossingLog.open(big, station_id="BENCH-01", seal_to=supervisor.public_key(),
                                                     hmac_key=HMAC_KEY, clock=FixedClock(T0)))
        results["big"]["startup_s"] = t_open
        print(f"start-up with {args.rows} rows (open + quick_check + head check): {t_open:.2f} s "
              f"(target < 2 s: {2 / t_open:.1f}x margin)")

        samples = []
        t = time.perf_counter()
        for n, _c in enumerate(log.crossings(), 1):
            if n % 100_000 == 0:
                samples.append((n, rss_mib()))
        t_stream = time.perf_counter() - t
        results["big"]["stream_s"] = t_stream
        results["big"]["rss_mib"] = {"before": rss0, "samples": samples}
        print(f"streamed {args.rows} rows in {t_stream:.1f} s; RSS MiB before {rss0:.0f}, "
              + ", ".join(f"{n // 1000}k: {m:.0f}" for n, m in samples))
        spread = max(m for _, m in samples) - min(m for _, m in samples) if samples else 0.0
        print(f"  RSS spread across the stream: {spread:.1f} MiB (flat = does not grow with rows read)")

        r = results["record_big"] = record_path(log, min(args.records, 1000), args.rows + 10)
        print(f"record path at {args.rows} rows: {r['per_s']:.0f} commits/s, p50 {r['p50_ms']:.2f} ms, "
              f"p99 {r['p99_ms']:.2f} ms")
        t_verify, report = timed(log.verify_chain)
        results["big"]["verify_s"] = t_verify
        print(f"verify_chain over {report.checked} rows: {t_verify:.1f} s ({report.checked / t_verify:.0f} rows/s), "
              f"ok={report.ok}")
        t_backup, _ = timed(lambda: log.backup(folder / "big-backup.sqlite"))
        results["big"]["backup_s"] = t_backup
        print(f"backup of {size / 2**20:.0f} MiB: {t_backup:.1f} s")
        log.close()
    print(json.dumps(results, indent=1, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
