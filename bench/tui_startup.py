"""Startup of the station app: from a new Python process to a ready scan screen.

    .venv/bin/python -m bench.tui_startup [RUNS]

Each run is a fresh interpreter (imports count, as they do for an officer switching the station on) on
a station folder prepared once: signed trust and revocation lists, an officer, a crossing log with 10,000
crossings. The child starts the real app headless (no terminal), signed in, without a camera, and reports
the moment the scan screen has mounted and drawn READY. Also timed: the same with the log empty, and the
import of the app alone. Prints median and worst of the runs and the ratio to the 1.5 s budget.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BUDGET = 1.5
ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
t_spawn = float(sys.argv[1])
from pathlib import Path
from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.tui.app import StationApp
from checkpoint.tui.wiring import build_services
import json
raw = json.loads(Path(sys.argv[2], "config.json").read_text())
config = parse_config(raw)
services = build_services(config, SystemClock(), data_dir=Path(sys.argv[2]), camera=None)
officer = services.officers.get("CB01")

class Timed(StationApp):
    async def on_mount(self) -> None:
        await super().on_mount()
        self.call_after_refresh(self.ready)

    def ready(self) -> None:
        assert self.scan.query_one("#verdict").state == "ready"
        print(f"{time.time() - t_spawn:.4f}")
        self.exit()

Timed(services, officer=officer).run(headless=True)
"""


def prepare(folder: Path, crossings: int) -> None:
    import json

    from argon2 import PasswordHasher

    from checkpoint.clock import SystemClock
    from checkpoint.demo import make_world
    from checkpoint.log import CrossingContext
    from checkpoint.tui.wiring import build_services

    clock = SystemClock()
    world = make_world(folder, clock.now())
    raw = dict(world.config.raw)
    raw["scanner"] = {"source": ""}
    (folder / "config.json").write_text(json.dumps(raw))
    from checkpoint.config import parse_config

    services = build_services(parse_config(raw), clock, data_dir=folder, camera=None,
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    services.officers.add("CB01", "Bench", "1234")
    decision, _ = services.station.decide(world.passes[2].text)  # an expired pass: never a duplicate
    log = services.recorder.log
    ctx = CrossingContext("CB01", "1", "in", datetime.now(UTC), False)
    for _ in range(crossings):
        log.record(decision, ctx)
    log.close()


def run_child(folder: Path) -> tuple[float, float]:
    """(wall seconds to READY, CPU seconds of the whole child run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", CHILD, repr(time.time()), str(folder)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"the app did not start:\n{out.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(out.stdout.strip().splitlines()[-1]), cpu


def import_time() -> float:
    t = time.time()
    subprocess.run([sys.executable, "-c", "import checkpoint.tui.app"], cwd=ROOT, check=True, timeout=60)
    return time.time() - t


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    print(f"machine: {os.cpu_count()} CPUs, {cpu}; Python {sys.version.split()[0]}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for crossings in (0, 10_000):
        with tempfile.TemporaryDirectory(prefix="tui-bench-") as tmp:
            folder = Path(tmp)
            prepare(folder, crossings)
            results = [run_child(folder) for _ in range(runs)]
            times = sorted(r[0] for r in results)
            cpu = statistics.median(r[1] for r in results)
            med = statistics.median(times)
            print(f"startup to READY, log with {crossings:>6,} crossings: median {med:.3f} s, best {times[0]:.3f} s, "
                  f"worst {times[-1]:.3f} s over {runs} runs ({med / BUDGET:.0%} of the {BUDGET} s budget); "
                  f"CPU per run (start to exit) {cpu:.3f} s")
    imports = sorted(import_time() for _ in range(3))
    print(f"python -c 'import checkpoint.tui.app' (interpreter start + imports): median {imports[1]:.3f} s")


if __name__ == "__main__":
    main()
