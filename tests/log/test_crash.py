"""Crash test: a child records in a loop and reports each committed id; SIGKILL it at random moments.

After every kill: every id the child reported is in the log, the chain verifies and SQLite's
``integrity_check`` is ok. The child is forked from the test process (already imported), so each
round costs milliseconds, not an interpreter start. SIGKILL stops the process, not the machine: the
power-cut guarantee itself rests on ``synchronous=FULL`` (an fsync of the WAL at every commit).
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.log import CrossingLog
from tests.log.conftest import NOW, Passes, ctx, open_log

ROUNDS = 60


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
        ready, _, _ = select.select([fd], [], [], 60)  # generous: fsync can stall on a busy disk
        assert ready, "the child stopped reporting"
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buf += chunk


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_reported_crossing(tmp_path: Path, supervisor: X25519PrivateKey,
                                                              passes: Passes) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    path = tmp_path / "crossings.sqlite"
    reported: dict[int, str] = {}
    for round_ in range(ROUNDS):
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
        with CrossingLog.open_readonly(path, clock=FixedClock(NOW)) as log:
            stored = {c.seq: c.id for c in log.crossings()}
            report = log.verify_chain()
        missing = {s: i for s, i in reported.items() if stored.get(s) != i}
        assert not missing, f"seed {seed}, round {round_}: reported but not stored: {missing}"
        assert report.ok, f"seed {seed}, round {round_}: {report.problem}"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"seed {seed}"
    assert len(reported) > ROUNDS  # the kills landed in the middle of real work
    with open_log(path, supervisor, FixedClock(NOW)) as log:  # and the station starts and records on
        assert log.record(passes.decide(), ctx()).seq == log.last_seq
