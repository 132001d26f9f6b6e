"""``checkpoint demo``: the station on generated passes, no webcam needed."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the station on generated demo passes (no webcam needed)",
        description="Make a demo issuer, signed trust and revocation lists, and a batch of passes (valid, "
        "expired, forged, revoked, other categories), then check each through the real pipeline.",
    )
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="keep the demo station's data here (default: a temporary folder, removed after)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.data_dir is not None:
        return _run(args.data_dir)
    with tempfile.TemporaryDirectory(prefix="checkpoint-demo-") as tmp:
        return _run(Path(tmp))


def _run(data_dir: Path) -> int:
    from checkpoint.cli.common import decision_text
    from checkpoint.clock import SystemClock
    from checkpoint.demo import make_world
    from checkpoint.station import Station

    clock = SystemClock()
    world = make_world(data_dir, clock.now())
    station = Station(world.config, clock)
    revoked = len(station.revocations.ids) if station.revocations else 0
    print(f"Demo station {world.config.station.id}: {len(station.store)} issuer keys, {revoked} revoked passes\n")
    wrong = 0
    for i, case in enumerate(world.passes, 1):
        decision, _ = station.decide(case.text)
        got = decision.reason.value if decision.reason else decision.verdict.value
        mark = "" if got == case.expected else f"   <-- expected {case.expected}"
        wrong += got != case.expected
        print(f"[{i:2}] {case.label}{mark}")
        print("     " + decision_text(decision).replace("\n", "\n     ") + "\n")
    print(f"{len(world.passes) - wrong} of {len(world.passes)} passes got the expected verdict.")
    return EXIT_OK if wrong == 0 else EXIT_REJECT
