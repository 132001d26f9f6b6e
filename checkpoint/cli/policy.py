"""``checkpoint policy``: build and sign a policy bundle from a provincial office's files, install one on a
station, and show the one in force (docs/policy.md)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import clock_from
from checkpoint.cli.lists import add_station_options, dates, print_problems, print_stale
from checkpoint.cli.lists import station_from as _station
from checkpoint.isotime import iso_z as iso

EXAMPLE = """\
A folder the provincial office edits (UTF-8; errors name the file and line):

  policy.toml     [bundle] min_station_version = "0.1.0", below_min = "warn" | "refuse"
                  [[rule]] level = 4, category = "*", action = "test", max_hours = 72
                  [[rule]] level = "unknown", action = "medical"
                  [[notice]] id = "n-2026-12-01", severity = "urgent", vi = "...", en = "...",
                             valid_from = 2026-12-01T00:00:00+07:00, valid_until = 2026-12-08T00:00:00+07:00
  levels.csv      code,level,name      e.g. 01,2,Thành phố Hà Nội  /  00070,4,Phường Hoàn Kiếm
  renamed.csv     old_code,new_code    (optional) codes from before 1 July 2025 -> the unit now
  units.csv       code,name,province_code  (optional) units beside the vietnam-provinces package's table

Actions: admit, test (a negative test no older than max_hours), vaccination, medical (medical desk),
quarantine. Level "unknown": an origin that matches no unit. Category "*": any without a rule of its own.
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "policy", help="the centre's policy bundle: build, install, status",
        description="The policy bundle carries risk levels by administrative unit, the rule per level and "
        "category, the minimum station software version and notices. It is signed by the root key like the trust "
        "list, published with 'checkpoint server publish policy-bundle', and pulled by sync.",
    )
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", title="actions", required=True)
    b = psub.add_parser("build", help="build and sign a bundle from a folder of TOML and CSV files",
                        description="Build and sign a policy bundle.", epilog=EXAMPLE,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("folder", type=Path, help="the folder with policy.toml and levels.csv")
    b.add_argument("--root-key", type=Path, required=True, metavar="FILE", help="root private key (PEM)")
    b.add_argument("--version", type=int, required=True, metavar="N",
                   help="the bundle's version: above every version published before")
    b.add_argument("--valid-days", type=int, default=7, metavar="D", help="days until it expires (default 7)")
    b.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the signed bundle")
    b.add_argument("--no-package", action="store_true",
                   help="do not use the vietnam-provinces package's unit table (units.csv only)")
    b.add_argument("--check", action="store_true", help="only check the files; write nothing")
    b.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    b.set_defaults(run=run_build)
    i = psub.add_parser("install", help="install a signed policy bundle on this station",
                        description="Verify a policy bundle against the pinned root keys and put it in force (an "
                        "older, expired, wrongly signed or future-issued bundle is refused and the one in force "
                        "stays; a running app takes it in within seconds).")
    add_station_options(i)
    i.add_argument("file", type=Path, help="the signed bundle (.cose)")
    i.set_defaults(run=run_install)
    s = psub.add_parser("status", help="the bundle in force: version, age, levels, rules, notices")
    add_station_options(s)
    s.set_defaults(run=run_status)


def run_build(args: argparse.Namespace) -> int:
    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.errors import CheckpointError
    from checkpoint.policy import build_policy_bundle
    from checkpoint.policy_authoring import read_source
    from checkpoint.trust import keys

    src, origin = read_source(args.folder, use_package=not args.no_package)
    print(f"{len(src.units.units)} units ({origin}), {len(src.levels)} levels, {len(src.rules)} rules, "
          f"{len(src.notices)} notices, {len(src.units.renamed)} old codes mapped")
    if args.check:
        return EXIT_OK
    if args.version < 1 or args.valid_days < 1:
        raise CheckpointError("--version and --valid-days must be 1 or more")
    root = keys.load_private_pem(read_capped(args.root_key, STATION_FILE, "root key"), str(args.root_key))
    now = clock_from(args).now()
    data = build_policy_bundle(version=args.version, issued=now, expires=now + timedelta(days=args.valid_days),
                               units=src.units, levels=src.levels, rules=src.rules, root=root,
                               min_station_version=src.min_station_version, below_min=src.below_min,
                               notices=src.notices)
    from checkpoint.atomic import write_atomic

    write_atomic(args.out, data)
    print(f"policy bundle v{args.version} ({len(data)} bytes) written to {args.out}")
    return EXIT_OK


def run_install(args: argparse.Namespace) -> int:
    from checkpoint.capped import STATION_FILE, read_capped

    b = _station(args).install_policy_bundle(read_capped(args.file, STATION_FILE, "policy bundle"))
    print(f"policy bundle v{b.version} in force ({len(b.levels)} levels, {len(b.rules)} rules, "
          f"{len(b.notices)} notices)")
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    from checkpoint.display import shown

    st = _station(args)
    now = st.guard.assess().effective
    b = st.policy.bundle
    if b is None:
        print("policy bundle: none installed")
    else:
        print(f"policy bundle: v{b.version}, units {b.units.edition}, {dates(b, now)}")
        for (level, category), rule in sorted(b.rules.items()):
            hours = f" {rule.max_hours} h" if rule.max_hours else ""
            print(f"  rule {level:<8} {category:<10} {rule.action}{hours}")
        for n in b.active_notices(now):
            print(f"  notice {n.id} [{n.severity}] until {iso(n.valid_until)}: {shown(n.en)}")
    if st.policy.stale(now):
        print_stale("policy bundle", "bundle")
    outdated = st.policy.outdated()
    if outdated:
        print(f"WARNING: station software {outdated[0]} is older than the bundle's minimum {outdated[1]}")
    print_problems(st)
    return EXIT_OK
