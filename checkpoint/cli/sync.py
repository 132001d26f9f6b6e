"""``checkpoint sync`` (one round: upload the log, pull the lists) and ``checkpoint enroll``."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.cli.common import add_config_option, add_data_dir_option, config_from
from checkpoint.display import error_text, shown
from checkpoint.errors import CheckpointError

EXIT_INCOMPLETE = EXIT_REJECT


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sync", help="send the crossing log to the central server and fetch list updates (one round)",
        description="One sync round: ask the server what it holds, send every crossing it lacks (in batches, "
        "each acknowledged before the next), fetch the trust and revocation lists if they changed (verified "
        "before they are installed) and the server's time. Exit status: 0 when the server has acknowledged "
        "every crossing; 1 when it could not (no link, or the server refused); 2 for a configuration error.",
    )
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--server", metavar="URL", help="server URL (default: [sync] server_url, else the enrolment's)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="retry a failed round N times with backoff before giving up (default 3)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only errors and warnings")
    p.set_defaults(run=run_sync)

    e = sub.add_parser(
        "enroll", help="register this station with the central server (once, with a token)",
        description="Register this station's id and public key with the central server, using a one-time "
        "token from the server's operator ('checkpoint server token'). The station key is created in the data "
        "folder if it does not exist yet; the server URL and the server's public key are remembered for "
        "'checkpoint sync': every reply of the server must then be signed by that key. Compare the fingerprint "
        "printed here with 'checkpoint server fingerprint' on the server, or give it with --server-fingerprint. "
        "A station enrolled by an older version enrols again the same way (its log and key stay).",
    )
    add_config_option(e)
    add_data_dir_option(e)
    e.add_argument("--server", required=True, metavar="URL", help="the central server, e.g. https://sync.example.vn")
    e.add_argument("--token", required=True, metavar="TOKEN", help="the enrolment token, or - to read it from stdin")
    e.add_argument("--server-fingerprint", metavar="HEX",
                   help="the server key's fingerprint from the operator; enrolment fails if the server's differs")
    e.add_argument("--allow-insecure-http", action="store_true",
                   help="lab only: allow plain http:// to a server that is not on this machine (recorded)")
    e.set_defaults(run=run_enroll)


def _warn_plain_http(client: Any) -> None:
    if not client.settings.tls_or_local:
        print(f"checkpoint: warning: {shown(client.settings.server_url)} is not https (allowed for a lab only); the "
              "server's time will not be trusted", file=sys.stderr)


def run_enroll(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync.protocol import STATION_ID_RE, fingerprint, public_key_text
    from sync.settings import Enrolment, save_enrolment
    from sync.wiring import client_for

    config = config_from(args)
    data_dir = args.data_dir or config.data_dir
    station_id = config.station.id
    if not STATION_ID_RE.match(station_id):
        raise CheckpointError(f"station id {station_id!r} ([station] id) must be 1-64 letters, digits, '.', '_', '-'")
    token = sys.stdin.readline().strip() if args.token == "-" else args.token  # noqa: S105 ("-" means stdin)
    client = client_for(config, data_dir, station_id, args.server, allow_insecure_http=args.allow_insecure_http)
    _warn_plain_http(client)
    try:
        client.server_time()
        reply = client.enroll(token, args.server_fingerprint)
    finally:
        client.close()
    assert client.server_key is not None  # enroll pins it or raises
    enrolled_at = str(reply.get("enrolled_at") or datetime.now(UTC).isoformat())
    save_enrolment(data_dir, Enrolment(args.server, station_id, enrolled_at, public_key_text(client.server_key),
                                       args.allow_insecure_http))
    print(f"Station {shown(station_id)} is enrolled with {shown(args.server)}. Run 'checkpoint sync' to send its log.")
    print(f"Server key fingerprint (pinned): {fingerprint(client.server_key)}")
    if args.server_fingerprint is None:
        print("Compare it with 'checkpoint server fingerprint' on the server; if they differ, do not sync.")
    return EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    import random

    from checkpoint.cli.progress import ProgressBar
    from checkpoint.clock import SystemClock
    from checkpoint.log import open_station_log
    from checkpoint.station import Station
    from sync.backoff import Backoff
    from sync.errors import SyncError, Unreachable
    from sync.outbox import Progress
    from sync.wiring import enrolled_client
    from sync.worker import RoundResult, sync_once

    config = config_from(args)
    data_dir = args.data_dir or config.data_dir
    clock = SystemClock()
    client, settings = enrolled_client(config, data_dir, args.server, clock)
    _warn_plain_http(client)
    station = Station(config, clock, data_dir=data_dir)
    log = open_station_log(config, clock, data_dir)
    bar = ProgressBar("Sending crossings", quiet=args.quiet)
    start: list[int] = []

    def progress(p: Progress) -> None:
        if not start:
            start.append(p.acknowledged)
        bar.update(p.acknowledged - start[0], p.last_seq - start[0])

    backoff, wait = Backoff(cap=float(settings.max_backoff_seconds)), threading.Event()
    result: RoundResult | None = None
    try:
        for attempt in range(max(args.retries, 0) + 1):
            try:
                result = sync_once(client, log, station, settings.batch_size, progress)
                break
            except Unreachable as e:
                if attempt >= args.retries:
                    bar.close()
                    print(f"checkpoint: {error_text(e)}", file=sys.stderr)  # quotes the server
                    print(f"checkpoint: {log.last_seq - log.sync_cursor} crossings not yet sent; they are kept "
                          "and will be sent on the next sync", file=sys.stderr)
                    return EXIT_INCOMPLETE
                delay = backoff.delay(attempt + 1, random.random, e.retry_after)
                if not args.quiet:
                    print(f"\ncheckpoint: {error_text(e)}; try {attempt + 2} of {args.retries + 1} in {delay:.0f} s",
                          file=sys.stderr)
                wait.wait(delay)
    except SyncError as e:
        bar.close()
        print(f"checkpoint: {error_text(e)}", file=sys.stderr)  # quotes the server
        return EXIT_INCOMPLETE
    finally:
        client.close()
        log.close()
    bar.close()
    assert result is not None
    p = result.progress
    for u in result.lists:
        if u.installed_version is not None:
            print(f"Installed {u.kind} version {u.installed_version}.")
    for w in result.warnings:
        print(f"checkpoint: warning: {shown(w)}", file=sys.stderr)
    if not result.complete:
        print(f"checkpoint: {p.pending} crossings recorded during the sync are not sent yet; run sync again",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    if not args.quiet:
        print(f"Synced: the server holds all {p.acknowledged} crossings of station {shown(client.station_id)} "
              f"({p.sent_this_round} sent now).")
    return EXIT_OK
