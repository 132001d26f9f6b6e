"""Dispositions benchmark: what they cost where it matters.

- recording one (its own chain, one commit with ``synchronous=FULL``), against recording one crossing;
- the export's read of a log (``LogRows``: one lookup of the latest disposition per crossing) with no
  dispositions and with one disposition for every tenth crossing, as a ratio.

    .venv/bin/python bench/dispositions_bench.py --rows 200000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fill_log import HMAC_KEY, STATION, T0, fill
from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.crossing.disposition import Disposition
from checkpoint.export._source import LogRows
from checkpoint.log import CrossingLog

CODES = list(Disposition)


def read_all(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with LogRows(path) as rows:
        n = sum(1 for r in rows if r.disposition is not None)
    return time.perf_counter() - start, n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=200_000, help="crossings in the log (default 200,000)")
    p.add_argument("--records", type=int, default=200, help="dispositions and crossings timed one by one")
    args = p.parse_args()
    supervisor = sealing.generate()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crossings.sqlite"
        fill(path, args.rows, supervisor)
        bare, _ = read_all(path)
        log = CrossingLog.open(path, station_id=STATION, seal_to=supervisor.public_key(), hmac_key=HMAC_KEY,
                               clock=FixedClock(T0))
        with log:
            log._c().execute("PRAGMA synchronous=OFF")  # bulk, as fill_log does: the read is what is measured
            for seq in range(1, args.rows + 1, 10):
                log.record_disposition(seq, CODES[seq % len(CODES)], "CB-01")
            log._c().execute("PRAGMA synchronous=FULL")
            start = time.perf_counter()
            for i in range(args.records):
                log.record_disposition(1 + i, Disposition.TURNED_BACK, "CB-01")
            per_disposition = (time.perf_counter() - start) / args.records
        with_dispositions, found = read_all(path)
    print(f"log of {args.rows:,} crossings, {found:,} with a disposition (one in ten)")
    print(f"record a disposition (synchronous=FULL): {per_disposition * 1000:.2f} ms each")
    print(f"export read, no dispositions:   {bare:.2f} s ({args.rows / bare:,.0f} rows/s)")
    print(f"export read, with dispositions: {with_dispositions:.2f} s ({args.rows / with_dispositions:,.0f} rows/s)")
    print(f"ratio with/without: {with_dispositions / bare:.2f}")


if __name__ == "__main__":
    main()
