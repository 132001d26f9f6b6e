"""No station thread may outlive its owner: a daemon thread still running when the interpreter tears down is
where a native fault lands (issue 18: the arm64 exit crash; docs/arm64.md)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.log import CrossingContext
from tests.log.conftest import NOW, Passes, open_log

LOG_THREADS = {"log-checkpointer", "id-index", "log-quick-check"}
ROOT = Path(__file__).resolve().parents[2]


def _station_threads() -> set[str]:
    return {t.name for t in threading.enumerate()} & LOG_THREADS


def test_close_stops_and_joins_the_log_threads(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                               passes: Passes) -> None:
    before = [t for t in threading.enumerate() if t.name in LOG_THREADS]
    log = open_log(log_path, supervisor, clock)
    log.record(passes.decide(), CrossingContext("officer-7", "1", "in", NOW, False, False))
    log.close()
    log = open_log(log_path, supervisor, clock, sync_check_max_bytes=0)  # quick_check in the background too
    started = [t for t in threading.enumerate() if t.name in LOG_THREADS and t not in before]
    # the background quick check may be over already on a loaded machine: then it is not alive either
    assert LOG_THREADS - {"log-quick-check"} <= {t.name for t in started}
    log.close()
    assert [t.name for t in started if t.is_alive()] == []


def _run(code: str, tmp_path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_headless_demo_leaves_no_thread_running(tmp_path: Path) -> None:
    # Checked when main() returns, before any atexit hook: the demo itself must stop what it started.
    out = _run("import threading\n"
               "from checkpoint.cli import main\n"
               "rc = main(['demo', '--headless', '--no-sync'])\n"
               "print('ALIVE', sorted(t.name for t in threading.enumerate() if t is not threading.main_thread()))\n"
               "raise SystemExit(rc)\n", tmp_path)
    assert "11 of 11 passes got the expected verdict." in out
    assert "ALIVE []" in out, out[-500:]


def test_a_log_left_open_is_closed_at_interpreter_exit(tmp_path: Path) -> None:
    # A command that forgets close(): the log's threads are still stopped before the interpreter tears down.
    # This hook is registered before the log module's own, so it runs after it (atexit is last in, first out).
    out = _run("import atexit, threading\n"
               "atexit.register(lambda: print('AT EXIT', sorted(t.name for t in threading.enumerate()"
               " if t is not threading.main_thread())))\n"
               "from tests.log.conftest import HMAC_KEY, NOW\n"
               "from checkpoint.clock import FixedClock\n"
               "from checkpoint.log import CrossingLog\n"
               "from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey\n"
               f"log = CrossingLog.open(__import__('pathlib').Path({str(tmp_path / 'c.sqlite')!r}), station_id='HN-01',"
               " seal_to=X25519PrivateKey.generate().public_key(), hmac_key=HMAC_KEY, clock=FixedClock(NOW))\n"
               "print('OPEN', sorted(t.name for t in threading.enumerate() if t is not threading.main_thread()))\n",
               tmp_path)
    assert "OPEN ['id-index', 'log-checkpointer']" in out, out
    assert "AT EXIT []" in out, out


