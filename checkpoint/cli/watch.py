"""``checkpoint watch-list``: build and sign a watch list from the CSV a provincial office edits; show one.

The CSV (UTF-8, a header line, then one person a line; blank lines and lines starting with ``#`` skipped)::

    id_number,kind,until
    001085012345,case,
    079190001234,quarantine,2026-12-14

``kind`` is ``case`` (a confirmed case: send to the medical desk) or ``quarantine`` (under a quarantine order:
refer to quarantine); ``until`` (YYYY-MM-DD) is the last day of the order, in Vietnam time: the entry stops
matching after it (needed for ``quarantine``, optional for ``case``). An error names the file and the line.
The id numbers never leave this machine in clear: each is hashed (Argon2id, a fresh random salt for this
version) and only the hashes are signed (docs/watch-list.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import clock_from
from checkpoint.errors import CheckpointError

HEADER = ("id_number", "kind", "until")
SALT_BYTES = 16


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "watch-list", help="build, sign and show watch lists (confirmed cases, quarantine orders)",
        description="Watch lists for the provincial office: build and sign one from a CSV file of id numbers "
        "(only keyed slow hashes of them are signed, never the numbers), or show what a signed one holds. "
        "Publish it with 'checkpoint server publish watch-list'; stations pull it at every sync, or install it "
        "with 'checkpoint trust install watch-list'. A station that scans a listed id number shows CHECK and "
        "the instruction. See docs/watch-list.md.",
    )
    wsub = p.add_subparsers(dest="watch_command", metavar="ACTION", title="actions", required=True)
    b = wsub.add_parser(
        "build", help="build and sign a watch list from a CSV file",
        description="Read FILE.csv (header 'id_number,kind,until'; kind 'case' or 'quarantine'; until YYYY-MM-DD, "
        "the order's last day in Vietnam time, needed for quarantine), hash every id number with a fresh random "
        "salt (Argon2id; ~0.1 s of a core each, spread over this machine's cores) and sign the list with the "
        "root key. An error names the file and the line; nothing is written then.",
        epilog="Example: checkpoint watch-list build --csv watch.csv --root-key root.key.pem --version 3 "
        "--out watch-list-3.cose")
    b.add_argument("--csv", type=Path, required=True, metavar="FILE", help="the office's CSV file (UTF-8)")
    b.add_argument("--root-key", type=Path, required=True, metavar="PEM", help="root private key (PEM)")
    b.add_argument("--version", type=int, required=True, help="list version; must grow with every new list")
    b.add_argument("--valid-days", type=float, default=7.0, help="list expiry in days (default 7)")
    b.add_argument("--at", metavar="ISO-8601", help="issue time (default now)")
    b.add_argument("--out", type=Path, required=True, metavar="FILE", help="the signed list to write (.cose)")
    b.add_argument("--hash-cost", metavar="T,MIB", help=argparse.SUPPRESS)  # tests only: a cheaper hash
    b.set_defaults(run=run_build)
    s = wsub.add_parser("show", help="what a signed watch list holds (counts, never id numbers)",
                        description="Verify FILE with the root public key and print its version, dates, hash "
                        "parameters and the number of entries by instruction.")
    s.add_argument("file", type=Path, metavar="FILE")
    s.add_argument("--root", type=Path, action="append", required=True, metavar="PEM",
                   help="root public key that signs the lists (repeatable)")
    s.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    s.set_defaults(run=run_show)


@dataclass(frozen=True)
class Row:
    line: int
    normalised: str
    kind: str
    last_day: date | None


def parse_csv(text: str, name: str, today: date) -> list[Row]:
    """The rows of an office's CSV; a ``CheckpointError`` names ``name`` and the line of the first problem."""
    from checkpoint.lookup_keys import id_problem, normalise_id_number
    from checkpoint.trust import WatchKind

    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and
             not line.lstrip().startswith("#")]
    if not lines:
        raise CheckpointError(f"{name}: empty; expected a header line {','.join(HEADER)!r} and one person a line")
    first, header = lines[0]
    if tuple(c.strip().lower() for c in next(csv.reader([header]))) != HEADER:
        raise CheckpointError(f"{name}:{first}: the header must be {','.join(HEADER)!r}")
    rows: list[Row] = []
    seen: dict[str, int] = {}
    kinds = ", ".join(k.value for k in WatchKind)
    for n, line in lines[1:]:
        cells = [c.strip() for c in next(csv.reader(io.StringIO(line)))]
        if len(cells) == 2:
            cells.append("")
        if len(cells) != 3:
            raise CheckpointError(f"{name}:{n}: expected 3 columns ({','.join(HEADER)}), found {len(cells)}")
        raw_id, kind, until = cells
        problem = id_problem(raw_id, foreign_ok=True)
        if problem is not None:
            raise CheckpointError(f"{name}:{n}: {problem}")
        normalised = normalise_id_number(raw_id)
        if normalised in seen:
            raise CheckpointError(f"{name}:{n}: the same id number as line {seen[normalised]}: keep one line a person")
        seen[normalised] = n
        if kind.lower() not in {k.value for k in WatchKind}:
            raise CheckpointError(f"{name}:{n}: kind {kind[:20]!r} is not one of: {kinds}")
        last = None
        if until:
            try:
                last = date.fromisoformat(until)
            except ValueError:
                raise CheckpointError(f"{name}:{n}: until {until[:20]!r} is not a date (YYYY-MM-DD)") from None
            if last < today:
                raise CheckpointError(f"{name}:{n}: the order ended on {last.isoformat()}: remove the line")
        elif kind.lower() == WatchKind.QUARANTINE.value:
            raise CheckpointError(f"{name}:{n}: a quarantine order needs its last day (until, YYYY-MM-DD)")
        rows.append(Row(n, normalised, kind.lower(), last))
    return rows


def hash_rows(rows: Sequence[Row], salt: bytes, params: Any) -> list[bytes]:
    """Each row's entry hash, on all cores (Argon2id releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from checkpoint.trust import entry_key

    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda r: entry_key(r.normalised, salt, params), rows))


def run_build(args: argparse.Namespace) -> int:
    from checkpoint.atomic import write_atomic
    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.trust import (
        WATCH_PRODUCTION_PARAMS,
        Instruction,
        WatchHashParams,
        WatchKind,
        build_watch_list,
        keys,
    )
    from checkpoint.watch import VN_TIME

    root = keys.load_private_pem(read_capped(args.root_key, STATION_FILE, "root key"), str(args.root_key))
    now = clock_from(args).now()
    try:
        text = read_capped(args.csv, STATION_FILE, "watch list CSV").decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CheckpointError(f"{args.csv}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from None
    rows = parse_csv(text, str(args.csv), now.astimezone(VN_TIME).date())
    params = WATCH_PRODUCTION_PARAMS
    if args.hash_cost:
        t, _, mib = args.hash_cost.partition(",")
        if not (t.isdigit() and mib.isdigit()):
            raise CheckpointError("--hash-cost: expected PASSES,MIB (e.g. 2,32)")
        params = WatchHashParams(int(t), int(mib) * 1024)
        params.check()
    salt = secrets.token_bytes(SALT_BYTES)  # fresh for every version: no table of hashes carries over

    def instruction(row: Row) -> Instruction:
        until = None
        if row.last_day is not None:
            until = datetime.combine(row.last_day + timedelta(days=1), time(0), VN_TIME)
        return Instruction(WatchKind(row.kind), until)

    digests = hash_rows(rows, salt, params)
    data = build_watch_list(zip(digests, map(instruction, rows), strict=True), version=args.version, issued=now,
                            expires=now + timedelta(days=args.valid_days), salt=salt, params=params, root=root)
    try:
        write_atomic(args.out, data, mode=0o644)
    except OSError as e:
        raise CheckpointError(f"{args.out}: cannot write ({e.strerror})") from None
    print(f"watch list v{args.version} with {len(rows)} entr{'y' if len(rows) == 1 else 'ies'} written to {args.out} "
          f"(argon2id t={params.time_cost} m={params.memory_kib // 1024} MiB; the id numbers are not in it)")
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.isotime import iso_z
    from checkpoint.station import load_roots
    from checkpoint.trust import load_watch_list

    roots = load_roots(tuple(args.root))
    wl = load_watch_list(read_capped(args.file, STATION_FILE, "watch list"), roots, None)
    now = clock_from(args).now()
    print(f"watch list v{wl.version}: {len(wl)} entries, issued {iso_z(wl.issued)}, expires {iso_z(wl.expires)}"
          f"{' (EXPIRED)' if now >= wl.expires else ''}")
    print(f"hash: argon2id t={wl.params.time_cost} m={wl.params.memory_kib} KiB p={wl.params.lanes}, "
          f"salt {len(wl.salt)} bytes")
    for ins, count in sorted(wl.counts().items(), key=lambda kv: (kv[0].kind.value, kv[0].until or wl.issued)):
        print(f"  {count:>7}  {ins.kind.value}{' until ' + iso_z(ins.until) if ins.until else ''}")
    return EXIT_OK
