"""``checkpoint clock``: the clock guard's high-water mark of trusted time, and a supervisor's correction.

The station never trusts its clock to go backwards past the latest trusted time it has seen (a signed
list's issue time, the server's time, the last crossing). If that mark is wrong (set in the future by a
mistaken list or a clock that ran ahead before this check existed), every pass looks expired and new
lists look old: a supervisor resets the mark to the system clock (after checking it) or to a given time.
The correction asks the supervisor's PIN and is recorded in the crossing log (action ``clock_reset``,
in the hash chain); ``clock.json`` keeps the old and new mark in its history.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option, clock_from, config_from
from checkpoint.display import json_text, shown
from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z as iso


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "clock", help="show or correct the station's trusted-time mark",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csub = p.add_subparsers(dest="clock_command", metavar="ACTION", title="actions", required=True)
    s = csub.add_parser("status", help="system time, the trusted-time mark, and past corrections")
    add_config_option(s)
    add_data_dir_option(s)
    s.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(run=run_status)
    r = csub.add_parser("reset", help="correct a wrong mark (supervisor PIN; recorded in the crossing log)",
                        description="Set the trusted-time mark to the system clock (check the date and time "
                        "first), or to --to TIME. Asks the supervisor's PIN (or reads it from standard input). "
                        "Stop the app first, or use the button on its supervisor screen (F5): a running app "
                        "takes in the new mark within a second either way.")
    add_config_option(r)
    add_data_dir_option(r)
    r.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    r.add_argument("--supervisor", required=True, metavar="ID", help="the supervisor's officer id")
    r.add_argument("--to", metavar="ISO-8601", help="the new mark (default: the system clock now)")
    r.set_defaults(run=run_reset)


def _guard(args: argparse.Namespace) -> Any:
    from checkpoint.clockguard import ClockGuard

    config = config_from(args)
    data_dir = args.data_dir or config.data_dir
    return ClockGuard(data_dir / "clock.json", clock_from(args), config.rules.clock_skew)


def run_status(args: argparse.Namespace) -> int:
    guard = _guard(args)
    t = guard.assess()
    doc = {
        "system": iso(t.system.astimezone(UTC)), "trusted_high_water": iso(t.high_water), "source": guard.source,
        "suspect": t.suspect, "evaluated_at": iso(t.effective),
        "tolerance_seconds": guard.tolerance.total_seconds(), "corrections": guard.history,
    }
    if args.json:
        print(json_text(doc, indent=2))  # clock.json is a file on disk: read as outside text
        return EXIT_OK
    print(f"system clock:    {doc['system']}")
    print(f"trusted mark:    {doc['trusted_high_water'] or 'none yet'}" + (f" (from {shown(guard.source)})"
                                                                            if guard.source else ""))
    if t.suspect:
        print("state:           SUSPECT: the system clock is behind the mark; passes are judged at the mark")
    else:
        print("state:           ok")
    for h in guard.history[-5:]:
        print(shown(f"correction:      {h.get('at')} by {h.get('by')} ({h.get('via')}): {h.get('old')} -> "
                    f"{h.get('new')}"))
    return EXIT_OK


def _ask_pin() -> str:
    # scripts pipe the PIN; it never goes on the command line
    pin = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("Supervisor PIN: ")
    if not pin:
        raise CheckpointError("no PIN given")
    return pin


def run_reset(args: argparse.Namespace) -> int:
    from checkpoint.clock import parse_instant
    from checkpoint.clockguard import correct_mark
    from checkpoint.log import open_station_log
    from checkpoint.officers import OfficerPolicy, OfficerStore

    config = config_from(args)
    data_dir = args.data_dir or config.data_dir
    clock = clock_from(args)
    try:
        new_mark = parse_instant(args.to) if args.to else clock.now().astimezone(UTC)
    except ValueError:
        raise CheckpointError(f"--to {args.to!r} is not an ISO-8601 time (e.g. 2026-11-30T08:00:00Z)") from None
    officers = OfficerStore.open(data_dir, clock, OfficerPolicy.from_config(config))
    signed = officers.sign_in(args.supervisor, _ask_pin())
    if signed.officer is None:
        if signed.locked_until is not None:
            raise CheckpointError(f"{args.supervisor} is locked until {iso(signed.locked_until)}; nothing changed")
        raise CheckpointError("wrong officer id or PIN; nothing changed")
    if not signed.officer.is_supervisor:
        raise CheckpointError(f"{args.supervisor} is not a supervisor; nothing changed")
    guard = _guard(args)
    with open_station_log(config, clock, data_dir) as log:
        old, new = correct_mark(guard, log.record_action, signed.officer.id, new_mark, "cli")
    print(f"trusted-time mark corrected: {iso(old) or 'none'} -> {iso(new)} "
          f"(by {signed.officer.id}; recorded in the crossing log)")
    return EXIT_OK
