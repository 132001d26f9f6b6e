"""What one id-number guess costs a thief, and what the memory-hard id index costs the station.

    .venv/bin/python bench/id_hash_cost.py [--guesses 20] [--records 30] [--rounds 3] [--dir DIR]

Prints figures and ratios (not a timed test); results and the machine go in docs/crossing-log.md.

1. One guess against a stolen station: an Argon2id evaluation at the production parameters
   (``checkpoint.log._idindex.PRODUCTION_PARAMS``), in CPU seconds of one core (``time.thread_time``),
   and what 10^6 guesses (one province, one birth year, one sex: the 6 random digits of a CCCD) cost
   in core-days. Beside it the HMAC-SHA256 of the schema-3 log, which gave ids back.
2. The record path with the indexer idle (the same person again: the key is cached) and busy (a
   different person each crossing: it hashes on the other core throughout), in alternating phases
   so both see the same machine load; record() latency p50/p99/max and the ratio; the indexer's
   pace; peak RSS.
3. ``lookup_id_number`` of a number not seen this session (one full hash + an indexed query), as
   ``export --id-number`` pays it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from bench.machine import cpu_model
from checkpoint.clock import FixedClock
from checkpoint.decision import Decision, Verdict
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log import _idindex as idindex
from checkpoint.model import Pass, Subject

T0 = datetime(2021, 7, 24, tzinfo=UTC)
PERSON = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh")
CORE_DAY = 86_400.0


def machine() -> str:
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPU(s), {cpu_model()}, Python {platform.python_version()}, load {load:.2f}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def guess_cost(n: int) -> None:
    params = idindex.PRODUCTION_PARAMS
    pepper = os.urandom(32)
    cpu, wall = [], []
    for i in range(n):
        c, w = time.thread_time(), time.perf_counter()
        idindex.id_key(pepper, params, f"001085{i:06d}")
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    best, median = min(cpu), statistics.median(cpu)
    print(f"one guess, Argon2id {params}: CPU median {median * 1000:.0f} ms, best {best * 1000:.0f} ms, "
          f"wall median {statistics.median(wall) * 1000:.0f} ms ({n} runs)")
    print(f"  10^6 guesses (one province, birth year and sex): {1e6 * best / CORE_DAY:.2f} core-days at the best "
          f"run, {1e6 * median / CORE_DAY:.2f} at the median (target >= 1: {best * 1e6 / CORE_DAY:.1f}x)")
    print(f"  2 x 10^6 (sex unknown): {2e6 * best / CORE_DAY:.2f} core-days")
    key = os.urandom(32)
    m = 200_000
    c = time.thread_time()
    for i in range(m):
        hmac.new(key, b"id-number\x00" + f"001085{i:06d}".encode(), hashlib.sha256).digest()
    legacy = (time.thread_time() - c) / m
    print(f"schema-3 HMAC-SHA256, one guess: {legacy * 1e6:.2f} µs; 10^6 guesses {legacy * 1e6:.1f} s "
          f"(Argon2id / HMAC: {best / legacy:,.0f}x)")


def decision(i: int, distinct: bool) -> Decision:
    person = replace(PERSON, id_number=f"0010850{i:05d}") if distinct else PERSON
    p = Pass("CP1", "VN-LCI", i.to_bytes(16, "big"), T0, T0, T0 + timedelta(days=3), person)
    return Decision(Verdict.ACCEPT, None, "valid", T0 + timedelta(seconds=i), "CP1", b"\x01" * 8, p)


def _record(log: CrossingLog, numbers: range, *, distinct: bool, pace: float) -> list[float]:
    ctx = CrossingContext("officer-7", "1", "in", T0, False)
    lat = []
    for i in numbers:
        d = decision(i, distinct)
        t = time.perf_counter()
        log.record(d, ctx)
        lat.append((time.perf_counter() - t) * 1000)
        time.sleep(pace)
    return lat


def record_path(folder: Path, n: int, rounds: int) -> None:
    """Idle and busy phases alternate on one log, so both see the same machine load: idle records the
    same person again (its key is cached: the indexer does nothing), busy records a different person
    each time (the indexer hashes on the other core throughout). Then the queue drains (not timed)."""
    supervisor = X25519PrivateKey.generate()
    idle: list[float] = []
    busy: list[float] = []
    lags = []
    with CrossingLog.open(folder / "idx.sqlite", station_id="BENCH-01", seal_to=supervisor.public_key(),
                          hmac_key=os.urandom(32), clock=FixedClock(T0)) as log:
        log.record(decision(0, False), CrossingContext("officer-7", "1", "in", T0, False))
        log.wait_for_id_index()
        seq = 1
        for _ in range(rounds):
            idle += _record(log, range(seq, seq + 3 * n), distinct=False, pace=0.01)
            seq += 3 * n
            t = time.perf_counter()
            busy += _record(log, range(seq, seq + n), distinct=True, pace=0.01)
            seq += n
            log.wait_for_id_index()
            lags.append((time.perf_counter() - t) / n)
        assert log.unindexed() == 0
        t = time.perf_counter()
        assert log.lookup_id_number("079190000123") == []  # not recorded, so not in the cache: one full hash
        lookup = time.perf_counter() - t
    for name, lat in (("indexer idle", idle), ("indexer busy", busy)):
        p99 = pct(lat, 0.99)
        print(f"record path, {name} ({len(lat)} records): p50 {pct(lat, 0.5):.2f} ms, p99 {p99:.2f} ms, "
              f"max {max(lat):.2f} ms (target p99 < 20 ms: {20 / p99:.1f}x margin)")
    print(f"  busy / idle: p50 {pct(busy, 0.5) / pct(idle, 0.5):.2f}x, p99 {pct(busy, 0.99) / pct(idle, 0.99):.2f}x")
    print(f"  the indexer's pace, wall: {statistics.median(lags) * 1000:.0f} ms a person (a lane faster than this "
          "queues in memory and catches up)")
    print(f"lookup_id_number of a number not seen this session (export --id-number): {lookup * 1000:.0f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guesses", type=int, default=20, help="Argon2id evaluations timed")
    ap.add_argument("--records", type=int, default=30, help="different people per busy phase (0: skip)")
    ap.add_argument("--rounds", type=int, default=3, help="idle/busy rounds")
    ap.add_argument("--dir", type=Path, help="where to put the log (default: a temporary folder)")
    args = ap.parse_args()
    print(machine())
    guess_cost(args.guesses)
    if args.records:
        with tempfile.TemporaryDirectory(prefix="idhash-", dir=args.dir) as folder:
            record_path(Path(folder), args.records, args.rounds)

if __name__ == "__main__":
    main()
