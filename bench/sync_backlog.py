"""Benchmark: a week offline at a busy checkpoint (100,000 crossings) synced to a local server.

Usage: .venv/bin/python bench/sync_backlog.py [--crossings 100000] [--batch-size 500] [--keep DIR]

The log is filled through the log's own record path in a child process (so its memory does not count),
the server runs as 'checkpoint server' in another process on 127.0.0.1, and this process does the sync
exactly as 'checkpoint sync' does (upload_backlog), reporting time, throughput and memory (VmRSS at
each tenth of the way, and peak RSS) to show memory stays flat however long the backlog.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def fill(path: Path, n: int) -> None:
    """Child process: record ``n`` crossings (accepts, refusals, personal data sealed)."""
    from checkpoint import sealing
    from checkpoint.clock import SystemClock
    from checkpoint.crossing import PersonalData
    from checkpoint.decision import Decision, Reason, Verdict
    from checkpoint.log import CrossingContext, CrossingLog
    from checkpoint.log import _idindex as idindex

    # Filling is setup, not what is measured: the id-number keys are made at a toy Argon2id cost (the
    # production cost, ~0.2 s a crossing in the background, would take hours for 100,000 crossings).
    idindex.DEFAULT_PARAMS = idindex.IdHashParams(time_cost=1, memory_kib=8, lanes=1)
    log = CrossingLog.open(path, station_id="BENCH-1", seal_to=sealing.generate().public_key(),
                           hmac_key=b"b" * 32, clock=SystemClock())
    log._c().execute("PRAGMA synchronous=OFF")  # filling is setup, not what is measured
    now = datetime.now(UTC)
    ok = Decision(Verdict.ACCEPT, None, "ok", now, format="CP1")
    no = Decision(Verdict.REJECT, Reason.EXPIRED, "expired", now, format="CP1")
    ctx = CrossingContext("OF-1", "1", "in", now, False)
    for i in range(log.last_seq, n):
        log.record(no if i % 9 == 0 else ok, ctx, PersonalData(name=f"Người {i}", id_number=f"0010{i:08d}",
                                                            vehicle="29A-123.45", origin="Hà Nội"))
    log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(server_dir: Path) -> tuple[subprocess.Popen[bytes], Any]:
    """'checkpoint server' in its own process on a free port, and a client enrolled with it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint.clock import SystemClock
    from sync.client import ClientSettings, SyncClient

    port = free_port()
    cli = [sys.executable, "-m", "checkpoint"]
    token = subprocess.run([*cli, "server", "token", "--data-dir", str(server_dir)], check=True,
                           capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([*cli, "server", "--data-dir", str(server_dir), "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    client = SyncClient(ClientSettings(f"http://127.0.0.1:{port}", timeout=60), "BENCH-1",
                        Ed25519PrivateKey.generate(), SystemClock())
    for _ in range(100):  # wait for the server process to listen (benchmark setup, not a test)
        try:
            client.server_time()
            break
        except Exception:
            time.sleep(0.1)
    client.enroll(token)
    return server, client


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crossings", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--keep", type=Path, help="folder to keep the filled log in between runs")
    ap.add_argument("--fill", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fill:
        fill(args.fill, args.crossings)
        return

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint.clock import SystemClock
    from checkpoint.log import CrossingLog, LogAnchor
    from sync.outbox import Progress, upload_backlog

    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    folder = args.keep or work
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"station-{args.crossings}.sqlite"
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--fill", str(log_path), "--crossings", str(args.crossings)],
                   check=True)
    print(f"log ready: {args.crossings} crossings ({time.perf_counter() - t:.1f} s to fill)")

    server, client = start_server(work / "server")
    try:
        # as the station runs it: with its log anchor, which each verified acknowledgement moves forward
        anchor = LogAnchor(work / "log-anchor.json", Ed25519PrivateKey.generate(), "BENCH-1")
        log = CrossingLog.open(log_path, station_id="BENCH-1", seal_to=None, hmac_key=b"b" * 32, clock=SystemClock(),
                               anchor=anchor)
        base_rss = rss_mib()
        samples: list[tuple[int, float]] = []
        step = max(args.crossings // 10, 1)

        def progress(p: Progress) -> None:
            if not samples or p.acknowledged // step > samples[-1][0] // step:
                samples.append((p.acknowledged, rss_mib()))

        t = time.perf_counter()
        result = upload_backlog(client, log, args.batch_size, progress)
        elapsed = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert result.acknowledged == args.crossings == log.sync_cursor, result
        log.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}")
    print(f"synced {args.crossings} crossings in batches of {args.batch_size}: {elapsed:.1f} s "
          f"({args.crossings / elapsed:,.0f} crossings/s; budget 60 s: {elapsed / 60:.2f} of it)")
    print(f"station RSS before sync {base_rss:.0f} MiB; during sync " +
          ", ".join(f"{a // 1000}k: {r:.0f}" for a, r in samples) + f" MiB; peak RSS {peak:.0f} MiB")
    print(f"RSS growth from 10% to 100% of the backlog: {samples[-1][1] - samples[1][1]:+.1f} MiB"
          if len(samples) > 2 else "")


if __name__ == "__main__":
    main()
