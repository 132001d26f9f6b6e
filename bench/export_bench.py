"""Export benchmark: N crossings to CSV, XLSX and JSON Lines; time, rows/s and peak memory per format.

Two sources:
- ``--source rows``: Crossing values generated in memory one at a time (the writers' own cost);
- ``--source log``: a real crossing log (``bench/fill_log.py``), read as the CLI reads it (``LogRows``).

Each format runs in its own child process so that peak RSS (``ru_maxrss``) is that export's alone.

    .venv/bin/python bench/export_bench.py --rows 1000000 --source rows
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"csv": 20.0, "xlsx": 120.0, "jsonl": None}


def generated(n: int):  # type: ignore[no-untyped-def]
    """Crossings as the log holds them, made cheaply (no sealing: the benchmark is of exports without key)."""
    from dataclasses import asdict
    from datetime import UTC, datetime

    from checkpoint.crossing import Crossing

    sys.path.insert(0, str(ROOT))
    from tests.export.crossing_rows import crossing

    t0 = datetime(2021, 7, 1, tzinfo=UTC)
    protos = [asdict(crossing(i)) for i in range(1, 57)]
    for seq in range(1, n + 1):
        at = (t0 + timedelta(seconds=seq * 2)).isoformat().replace("+00:00", "Z")
        yield Crossing(**{**protos[seq % 56], "id": f"0190e6a0-0000-7000-8000-{seq:012d}", "seq": seq,
                          "recorded_at": at, "system_time": at, "hash": f"{seq:064x}"})


def child(fmt: str, n: int, source: str, log_path: str | None, key: str | None, xlsx_lib: bool = False) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint.clock import SystemClock
    from checkpoint.export import ExportRequest, Format, export

    out = Path(tempfile.mkdtemp()) / f"bench.{fmt}"
    req = ExportRequest(out, Format(fmt), timezone(timedelta(hours=7)), "UTC+07:00")
    from checkpoint.export._source import LogRows, rows_of

    if xlsx_lib:  # issue 17 item 7: the XlsxWriter library (constant-memory mode) in place of our writer
        sys.path.insert(0, str(ROOT))
        from bench.xlsx_lib import LibXlsxWriter
        from checkpoint.export import _writers as writers

        writers.XlsxWriter = LibXlsxWriter  # type: ignore[misc, assignment]
    supervisor = None
    if key is not None:
        from checkpoint.sealing import load_private

        supervisor = load_private(Path(key).read_bytes(), key)
    start, cpu0 = time.perf_counter(), _cpu()
    if source == "log":
        assert log_path is not None
        with LogRows(Path(log_path)) as rows:
            result = export(rows, req, station_id=rows.station_id, station_key=Ed25519PrivateKey.generate(),
                            clock=SystemClock(), total=rows.count(), supervisor_key=supervisor,
                            audit=lambda action, details: None)
    else:
        result = export(rows_of(generated(n)), req, station_id="BENCH", station_key=Ed25519PrivateKey.generate(),
                        clock=SystemClock())
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"format": fmt, "rows": result.rows, "seconds": elapsed, "cpu_seconds": cpu,
                      "peak_rss_mb": peak_mb, "bytes": result.bytes, "unopened": result.unopened}))
    out.unlink()
    Path(str(out) + ".manifest.json").unlink()


def _cpu() -> float:
    """User + system CPU time of this process: what load from other work inflates far less than wall time."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--source", choices=["rows", "log"], default="rows")
    ap.add_argument("--log", help="path of a filled log (--source log); see bench/fill_log.py")
    ap.add_argument("--formats", default="csv,xlsx,jsonl")
    ap.add_argument("--key", help="supervisor private key (unencrypted PEM): a personal-data export (--source log)")
    ap.add_argument("--xlsx-lib", action="store_true",
                    help="write XLSX with the XlsxWriter library (constant-memory mode) instead of our writer")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.rows, a.source, a.log, a.key, a.xlsx_lib)
        return
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    print(f"# {a.rows:,} crossings from {a.source}; {cpu}; nproc {len(os.sched_getaffinity(0))}")
    for fmt in a.formats.split(","):
        cmd = [sys.executable, __file__, "--child", fmt, "--rows", str(a.rows), "--source", a.source]
        if a.log:
            cmd += ["--log", a.log]
        if a.key:
            cmd += ["--key", a.key]
        if a.xlsx_lib:
            cmd.append("--xlsx-lib")
        out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        target = TARGETS[fmt]
        verdict = "" if target is None or a.key else (f"  target {target:.0f} s x{a.rows / 1e6:g}: "
                                             f"{'OK' if r['seconds'] <= target * a.rows / 1e6 else 'MISSED'}")
        print(f"{fmt:6} {r['rows']:>9,} rows {r['seconds']:7.1f} s  {r['rows'] / r['seconds']:>9,.0f} rows/s  "
              f"CPU {r['cpu_seconds']:7.1f} s  load {os.getloadavg()[0]:4.1f}  "
              f"peak RSS {r['peak_rss_mb']:5.0f} MB  file {r['bytes'] / 1e6:7.1f} MB{verdict}"
              + (f"  personal data opened ({r['unopened']} did not)" if a.key else ""))


if __name__ == "__main__":
    main()
