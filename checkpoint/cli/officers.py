"""``checkpoint officers``: who may sign in at this station (the first supervisor is added here)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option
from checkpoint.display import shown
from checkpoint.errors import CheckpointError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "officers", help="add officers and supervisors, change PINs, unlock accounts",
        description="Officers sign in to the station app with an id and a PIN (stored only as an argon2id hash "
        "in the data folder). Add the first supervisor here before the first shift.",
    )
    add_config_option(p)
    add_data_dir_option(p)
    ops = p.add_subparsers(dest="op", metavar="ACTION", title="actions", required=True)
    add = ops.add_parser("add", help="add an officer (the PIN is asked for, twice)")
    add.add_argument("--id", required=True, help="officer id, e.g. CB01")
    add.add_argument("--name", required=True, help="name shown on screen and in the log")
    add.add_argument("--supervisor", action="store_true", help="may open the supervisor screen")
    ops.add_parser("list", help="list officers and whether they are locked")
    pin = ops.add_parser("set-pin", help="set a new PIN (and unlock)")
    pin.add_argument("--id", required=True)
    unlock = ops.add_parser("unlock", help="unlock an account locked after wrong PINs")
    unlock.add_argument("--id", required=True)
    rm = ops.add_parser("remove", help="remove an officer")
    rm.add_argument("--id", required=True)
    p.set_defaults(run=run)


def _ask_pin() -> str:
    if not sys.stdin.isatty():
        pin = sys.stdin.readline().strip()  # scripts pipe the PIN; it never goes on the command line
        if not pin:
            raise CheckpointError("no PIN given on standard input")
        return pin
    first = getpass.getpass("PIN: ")
    if getpass.getpass("PIN again: ") != first:
        raise CheckpointError("the two PINs differ; nothing was changed")
    return first


def run(args: argparse.Namespace) -> int:
    from checkpoint.clock import SystemClock
    from checkpoint.config import load_config
    from checkpoint.officers import OfficerPolicy, OfficerStore

    config = load_config(args.config)
    data_dir = args.data_dir or config.data_dir
    clock = SystemClock()
    store = OfficerStore.open(data_dir, clock, OfficerPolicy.from_config(config))
    if args.op == "add":
        o = store.add(args.id, args.name, _ask_pin(), supervisor=args.supervisor)
        print(f"added {o.role} {shown(o.id)} ({shown(o.name)})")
    elif args.op == "list":
        now = clock.now()
        for o in store.all():
            locked = o.locked_at(now)
            state = f"locked until {locked:%Y-%m-%d %H:%M} UTC" if locked else "active"
            print(f"{shown(o.id):<12} {o.role:<10} {state:<34} {shown(o.name)}")  # typed by people: outside text
        if len(store) == 0:
            print("no officers yet: checkpoint officers add --id ID --name NAME --supervisor")
    elif args.op == "set-pin":
        store.set_pin(args.id, _ask_pin())
        print(f"PIN changed for {shown(args.id)}")
    elif args.op == "unlock":
        store.unlock(args.id)
        print(f"{shown(args.id)} unlocked")
    elif args.op == "remove":
        store.remove(args.id)
        print(f"{shown(args.id)} removed")
    return EXIT_OK
