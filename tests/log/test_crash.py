"""Crash test: a child records in a loop and reports each committed id; SIGKILL it at random moments.

After every kill: every id the child reported is in the log, the chain verifies and SQLite's
``integrity_check`` is ok. The forking happens in a fresh driver process (``crash_driver``), never in
the pytest process whose other tests may have left threads behind. SIGKILL stops the process, not the
machine: the power-cut guarantee itself rests on ``synchronous=FULL`` (an fsync of the WAL at every
commit).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

ROUNDS = 60
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_reported_crossing(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.log.crash_driver", str(tmp_path), str(ROUNDS), str(seed)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"seed {seed}: {proc.stdout}{proc.stderr}"
    assert f"{ROUNDS} kills" in proc.stdout
