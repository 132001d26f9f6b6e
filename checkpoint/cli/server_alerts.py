"""``checkpoint server alerts``: the alerts stations raised at the centre, listed and acknowledged.

An alert is raised by a station's upload: tampering found by the server, a station reporting its own log
replaced or broken, and a suspected illegal entry an officer recorded as a disposition (seed 001: report
illegal entrants promptly). They stay until a supervisor acknowledges them (the acknowledgement is kept:
who and when); ``checkpoint server stations`` flags stations with open ones.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.display import shown
from checkpoint.errors import CheckpointError

_KIND_WORDS = {"illegal_entry": "SUSPECTED ILLEGAL ENTRY", "tampering": "TAMPERING", "log_replaced": "LOG REPLACED",
               "log_broken": "LOG BROKEN"}


def add_alerts(ssub: Any, data_dir: Callable[..., None], storage: Callable[[argparse.Namespace], Any]) -> None:
    """``server alerts``; ``data_dir`` adds the server's --data-dir/--database options, ``storage`` opens it."""
    a: argparse.ArgumentParser = ssub.add_parser(
        "alerts", help="list the alerts stations raised (suspected illegal entries, tampering) and acknowledge them",
        description="Open alerts, oldest first: a suspected illegal entry recorded by an officer (report it to the "
        "local authority promptly), tampering found in a station's upload, a station's log replaced or broken. "
        "'--ack N --by NAME' marks alert N as seen by NAME (kept with the alert; '--all' lists those too).")
    data_dir(a, database=True)
    a.add_argument("--all", action="store_true", help="also list acknowledged alerts")
    a.add_argument("--station", metavar="ID", help="only this station's alerts")
    a.add_argument("--ack", type=int, nargs="+", metavar="N", help="acknowledge alert N (the number listed)")
    a.add_argument("--by", metavar="NAME", help="who acknowledges (required with --ack)")
    a.set_defaults(run=run_alerts, open_storage=storage)


def run_alerts(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    if args.ack and not (args.by and args.by.strip() and len(args.by) <= 64 and args.by.isprintable()):
        raise CheckpointError("--ack needs --by NAME: who acknowledges the alert (1 to 64 characters)")
    storage = args.open_storage(args)
    try:
        if args.ack:
            missing = [n for n in args.ack if not storage.acknowledge_alert(n, args.by.strip(), datetime.now(UTC))]
            done = [n for n in args.ack if n not in missing]
            if done:
                print(f"Acknowledged alert(s) {', '.join(map(str, done))} by {shown(args.by.strip())}.")
            if missing:
                raise CheckpointError(f"no open alert numbered {', '.join(map(str, missing))} (unknown, or "
                                      "acknowledged already: see --all)")
            return EXIT_OK
        rows = [a for a in storage.alert_list(include_acknowledged=args.all)
                if args.station is None or a["station_id"] == args.station]
    finally:
        storage.close()
    if not rows:
        print("No open alerts." if not args.all else "No alerts.")
    for a in rows:  # stations' uploads wrote these: outside text, shown through ``shown``
        kind = _KIND_WORDS.get(a["kind"], a["kind"])
        seen = f"  (acknowledged by {shown(a['acked_by'])} at {shown(a['acked_at'])})" if a["acked_at"] else ""
        print(f"#{a['n']:<5} {shown(a['at'])}  {shown(a['station_id']):<16} {shown(kind)}: {shown(a['detail'])}{seen}")
    open_count = sum(1 for a in rows if not a["acked_at"])
    if open_count:
        print(f"{open_count} open: acknowledge with 'checkpoint server alerts --ack N --by NAME'.")
    return EXIT_OK
