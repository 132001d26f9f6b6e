"""``checkpoint log``: check, back up and inspect the crossing log (no personal data is shown)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.cli.common import add_config_option, add_data_dir_option, config_from
from checkpoint.display import shown

EXIT_BROKEN = EXIT_REJECT


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "log", help="check, back up and inspect the crossing log",
        description="The crossing log records every verdict, manual entry and officer action on this station. "
        "These tools read it without changing it (except erase-expired) and never show personal data.",
    )
    lsub = p.add_subparsers(dest="log_command", metavar="ACTION", title="actions", required=True)

    v = lsub.add_parser("verify", help="re-walk the hash chain and report the first broken link",
                        description="Re-walk the log's hash chains from the first crossing, and compare the log "
                        "with its anchor (log-anchor.json in the data folder: the last crossing recorded and the "
                        "last the central server acknowledged), which finds a log replaced or cut back. "
                        "Exit status 0: intact; "
                        "1: broken (the first broken link is reported); 2: the log cannot be read.")
    _common(v)
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.set_defaults(run=run_verify)

    s = lsub.add_parser("status", help="how many crossings, how many unsynced, the chain's head",
                        description="Counts and bookkeeping of the log: no personal data.")
    _common(s)
    s.add_argument("--json", action="store_true", help="print the status as JSON")
    s.set_defaults(run=run_status)

    b = lsub.add_parser("backup", help="copy the log safely (SQLite backup API) while the station runs",
                        description="Write a consistent copy of the log to FILE (atomically; mode 0600). Personal "
                        "fields stay sealed to the supervisor's key in the copy.")
    _common(b)
    b.add_argument("--out", type=Path, required=True, metavar="FILE", help="backup file to write")
    b.add_argument("--force", action="store_true", help="replace FILE if it exists")
    b.set_defaults(run=run_backup)

    e = lsub.add_parser("erase-expired", help="erase personal fields of synced crossings past retention",
                        description="Erase the sealed personal data and keyed hashes of crossings older than "
                        "[log] retention_days (default 30) that the central server already has. Counts, "
                        "verdicts and the hash chain stay.")
    _common(e)
    e.set_defaults(run=run_erase)


def _common(p: argparse.ArgumentParser) -> None:
    add_config_option(p)
    add_data_dir_option(p)


def _log_path(args: argparse.Namespace) -> Path:
    from checkpoint.log import log_settings

    return log_settings(config_from(args), args.data_dir).path


def _open_readonly(args: argparse.Namespace) -> Any:
    from checkpoint.clock import SystemClock
    from checkpoint.log import CrossingLog

    return CrossingLog.open_readonly(_log_path(args), clock=SystemClock())


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int | None = None) -> None:
        of = f" of {total}" if total else ""
        print(f"\r{label}: {done}{of}", end="", file=sys.stderr, flush=True)

    return show


def _anchor_problem(args: argparse.Namespace, log: Any) -> str | None:
    """Compare the log with its anchor (``<data dir>/log-anchor.json``) when the station has one."""
    from checkpoint.log import ANCHOR_FILE, AnchorError, LogAnchor, problem_with
    from checkpoint.station_keys import STATION_KEY_FILE, load_or_create_station_key

    folder = args.data_dir or config_from(args).data_dir
    if not (folder / ANCHOR_FILE).exists() or not (folder / STATION_KEY_FILE).exists():
        return None
    try:
        state = LogAnchor.in_folder(folder, load_or_create_station_key(folder), log.station_id).load()
    except AnchorError as e:
        return str(e)
    if state is None:
        return None
    return problem_with(state, log.station_id, log.last_seq, log.hash_at)


def run_verify(args: argparse.Namespace) -> int:
    from dataclasses import replace

    with _open_readonly(args) as log:
        progress = _progress("crossings checked")
        report = log.verify_chain(progress)
        if progress is not None:
            print(file=sys.stderr)
        anchor = _anchor_problem(args, log)
    if report.ok and anchor is not None:  # the chain is whole, but not the log this station kept
        report = replace(report, ok=False, problem=anchor)
    if args.json:
        print(json.dumps({"path": str(log.path), **vars(report)}, indent=2))
    elif report.ok:
        print(f"{log.path}: intact ({report.checked} crossings, {report.actions_checked} actions, "
              f"{report.dispositions_checked} dispositions)")
    else:
        where = (f"crossing {report.first_broken_seq}" if report.first_broken_seq is not None
                 else f"action {report.first_broken_action}" if report.first_broken_action is not None
                 else f"disposition {report.first_broken_disposition}"
                 if report.first_broken_disposition is not None
                 else "its anchor")
        print(f"{log.path}: BROKEN at {where}: {shown(report.problem)}")
        print("Do not repair or delete anything: keep the file and tell the supervisor.")
    return EXIT_OK if report.ok else EXIT_BROKEN


def run_status(args: argparse.Namespace) -> int:
    with _open_readonly(args) as log:
        meta = log.meta()
        total = log.count()
        cursor = int(meta.get("sync_cursor", "0"))
        last = next(iter(log.crossings(after_seq=max(0, log.last_seq - 1))), None)
        size = sum(p.stat().st_size for p in log.path.parent.glob(log.path.name + "*") if p.is_file())
        status = {
            "path": str(log.path), "station_id": meta.get("station_id"), "created_at": meta.get("created_at"),
            "crossings": total, "last_seq": log.last_seq, "last_hash": log.last_hash,
            "last_crossing_at": last.recorded_at if last else None, "synced_up_to": cursor,
            "unsynced": log.last_seq - cursor, "actions": int(meta.get("action_seq", "0")), "bytes_on_disk": size,
            "id_unindexed": log.unindexed(),  # id numbers whose index key was lost (station died mid-hash)
            # lane dispositions: what officers recorded after verdicts, and how many the server does not hold yet
            "dispositions": int(meta.get("disposition_seq", "0")),
            "dispositions_unsynced": int(meta.get("disposition_seq", "0")) - int(meta.get("disposition_sync_cursor",
                                                                                           "0")),
        }
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        for key, value in status.items():
            print(f"{key.replace('_', ' ') + ':':<18} {shown(value) if value is not None else '-'}")
    return EXIT_OK


def run_backup(args: argparse.Namespace) -> int:
    from checkpoint.errors import CheckpointError

    if args.out.exists() and not args.force:
        raise CheckpointError(f"{args.out} exists; choose another file or give --force")
    with _open_readonly(args) as log:
        progress = _progress("pages copied")
        log.backup(args.out, progress)
        if progress is not None:
            print(file=sys.stderr)
        print(f"backed up {log.count()} crossings to {args.out}")
    return EXIT_OK


def run_erase(args: argparse.Namespace) -> int:
    from checkpoint.clock import SystemClock
    from checkpoint.log import open_station_log

    clock = SystemClock()
    with open_station_log(config_from(args), clock, args.data_dir) as log:
        n = log.erase_expired_personal_data(clock.now())
        log.record_action("erase_expired", None, {"crossings": str(n)})
    print(f"erased the personal fields of {n} crossings")
    return EXIT_OK
