"""``checkpoint trust``: show and install signed trust and revocation lists."""

from __future__ import annotations

import argparse
from datetime import UTC
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.lists import add_station_options, dates, print_problems, print_stale
from checkpoint.cli.lists import station_from as _station
from checkpoint.display import shown
from checkpoint.isotime import iso_z as iso


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "trust", help="show or install trust and revocation lists",
        description="Show the lists in force at this station, or install a new signed list (verified against "
        "the pinned root keys; an older, expired, wrongly signed or future-issued list is refused and the old one "
        "stays; a running app takes in the new list within seconds).",
    )
    tsub = p.add_subparsers(dest="trust_command", metavar="ACTION", title="actions", required=True)
    s = tsub.add_parser("status", help="the lists in force and their age")
    add_station_options(s)
    s.set_defaults(run=run_status)
    i = tsub.add_parser("install", help="install a signed trust list or revocation list")
    add_station_options(i)
    i.add_argument("kind", choices=["trust-list", "revocation-list", "watch-list"])
    i.add_argument("file", type=Path, help="the signed list (.cose), or - to read it from standard input "
                   "(sudo checkpoint trust install trust-list - < trust-list.cose)")
    i.set_defaults(run=run_install)


def run_status(args: argparse.Namespace) -> int:
    st = _station(args)
    now = st.guard.assess().effective
    tl, rl = st.trust_list, st.revocations
    if tl:
        print(f"trust list:      v{tl.version}, {len(tl.store)} key(s), {dates(tl, now)}")
        for k in tl.store.all_keys():
            print(f"  {k.kid.hex()}  {shown(k.issuer) or '-':<10} {k.status.value}")
    else:
        print("trust list:      none installed")
    if st.folder_store:
        print(f"key folder:      {shown(st.folder_store.source.description)}")
    if rl:
        print(f"revocation list: v{rl.version}, {len(rl.ids)} pass id(s), {dates(rl, now)}")
    else:
        print("revocation list: none installed")
    wl = st.watch.in_force
    print(f"watch list:      v{wl.version}, {len(wl)} entr(ies), issued {iso(wl.issued)}, expires {iso(wl.expires)}"
          if wl else "watch list:      none installed")
    if st.watch.stale(now):
        print_stale("watch list", "list")
    for kind in st.stale_lists(now):
        print(f"STALE: the {kind} in force has expired; it is still applied (revoked stays revoked) and every "
              "verdict is flagged lists_stale (CHECK): sync, or install a current list")
    hw = st.guard.high_water
    print(f"clock:           system {iso(st.clock.now().astimezone(UTC))}, trusted high-water {iso(hw)}")
    print_problems(st)
    return EXIT_OK


def run_install(args: argparse.Namespace) -> int:
    import sys

    from checkpoint.capped import STATION_FILE as MAX_FILE
    from checkpoint.capped import read_capped
    from checkpoint.errors import CheckpointError

    st = _station(args)
    what = args.kind.replace("-", " ")
    if str(args.file) == "-":
        data = sys.stdin.buffer.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise CheckpointError(f"the {what} on standard input is larger than {MAX_FILE // 2**20} MiB")
    else:
        data = read_capped(args.file, MAX_FILE, what)
    if args.kind == "watch-list":
        wl = st.install_watch_list(data)
        print(f"watch list v{wl.version} in force ({len(wl)} entries)")
    elif args.kind == "trust-list":
        tl = st.install_trust_list(data)
        print(f"trust list v{tl.version} in force ({len(tl.store)} keys)")
    else:
        rl = st.install_revocation_list(data)
        print(f"revocation list v{rl.version} in force ({len(rl.ids)} pass ids)")
    return EXIT_OK
