"""``checkpoint server``: the reference central server and its operator's tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.display import shown
from checkpoint.errors import CheckpointError

if TYPE_CHECKING:
    from sync.server.console.auth import Accounts

T = TypeVar("T")

DEFAULT_PORT = 8080
#: The database URL when --database is not given (keeps a password out of the command line and `ps`).
DATABASE_ENV = "CHECKPOINT_SERVER_DATABASE"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "server", help="run the central sync server, or manage it (tokens, lists, export)",
        description="The reference central server: stations enrol with a one-time token, upload signed batches "
        "of crossings, and download the signed trust and revocation lists. Without an action, runs the server "
        "(same as 'checkpoint server run'). All state lives in --data-dir (SQLite, WAL), or the crossings, "
        "stations and enrolment in PostgreSQL with --database postgresql://... (several API processes, one database).",
    )
    _run_options(p, None)
    p.set_defaults(run=run_server)
    ssub = p.add_subparsers(dest="server_command", metavar="ACTION", title="actions")

    r = ssub.add_parser("run", help="serve the API (default)", description="Serve the sync API with uvicorn. The "
                        "OpenAPI document is at /openapi.json. Use TLS (--tls-cert/--tls-key) or a TLS proxy in front.")
    _run_options(r, argparse.SUPPRESS)
    r.set_defaults(run=run_server)

    t = ssub.add_parser("token", help="print a one-time enrolment token for a new station",
                        description="Print a one-time token; give it to the person setting up the station, who "
                        "runs 'checkpoint enroll --server URL --token TOKEN'. It works once, until it expires.")
    _data_dir(t, database=True)
    t.add_argument("--valid-hours", type=int, default=72, metavar="H", help="hours until it expires (default 72)")
    t.add_argument("--district", metavar="NAME", help="the district of the station that enrols with it (the web "
                   "console shows the station to that district's supervisors)")
    t.set_defaults(run=run_token)

    pub = ssub.add_parser("publish", help="publish a signed trust list, revocation list, watch list or policy bundle "
                          "to the stations",
                          description="Verify the list with the root public key (signature, expiry, newer than the "
                          "one published) and serve it to stations, which verify it again before installing it.")
    _data_dir(pub)
    pub.add_argument("kind", choices=["trust-list", "revocation-list", "watch-list", "policy-bundle"],
                     help="what the file is (a watch list is made by 'checkpoint watch-list build', a policy bundle "
                     "by 'checkpoint policy build')")
    pub.add_argument("file", type=Path)
    pub.add_argument("--root", type=Path, action="append", required=True, metavar="PEM",
                     help="root public key that signs the lists (repeatable)")
    pub.set_defaults(run=run_publish)

    x = ssub.add_parser("export", help="export crossings from all stations (CSV or JSON Lines)",
                        description="Write crossings across stations, filtered, to FILE. Personal fields stay "
                        "sealed unless the supervisor's private key is given (--key; its passphrase is asked "
                        "for, or read from $CHECKPOINT_SUPERVISOR_PASSPHRASE).")
    _data_dir(x, database=True)
    x.add_argument("--format", choices=["csv", "jsonl"], required=True)
    x.add_argument("--out", type=Path, required=True, metavar="FILE")
    x.add_argument("--station", action="append", default=[], metavar="ID", help="only this station (repeatable)")
    x.add_argument("--from", dest="since", metavar="DATE", help="from this day or time (UTC, inclusive)")
    x.add_argument("--to", dest="until", metavar="DATE", help="until this day or time (UTC; a day is inclusive)")
    x.add_argument("--verdict", choices=["accept", "reject"])
    x.add_argument("--key", type=Path, metavar="PEM", help="the supervisor's X25519 private key, to open personal data")
    x.set_defaults(run=run_export)

    ev = ssub.add_parser("export-verify", help="check an export made by any enrolled station",
                         description="Check FILE against FILE.manifest.json and the key the station it names enrolled "
                         "with: every byte of the export and the manifest, the signature, and (for crossings already "
                         "synced) that the chain hashes the manifest cites are the ones this server holds.",
                         epilog="Exit status: 0 VERIFIED; 1 FAILED (changed, signed by another key than the "
                         "station's, or cut from a log that differs from the one synced); 2 the manifest cannot be "
                         "read; 3 UNVERIFIED (the station is not enrolled here, or was revoked).")
    _data_dir(ev, database=True)
    ev.add_argument("file", type=Path, metavar="FILE")
    ev.add_argument("--manifest", type=Path, metavar="FILE", help="the manifest, if not beside the export")
    ev.set_defaults(run=run_export_verify)

    s = ssub.add_parser("stations", help="list enrolled stations, their last heartbeat, and alerts",
                        description="Each station: enrolled when, crossings held, revoked or not, tampering alerts "
                        "raised by its uploads, and its last heartbeat (sent every sync round): software and list "
                        "versions (the policy bundle and watch list with their age), clock offset, crossings "
                        "waiting, free disk, camera, last scan. A station is flagged SILENT with no heartbeat for "
                        "--silent-minutes, STALE LIST when its trust or revocation list is older than "
                        "--list-age-hours or a list in force expired, BEHIND when a list in force (policy bundle, "
                        "watch list, ...) is older than the one published in --data-dir, and CLOCK when its clock is "
                        "off the server's by more than --clock-seconds. ILLEGAL ENTRY: suspected illegal entries "
                        "recorded by its officers, "
"not yet acknowledged ('checkpoint server alerts').")
    _data_dir(s, database=True)
    s.add_argument("--silent-minutes", type=int, default=15, metavar="N",
                   help="flag a station with no heartbeat for N minutes (default 15; stations sync every minute)")
    s.add_argument("--list-age-hours", type=int, default=48, metavar="H",
                   help="flag a trust or revocation list in force issued more than H hours ago (default 48)")
    s.add_argument("--clock-seconds", type=int, default=120, metavar="S",
                   help="flag a station whose clock is off the server's by more than S seconds (default 120)")
    s.set_defaults(run=run_stations)

    from checkpoint.cli.server_alerts import add_alerts  # lane dispositions

    add_alerts(ssub, _data_dir, _storage)

    f = ssub.add_parser("fingerprint", help="print the fingerprint of the key that signs the server's replies",
                        description="Stations pin this key at enrolment ('checkpoint enroll' prints what it "
                        "pinned; '--server-fingerprint' checks it). The key is made on first use in --data-dir "
                        "(server.key, readable by the server's user only); keep it in the server's backup.")
    _data_dir(f)
    f.set_defaults(run=run_fingerprint)

    cu = ssub.add_parser("console-user", help="manage the users of the web console (/console)",
                         description="Users of the provincial web console served at /console (docs/console.md). "
                         "Roles: 'admin' (province administrator: every station and action), 'supervisor' (a "
                         "district supervisor: only its district's stations; needs --district), 'auditor' (reads "
                         "everything, changes nothing). Passwords are stored as Argon2id hashes.")
    cusub = cu.add_subparsers(dest="console_command", metavar="ACTION", title="actions", required=True)
    cua = cusub.add_parser("add", help="add a console user (the password is asked for)",
                           description="Add a console user. The password (at least 12 characters) is asked for "
                           "twice, or read from $CHECKPOINT_CONSOLE_PASSWORD (for scripts).")
    _data_dir(cua, database=True)
    cua.add_argument("username", metavar="NAME", help="2 to 32 lower-case letters, digits, '.', '_' or '-'")
    cua.add_argument("--role", choices=["admin", "supervisor", "auditor"], required=True)
    cua.add_argument("--district", metavar="NAME", help="the district of a supervisor (its stations only)")
    cua.set_defaults(run=run_console_user_add)
    cul = cusub.add_parser("unlock", help="lift a console user's lock-out now",
                           description="After 5 wrong passwords in a row an account is locked for 15 minutes (even "
                           "the right password is refused). This lifts the lock at once and resets the count.")
    _data_dir(cul, database=True)
    cul.add_argument("username", metavar="NAME")
    cul.set_defaults(run=run_console_user_unlock)
    cur = cusub.add_parser("remove", help="remove a console user and end their sessions now",
                           description="Remove a console user (someone who left, a lost tablet): their open sessions "
                           "end at once. The audit log keeps what they did.")
    _data_dir(cur, database=True)
    cur.add_argument("username", metavar="NAME")
    cur.set_defaults(run=run_console_user_remove)
    cup = cusub.add_parser("password", help="set a console user's new password (their sessions end)",
                           description="Set a new password (at least 12 characters), asked for twice or read from "
                           "$CHECKPOINT_CONSOLE_PASSWORD. Every open session of the user ends and a lock-out is "
                           "lifted.")
    _data_dir(cup, database=True)
    cup.add_argument("username", metavar="NAME")
    cup.set_defaults(run=run_console_user_password)

    v = ssub.add_parser("revoke", help="revoke a station (lost or stolen): its uploads are refused",
                        description="Refuse every further request signed by this station's key (403).")
    _data_dir(v, database=True)
    v.add_argument("station_id", metavar="ID")
    v.set_defaults(run=run_revoke)


def _data_dir(p: argparse.ArgumentParser, default: Any = None, *, database: bool = False) -> None:
    p.add_argument("--data-dir", type=Path, required=default is None and not database, default=default, metavar="DIR",
                   help="the server's data folder (database, published lists)")
    if database:
        _database(p, None)


def _database(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--database", default=default, metavar="URL",
                   help="PostgreSQL instead of the SQLite file in --data-dir: postgresql://USER@HOST:PORT/DB "
                   f"(default ${DATABASE_ENV}; put the password in ~/.pgpass or $PGPASSWORD, not here)")


def _run_options(p: argparse.ArgumentParser, default: Any) -> None:
    """The serving options, on ``server`` itself and on ``server run`` (there with ``SUPPRESS`` defaults, so
    ``checkpoint server --port 9 run`` keeps the 9)."""
    def d(value: Any) -> Any:
        return value if default is None else default

    p.add_argument("--data-dir", type=Path, default=d(None), metavar="DIR",
                   help="the server's data folder (database, published lists)")
    p.add_argument("--host", default=d("127.0.0.1"), help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=d(DEFAULT_PORT), help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--tls-cert", type=Path, default=d(None), metavar="PEM", help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", type=Path, default=d(None), metavar="PEM", help="the certificate's private key")
    _database(p, d(None))
    _workers_option(p, d(1))


def _workers_option(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--workers", type=int, default=default, metavar="N",
                   help="API processes serving the same port and database (default 1); a process that dies is "
                   "started again. Each holds no state of its own: nonces, rate limits and enrolments are in the "
                   "database")


def _need_dir(args: argparse.Namespace) -> Path:
    if args.data_dir is None:
        raise CheckpointError("give the server's data folder: --data-dir DIR")
    return Path(args.data_dir)


def run_server(args: argparse.Namespace) -> int:
    from sync.server.serve import open_app, serve_forever

    data_dir = _need_dir(args)
    if (args.tls_cert is None) != (args.tls_key is None):
        raise CheckpointError("give both --tls-cert and --tls-key, or neither")
    database = _database_url(args)
    if args.workers != 1:
        return _run_workers(args, data_dir, database)
    app, storage = open_app(data_dir, database=database)
    scheme = "https" if args.tls_cert else "http"
    where = f"data in {data_dir}" + (f", database {_shown_url(database)}" if database else "")
    print(f"checkpoint server: {scheme}://{args.host}:{args.port} ({where}); Ctrl+C stops it", file=sys.stderr)
    try:
        serve_forever(app, args.host, args.port, tls_cert=args.tls_cert, tls_key=args.tls_key)
    finally:
        storage.close()
    return EXIT_OK


def _database_url(args: argparse.Namespace) -> str | None:
    import os

    return getattr(args, "database", None) or os.environ.get(DATABASE_ENV) or None


def _shown_url(url: str) -> str:
    from sync.server.pg_storage import describe

    return describe(url)


def _run_workers(args: argparse.Namespace, data_dir: Path, database: str | None) -> int:
    """``--workers N``: uvicorn's supervisor runs N processes of the app factory on one socket."""
    from sync.server.serve import run_workers

    if not 1 <= args.workers <= 64:
        raise CheckpointError("--workers must be between 1 and 64")
    scheme = "https" if args.tls_cert else "http"
    print(f"checkpoint server: {scheme}://{args.host}:{args.port} with {args.workers} processes (data in "
          f"{data_dir}); Ctrl+C stops it", file=sys.stderr)
    run_workers(data_dir, args.workers, args.host, args.port, database=database,
                tls_cert=args.tls_cert, tls_key=args.tls_key)
    return EXIT_OK


def _storage(args: argparse.Namespace) -> Any:
    from sync.server.serve import DB_FILE
    from sync.server.storage import open_storage

    database = _database_url(args)
    if database is None and args.data_dir is None:
        raise CheckpointError("give the server's data folder (--data-dir DIR) or its database (--database URL)")
    return open_storage(database or Path(args.data_dir) / DB_FILE)


def run_fingerprint(args: argparse.Namespace) -> int:
    from sync.protocol import fingerprint
    from sync.server.keys import load_or_create_server_key

    print(fingerprint(load_or_create_server_key(_need_dir(args)).public_key()))
    return EXIT_OK


def run_token(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    if not 1 <= args.valid_hours <= 24 * 90:
        raise CheckpointError("--valid-hours must be between 1 and 2160 (90 days)")
    storage = _storage(args)
    try:
        if args.district is None:
            print(storage.create_token(datetime.now(UTC), timedelta(hours=args.valid_hours)))
        else:
            print(_district_token(storage, args.district, timedelta(hours=args.valid_hours)))
    finally:
        storage.close()
    return EXIT_OK


def _district_token(storage: Any, district: str, valid_for: Any) -> str:
    from datetime import UTC, datetime

    from sync.server.console import database_of
    from sync.server.console.db import open_console_db
    from sync.server.console.fleet import create_token

    target = database_of(storage)
    if target is None:
        raise CheckpointError("this storage has no console, so no districts")
    db = open_console_db(target)
    try:
        return create_token(storage, db, district, datetime.now(UTC), valid_for)
    except ValueError as e:
        raise CheckpointError(f"--district: {e}") from None
    finally:
        db.close()


def run_publish(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.station import load_roots
    from sync.server.lists import PublishedLists

    data = read_capped(args.file, STATION_FILE, args.kind.replace("-", " "))
    published = PublishedLists(_need_dir(args)).publish(args.kind, data, load_roots(tuple(args.root)),
                                                        datetime.now(UTC))
    print(f"Published {args.kind} version {published.version}; stations fetch it on their next sync.")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from sync.server.export import write_export
    from sync.server.storage import ExportFilter

    key = _supervisor_key(args.key) if args.key else None
    flt = ExportFilter(stations=tuple(args.station), since=_bound(args.since, False), until=_bound(args.until, True),
                       verdict=args.verdict)
    storage = _storage(args)
    from checkpoint.cli.progress import ProgressBar

    total = storage.count() if not flt.stations else sum(storage.count(s) for s in flt.stations)
    bar = ProgressBar("Exporting")
    from collections import Counter

    from sync.server.dispositions import latest, with_dispositions

    counts: Counter[str] = Counter()  # lane dispositions: the latest of each exported crossing
    try:
        codes = latest(storage.dispositions(ExportFilter(stations=flt.stations)))
        result = write_export(with_dispositions(storage.crossings(flt), codes, counts), args.out, args.format, key,
                              progress=lambda n: bar.update(n, total))
    finally:
        bar.close()
        storage.close()
    print(f"Wrote {result.rows} crossings to {args.out}" + (" with personal data opened" if key else
                                                           " (personal data sealed)") + ".")
    if counts:
        print("Dispositions (the latest of each crossing): " + ", ".join(f"{code} {n}" for code, n in
                                                                         counts.most_common()))
    if result.unopened:
        print(f"checkpoint: warning: {result.unopened} sealed records did not open with this key (another "
              "supervisor's key, or altered); their personal fields are empty", file=sys.stderr)
        return EXIT_REJECT
    return EXIT_OK


def _bound(text: str | None, end: bool) -> Any:
    """A --from/--to value as a time; a bare day (YYYY-MM-DD) covers the whole day."""
    from datetime import timedelta

    from checkpoint.clock import parse_instant

    if text is None:
        return None
    try:
        t = parse_instant(text)
    except ValueError:
        raise CheckpointError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO-8601 time") from None
    if end and len(text.strip()) == 10:
        t += timedelta(days=1)
    return t


def _supervisor_key(path: Path) -> Any:
    import os

    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
    from checkpoint.errors import KeyLoadError
    from checkpoint.sealing import load_private

    data = read_capped(path, STATION_FILE, "supervisor key")
    try:
        return load_private(data, str(path))
    except KeyLoadError:
        if b"ENCRYPTED" not in data:
            raise
    phrase = os.environ.get(PASSPHRASE_ENV)
    if phrase is None:
        import getpass

        phrase = getpass.getpass(f"Passphrase for {path}: ")
    return load_private(data, str(path), phrase.encode())


def run_export_verify(args: argparse.Namespace) -> int:
    from checkpoint.cli.export import print_verify_report
    from sync.server.export_verify import verify_export

    storage = _storage(args)
    try:
        report = verify_export(storage, args.file, args.manifest)
    finally:
        storage.close()
    return print_verify_report(args.file, report, advice="This server cannot vouch for that key (see the warning).")


def _fingerprint(public_key: str) -> str:
    import base64
    import binascii

    from checkpoint.fingerprint import fingerprint

    try:
        return fingerprint(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError):
        return "(unreadable key)"


def run_stations(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from sync.server.health import Thresholds, assess, published_versions

    for name in ("silent_minutes", "list_age_hours", "clock_seconds"):
        if getattr(args, name) < 1:
            raise CheckpointError(f"--{name.replace('_', '-')} must be at least 1")
    limits = Thresholds(timedelta(minutes=args.silent_minutes), timedelta(hours=args.list_age_hours),
                        timedelta(seconds=args.clock_seconds))
    now = datetime.now(UTC)
    # the versions published in --data-dir: a station applying an older one is flagged BEHIND
    published = published_versions(Path(args.data_dir)) if args.data_dir is not None else {}
    storage = _storage(args)
    try:
        rows = storage.stations()
        beats = storage.heartbeats()
        illegal = [a["station_id"] for a in storage.alert_list() if a["kind"] == "illegal_entry"]
        if not rows:
            print("No station is enrolled yet ('checkpoint server token' makes an enrolment token).")
        for st in rows:
            state = f"REVOKED {st.revoked_at}" if st.revoked_at else "active"
            alerts = storage.alerts(st.station_id)
            beat = beats.get(st.station_id)
            findings = [] if st.revoked_at else assess(beat.received_at if beat else None,
                                                       beat.body if beat else None, now, limits, published)
            flagged = len(alerts) + len(findings)
            print(f"{shown(st.station_id):<20} {state:<10} crossings 1..{st.cursor:<8} enrolled "
                  f"{shown(st.enrolled_at)}" + (f"  {flagged} ALERT(S)" if flagged else ""))
            print(f"    key fingerprint {_fingerprint(st.public_key)}")
            if beat is not None:
                print("    " + _heartbeat_line(beat.received_at, beat.body))
                for line in _policy_lines(beat.body, now, published):
                    print("    " + line)
            for f in findings:
                print(f"    ALERT {_FINDING_WORDS[f.kind]}: {shown(f.text)}")
            if open_illegal := illegal.count(st.station_id):
                print(f"    ALERT ILLEGAL ENTRY: {open_illegal} suspected, not acknowledged "
                      "('checkpoint server alerts')")
            for a in alerts[-5:]:  # a station's upload wrote these: outside text
                print(f"    {shown(a['at'])} {shown(a['kind'])}: {shown(a['detail'])}")
            for n in storage.notice_acks(st.station_id)[-5:]:  # policy notices read there (docs/policy.md)
                print(f"    notice {shown(n['notice_id'])} (policy v{n['policy_version']}) acknowledged "
                      f"{shown(n['acknowledged_at'])} by {shown(n['officer_id'] or '-')}")
    finally:
        storage.close()
    return EXIT_OK


_FINDING_WORDS = {"silent": "SILENT", "stale_list": "STALE LIST", "behind": "BEHIND", "clock": "CLOCK",
                  "camera": "CAMERA"}


def _policy_lines(body: Any, now: Any, published: dict[str, int]) -> list[str]:
    """The policy bundle and the watch list the station applies: version, age, and whether the server publishes
    a newer one or it expired (lane fleet-lists)."""
    from checkpoint.clock import parse_instant
    from sync.server.health import span

    out = []
    for kind, name in (("policy-bundle", "policy bundle"), ("watch-list", "watch list")):
        item = next((x for x in body.get("lists", []) if x.get("kind") == kind), None)
        newest = published.get(kind)
        if item is None:
            if newest is not None:
                out.append(f"{name}: none in force  BEHIND: the server publishes v{newest}")
            continue
        issued, expires = parse_instant(item["issued_at"]), parse_instant(item["expires_at"])
        line = f"{name} v{item['version']}, issued {span(now - issued)} ago, expires {item['expires_at']}"
        if newest is not None and item["version"] < newest:
            line += f"  BEHIND: the server publishes v{newest}"
        if expires <= now:
            line += "  EXPIRED (stale)"
        out.append(shown(line))
    return out


def _heartbeat_line(received_at: str, body: Any) -> str:
    """The latest heartbeat in one line (the station wrote it: every value shown through ``shown``)."""
    from sync.protocol import REQUIRED_LIST_KINDS

    lists = ", ".join(f"{x['kind']} v{x['version']}" for x in body.get("lists", [])
                      if x["kind"] in REQUIRED_LIST_KINDS) or "no lists"  # the policy, watch list: lines of their own
    disk = body.get("disk_free_bytes")
    disk_text = f"{disk / 2**30:.1f} GiB free" if isinstance(disk, int) else "disk unknown"
    scan = body.get("last_scan_at") or "unknown"
    return shown(f"heartbeat {received_at}: version {body.get('software_version')}, {lists}, clock offset "
                 f"{body.get('clock_offset_seconds', 0):+.1f} s, {body.get('queue')} waiting, {disk_text}, camera "
                 f"{body.get('camera')}, last scan {scan}")


def run_revoke(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    storage = _storage(args)
    try:
        if not storage.revoke_station(args.station_id, datetime.now(UTC)):
            raise CheckpointError(f"station {args.station_id} is not enrolled, or already revoked")
    finally:
        storage.close()
    print(f"Station {args.station_id} is revoked: its uploads are refused from now on.")
    return EXIT_OK


#: A console user's password for scripts (else it is asked for on the terminal).
CONSOLE_PASSWORD_ENV = "CHECKPOINT_CONSOLE_PASSWORD"  # noqa: S105 (the variable's name)


def _console_password(username: str) -> str:
    import os

    password = os.environ.get(CONSOLE_PASSWORD_ENV)
    if password is None:
        import getpass

        password = getpass.getpass(f"Password for {username}: ")
        if getpass.getpass("The same password again: ") != password:
            raise CheckpointError("the two passwords differ; nothing was changed")
    return password


def _with_accounts(args: argparse.Namespace, work: Callable[[Accounts], T]) -> T:
    """Run ``work`` on the console's accounts in the server's database (either backend)."""
    from sync.server.console import database_of
    from sync.server.console.auth import Accounts
    from sync.server.console.db import open_console_db

    storage = _storage(args)
    try:
        target = database_of(storage)
        if target is None:
            raise CheckpointError("this storage has no console")
        db = open_console_db(target)
        try:
            return work(Accounts(db))
        finally:
            db.close()
    finally:
        storage.close()


def run_console_user_add(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sync.server.console.auth import Role

    password = _console_password(args.username)
    user = _with_accounts(args, lambda a: a.add_user(args.username, password, Role(args.role), args.district,
                                                     datetime.now(UTC)))
    where = f", district {user.district}" if user.district else ""
    print(f"Console user {user.username} added ({user.role.value}{where}); they sign in at /console.")
    return EXIT_OK


def run_console_user_unlock(args: argparse.Namespace) -> int:
    if not _with_accounts(args, lambda a: a.unlock(args.username)):
        raise CheckpointError(f"no console user {args.username}")
    print(f"Console user {args.username} may sign in again.")
    return EXIT_OK


def run_console_user_remove(args: argparse.Namespace) -> int:
    if not _with_accounts(args, lambda a: a.remove_user(args.username)):
        raise CheckpointError(f"no console user {args.username}")
    print(f"Console user {args.username} removed; their sessions have ended.")
    return EXIT_OK


def run_console_user_password(args: argparse.Namespace) -> int:
    password = _console_password(args.username)
    if not _with_accounts(args, lambda a: a.set_password(args.username, password)):
        raise CheckpointError(f"no console user {args.username}")
    print(f"Console user {args.username} has a new password; their sessions have ended.")
    return EXIT_OK
