"""Hostile inputs against the verifier: the worst time and peak memory per input, and whether the caps held.

    .venv/bin/python bench/hostile_input.py [--repeat 20]

Runs every case of ``tests/hostile.py`` (shared-reference DAGs at depth 22/24 and cycles, deep nesting,
bignums, long strings, many items, odd map keys, duplicate keys, costly tags, zlib/DEFLATE and Base45
bombs; CP1, HC1, SHC, NZCP) through ``Verifier.verify`` on one core and prints, per case, the verdict,
the median and worst wall time over ``--repeat`` runs, the tracemalloc peak and the growth of the
process's peak RSS (Linux: ``/proc/self/clear_refs`` resets the high-water mark before each case), then
per input class the worst of each and whether the promise held: a verdict under 50 ms and 20 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.verify_bench import cpu_model
from tests import hostile

MAX_MS = 50.0
MAX_MB = 20.0


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per case (default 20)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; pinned to one core")
    verifier = hostile.verifier()
    cases = hostile.corpus()
    for c in cases:  # warm up: lazy imports (NumPy for Base45), regex compilation
        verifier.verify(c.text, hostile.NOW)
    rss_ok = _reset_peak_rss()
    print(f"{'case':34} {'chars':>8} {'verdict':>16} {'median ms':>10} {'worst ms':>9} {'tracemalloc MB':>15} "
          f"{'peak RSS +MB':>13}")
    by_class: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    failures = 0
    for c in cases:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            d = verifier.verify(c.text, hostile.NOW)
            times.append((time.perf_counter() - t) * 1000)
        tracemalloc.start()
        verifier.verify(c.text, hostile.NOW)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss = 0.0
        if rss_ok and _reset_peak_rss():
            before = _status_kib("VmRSS") or 0
            verifier.verify(c.text, hostile.NOW)
            rss = max(0, (_status_kib("VmHWM") or before) - before) / 1024
        verdict = d.reason.value if d.reason else d.verdict.value
        if verdict not in ("MALFORMED", "UNKNOWN_FORMAT"):
            failures += 1
        worst = max(times)
        by_class[c.attack.removesuffix("-unsigned")].append((worst, peak, rss))
        print(f"{c.name:34} {len(c.text):8} {verdict:>16} {statistics.median(times):10.3f} {worst:9.3f} "
              f"{peak:15.3f} {rss:13.2f}")
    print()
    print(f"{'input class':28} {'cases':>5} {'worst ms':>9} {'tracemalloc MB':>15} {'peak RSS +MB':>13}  "
          f"caps held (< {MAX_MS:.0f} ms, < {MAX_MB:.0f} MB)")
    all_held = True
    for name, rows in by_class.items():
        worst = max(r[0] for r in rows)
        peak = max(r[1] for r in rows)
        rss = max(r[2] for r in rows)
        held = worst < MAX_MS and peak < MAX_MB and rss < MAX_MB
        all_held &= held
        print(f"{name:28} {len(rows):5} {worst:9.3f} {peak:15.3f} {rss:13.2f}  {'yes' if held else 'NO'}")
    print()
    worst_all = max(r[0] for rows in by_class.values() for r in rows)
    peak_all = max(r[1] for rows in by_class.values() for r in rows)
    print(f"{len(cases)} hostile inputs: worst {worst_all:.2f} ms, tracemalloc peak {peak_all:.2f} MB; "
          f"verdicts other than MALFORMED/UNKNOWN_FORMAT: {failures}; caps held: {'yes' if all_held else 'NO'}")
    if not rss_ok:
        print("(peak RSS not measured: /proc/self/clear_refs is not writable here)")


if __name__ == "__main__":
    main()
