"""The crash test's driver, run as its own process: ``python -m tests.log.crash_driver DIR ROUNDS SEED``.

It forks a recording child per round and SIGKILLs it at a random moment. It runs in a fresh
interpreter with no other threads, because forking the pytest process itself is unsafe: a thread
left by an earlier test (a log's checkpointer inside SQLite, say) can hold a lock at the moment of
the fork, and the child then hangs on it. Exit status 0: every round held; 1: the first failure is
printed.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.log import CrossingLog
from tests.log.conftest import NOW, Passes, ctx, open_log


def _child(path: Path, supervisor: X25519PrivateKey, passes: Passes, out: int) -> None:
    try:
        log = open_log(path, supervisor, FixedClock(NOW))
        decisions = [passes.decide(), passes.garbage(), passes.expired()]
        for i in range(100_000):
            c = log.record(decisions[i % 3], ctx())
            os.write(out, f"{c.seq} {c.id}\n".encode())  # < PIPE_BUF: atomic, never half a line
            if i % 7 == 0:
                log.record_action("heartbeat", None, {"i": str(i)})
    finally:
        os._exit(0)


def _read_line_count(fd: int, want: int, buf: bytearray) -> None:
    while buf.count(b"\n") < want:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            raise SystemExit("the child stopped reporting for 60 s")
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buf += chunk


def run(folder: Path, rounds: int, seed: int) -> str | None:
    """None when every round held, else what went wrong."""
    rng = random.Random(seed)
    supervisor, passes = X25519PrivateKey.generate(), Passes()
    path = folder / "crossings.sqlite"
    reported: dict[int, str] = {}
    for round_ in range(rounds):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(path, supervisor, passes, w)
        os.close(w)
        buf = bytearray()
        _read_line_count(r, rng.randrange(0, 25), buf)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        while chunk := os.read(r, 65536):  # lines written before the kill were committed too
            buf += chunk
        os.close(r)
        for line in buf.decode().splitlines():
            seq, cid = line.split()
            reported[int(seq)] = cid
        if not path.exists() and not reported:  # killed before it made the log (a first round with 0 lines)
            continue
        with CrossingLog.open_readonly(path, clock=FixedClock(NOW)) as log:
            stored = {c.seq: c.id for c in log.crossings()}
            report = log.verify_chain()
        missing = {s: i for s, i in reported.items() if stored.get(s) != i}
        if missing:
            return f"round {round_}: reported but not stored: {missing}"
        if not report.ok:
            return f"round {round_}: chain broken: {report.problem}"
        with sqlite3.connect(path) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            return f"round {round_}: integrity_check: {check}"
    if len(reported) <= rounds:
        return f"only {len(reported)} crossings reported over {rounds} rounds: the kills missed the work"
    with open_log(path, supervisor, FixedClock(NOW)) as log:  # and the station starts and records on
        if log.record(passes.decide(), ctx()).seq != log.last_seq:
            return "the log did not record on after the last kill"
    print(f"{rounds} kills, {len(reported)} reported crossings, all stored; chain and integrity ok")
    return None


if __name__ == "__main__":
    problem = run(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    if problem:
        print(problem)
    sys.exit(1 if problem else 0)
