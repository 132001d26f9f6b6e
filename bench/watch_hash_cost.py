"""What the watch list costs the station per scan, and what it costs a thief to learn who is on it.

    .venv/bin/python bench/watch_hash_cost.py [--scans 20] [--entries 100000]

Prints figures and ratios (not a timed test); results and the machine go in docs/watch-list.md.

1. One scan: ``apply_watch`` on a verified CP1 decision against a signed list of ``--entries`` entries at the
   production parameters (``checkpoint.trust.WATCH_PRODUCTION_PARAMS``): CPU seconds of one core
   (``time.thread_time``) and wall, median and worst; a Raspberry Pi 4 estimated at 4x the CPU time.
2. The lookup alone (bisection over the sorted entries), and loading (verifying) the list.
3. A thief with the station: one guess costs one hash. Guesses x cost for one person whose province, birth
   year and sex are known (10^6), and for the whole plausible CCCD space (every province, century/sex digit
   and birth year), in core-days and core-years. Each list version has its own salt: the work starts over.
4. The office: hashing the CSV, per entry and per 10,000 entries on this machine's cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import cpu_model
from checkpoint.decision import Decision, Verdict
from checkpoint.lookup_keys import VN_PROVINCES, normalise_id_number
from checkpoint.model import Alg, Pass, Subject
from checkpoint.trust import (
    WATCH_PRODUCTION_PARAMS,
    Instruction,
    WatchKind,
    build_watch_list,
    entry_key,
    keys,
    load_watch_list,
)
from checkpoint.watch import apply_watch

T0 = datetime(2021, 7, 24, tzinfo=UTC)
LISTED = "001085012345"
PI4 = 4.0  # a Raspberry Pi 4 core against this machine's, for Argon2id (memory-bound): the brief's estimate
CORE_DAY = 86_400.0
CORE_YEAR = 365 * CORE_DAY
#: CCCD digit 4 (century and sex) and digits 5-6 (birth year) a living person can have: 1900-1999 (0, 1) and
#: 2000-2026 (2, 3), both sexes.
BIRTH_CODES = 2 * (100 + 27)


def machine() -> str:
    return f"{os.cpu_count()} CPU(s), {cpu_model()}, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"


def decision(id_number: str) -> Decision:
    subject = Subject("Nguyễn Văn An", id_number, "1985-03-02", "worker")
    p = Pass("CP1", "VN-LCI", os.urandom(16), T0, T0, T0 + timedelta(days=3), subject)
    return Decision(Verdict.ACCEPT, None, "valid", T0, "CP1", b"\x01" * 8, p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scans", type=int, default=20, help="scans timed")
    ap.add_argument("--entries", type=int, default=100_000, help="entries in the list (random hashes + one listed)")
    args = ap.parse_args()
    print(machine())
    params = WATCH_PRODUCTION_PARAMS
    print(f"parameters: argon2id t={params.time_cost} m={params.memory_kib // 1024} MiB p={params.lanes}")
    root = keys.generate(Alg.EDDSA)
    salt = os.urandom(16)
    case = Instruction(WatchKind.CASE)
    entries = [(os.urandom(16), case) for _ in range(args.entries - 1)]
    entries.append((entry_key(normalise_id_number(LISTED), salt, params), case))
    data = build_watch_list(entries, version=1, issued=T0, expires=T0 + timedelta(days=7), salt=salt,
                            params=params, root=root)
    t = time.perf_counter()
    wl = load_watch_list(data, [root.public_key()], T0)
    load = time.perf_counter() - t
    print(f"list: {len(wl)} entries, {len(data) / 1e6:.2f} MB signed; verified and loaded in {load * 1000:.0f} ms")

    cpu, wall = [], []
    for i in range(args.scans):
        d = decision(LISTED if i % 2 == 0 else f"0790900{i:05d}")
        c, w = time.thread_time(), time.perf_counter()
        out = apply_watch(d, wl, T0)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
        assert (out.watch is not None) == (i % 2 == 0)
    best, median, worst = min(cpu), statistics.median(cpu), max(cpu)
    print(f"one scan (hash + lookup), CPU: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms, worst "
          f"{worst * 1000:.0f} ms; wall median {statistics.median(wall) * 1000:.0f} ms ({args.scans} scans)")
    print(f"  Raspberry Pi 4 estimate (x{PI4:.0f}): median {median * PI4 * 1000:.0f} ms, worst "
          f"{worst * PI4 * 1000:.0f} ms (target < 1 s: {1 / (median * PI4):.1f}x margin at the median)")
    digest = entry_key(normalise_id_number(LISTED), salt, params)
    n = 100_000
    t = time.perf_counter()
    for _ in range(n):
        wl.find(digest)
    print(f"lookup alone: {(time.perf_counter() - t) / n * 1e6:.1f} µs over {len(wl)} entries")

    print(f"thief, one guess = one hash = {best * 1000:.0f} ms of a core (best run):")
    person = 1e6 * best
    print(f"  one person, province + birth year + sex known (10^6 ids): {person / CORE_DAY:.1f} core-days "
          f"(sex unknown: {2 * person / CORE_DAY:.1f})")
    space = len(VN_PROVINCES) * BIRTH_CODES * 1e6
    print(f"  every plausible CCCD ({len(VN_PROVINCES)} provinces x {BIRTH_CODES} century/sex/year codes x 10^6 = "
          f"{space:.2e}): {space * best / CORE_YEAR:,.0f} core-years, per list version (fresh salt)")
    print(f"  one known person tested: {best * 1000:.0f} ms (the limit: a list cannot hide a person someone names)")

    rows = max(8, (os.cpu_count() or 1) * 4)
    from concurrent.futures import ThreadPoolExecutor

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda i: entry_key(f"0010850{i:05d}", salt, params), range(rows)))
    per = (time.perf_counter() - t) / rows
    print(f"office, building: {per * 1000:.0f} ms wall an entry on {os.cpu_count()} core(s); 10,000 entries "
          f"{per * 10_000 / 60:.1f} min")


if __name__ == "__main__":
    main()
