"""Benchmark: does syncing a backlog slow the scanning? Record latency with and without the sync worker.

Usage: .venv/bin/python bench/sync_scan_latency.py [--crossings 100000] [--scans 400] [--keep DIR]

The officer's path is ``CrossingLog.record`` (durable commit before the verdict shows). We time it
alone, then while the background ``SyncWorker`` uploads a backlog to a local server — once with the
worker on its own ``CrossingLog`` connection (the recommended wiring) and once sharing the app's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_backlog import ROOT, cpu_model, start_server

sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crossings", type=int, default=100_000)
    ap.add_argument("--scans", type=int, default=400)
    ap.add_argument("--keep", type=Path, default=Path("/tmp/syncbench"))
    args = ap.parse_args()

    import os
    import tempfile

    from checkpoint import sealing
    from checkpoint.clock import SystemClock
    from checkpoint.crossing import PersonalData
    from checkpoint.decision import Decision, Verdict
    from checkpoint.log import CrossingContext, CrossingLog
    from sync.backoff import Backoff
    from sync.worker import SyncState, SyncStatus, SyncWorker

    args.keep.mkdir(parents=True, exist_ok=True)
    log_path = args.keep / f"station-{args.crossings}.sqlite"
    subprocess.run([sys.executable, str(Path(__file__).parent / "sync_backlog.py"), "--fill", str(log_path),
                    "--crossings", str(args.crossings)], check=True)
    seal_to = sealing.generate().public_key()

    def open_log() -> CrossingLog:
        return CrossingLog.open(log_path, station_id="BENCH-1", seal_to=seal_to, hmac_key=b"b" * 32,
                                clock=SystemClock())

    app_log = open_log()
    decision = Decision(Verdict.ACCEPT, None, "ok", datetime.now(UTC), format="CP1")
    ctx = CrossingContext("OF-1", "1", "in", datetime.now(UTC), False)

    def scans(n: int, stop: threading.Event | None = None) -> list[float]:
        out = []
        for i in range(n):
            if stop is not None and stop.is_set():
                break
            t = time.perf_counter()
            app_log.record(decision, ctx, PersonalData(name=f"Scan {i}"))
            out.append((time.perf_counter() - t) * 1000)
        return out

    def describe(ms: list[float]) -> str:
        q = statistics.quantiles(ms, n=100)
        return f"n={len(ms)} p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {max(ms):.1f} ms"

    work = Path(tempfile.mkdtemp(prefix="sync-lat-"))
    results = {"alone": describe(scans(args.scans))}
    for wiring in ("own connection", "shared log"):
        server, client = start_server(work / wiring.replace(" ", "-"))
        try:
            outbox = open_log() if wiring == "own connection" else app_log
            done = threading.Event()

            def status(s: SyncStatus, done: threading.Event = done) -> None:
                if s.state is SyncState.SYNCED and s.pending == 0:
                    done.set()

            worker = SyncWorker(client, outbox, None, batch_size=500, interval=3600, backoff=Backoff(),
                                clock=SystemClock(), on_status=status)
            t = time.perf_counter()
            worker.start()
            ms = scans(10 * args.scans, stop=done)
            done.wait(600)
            elapsed = time.perf_counter() - t
            worker.stop(10)
            results[f"during sync ({wiring})"] = describe(ms) + f"; backlog synced in {elapsed:.1f} s"
            if outbox is not app_log:
                outbox.close()
        finally:
            server.terminate()
            server.wait(10)
    app_log.close()
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}; backlog {args.crossings} crossings")
    for k, v in results.items():
        print(f"record latency {k}: {v}")


if __name__ == "__main__":
    main()
