"""``checkpoint export``: the crossing log to CSV, XLSX or JSON Lines, with a signed manifest; and
``checkpoint export verify FILE`` to check an export against its manifest."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.cli.common import add_config_option, add_data_dir_option, clock_from, config_from
from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
from checkpoint.display import shown
from checkpoint.errors import CheckpointError

REASON_CODES = ("UNKNOWN_FORMAT", "MALFORMED", "UNKNOWN_KEY", "BAD_SIGNATURE", "KEY_REVOKED", "KEY_NOT_ALLOWED",
                "VALIDITY_TOO_LONG", "NOT_YET_VALID", "EXPIRED", "PASS_REVOKED", "RULE_FAILED", "CANNOT_RECORD")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export", help="export crossings to CSV, Excel (XLSX) or JSON Lines for the steering committee",
        description="Export the crossing log, or part of it, for the provincial steering committee or contact\n"
        "tracers. Personal fields stay sealed (left out) unless the supervisor's private key is given\n"
        "with --key; an export with personal data is recorded in the log. Each export gets a signed\n"
        "manifest FILE.manifest.json (rows, period, filters, SHA-256); check it with\n"
        "'checkpoint export verify FILE'.",
        epilog="Examples:\n  checkpoint export --day 2021-07-24 --out ngay-24-07.xlsx\n"
        "  checkpoint export --from 2021-07-20 --to 2021-07-24 --verdict reject --out tu-choi.csv\n"
        "  checkpoint export --id-number 001085012345 --key supervisor.key.pem --out truy-vet.xlsx\n"
        "  checkpoint export --plate 29C-123.45 --from 2021-07-20 --key supervisor.key.pem --out xe-29C12345.xlsx\n"
        "  checkpoint export verify ngay-24-07.xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, metavar="FILE", help="the file to write (required)")
    p.add_argument("--format", choices=["csv", "xlsx", "jsonl"],
                   help="file format; default from the --out extension (.csv, .xlsx, .jsonl)")
    g = p.add_argument_group("period (local days; default: the whole log)")
    g.add_argument("--day", metavar="YYYY-MM-DD", help="one day")
    g.add_argument("--from", dest="start", metavar="DATE", help="from this day (or YYYY-MM-DDTHH:MM) on")
    g.add_argument("--to", dest="end", metavar="DATE", help="up to and including this day (or until this time)")
    f = p.add_argument_group("filters (repeat an option for alternatives; different options must all match)")
    f.add_argument("--direction", action="append", choices=["in", "out"], help="in or out")
    f.add_argument("--verdict", action="append", choices=["accept", "reject", "check"],
                   help="accept, reject, or check (accepted but shown as CHECK: duplicate, manual, clock)")
    f.add_argument("--reason", action="append", choices=REASON_CODES, metavar="REASON",
                   help=f"reject reason ({', '.join(REASON_CODES)})")
    f.add_argument("--category", action="append", metavar="CATEGORY", help="pass category (e.g. worker, driver)")
    f.add_argument("--officer", action="append", metavar="ID", help="officer id")
    f.add_argument("--id-number", action="append", metavar="NUMBER",
                   help="a person's id number (matched through the log's keyed hash; never written anywhere); "
                   "'-' asks for it (or reads one per line from standard input), keeping it out of shell history")
    f.add_argument("--plate", action="append", metavar="PLATE",
                   help="a vehicle's plate (29C-123.45 = 29c 12345): the crossings of its driver and passengers. "
                   "The plate is sealed with the personal data, so this needs --key (every row of the period is "
                   "opened to compare; give a period to make it quicker); never written anywhere")
    k = p.add_argument_group("personal data")
    k.add_argument("--key", type=Path, metavar="FILE",
                   help="the supervisor's private key (PEM): personal fields are opened and exported; the "
                   f"passphrase is asked for (or read from ${PASSPHRASE_ENV} in scripts), never given here")
    k.add_argument("--masked", action="store_true",
                   help="with --key: only initials and the id number's last four digits")
    k.add_argument("--by", metavar="ID", help="who exports, for the log's record (default: the system user)")
    p.add_argument("--language", choices=["vi", "en"], help="headers and values; default [export] language")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_export)

    vsub = p.add_subparsers(dest="export_action", metavar="[verify FILE]", title="actions")
    v = vsub.add_parser("verify", help="check an export against its signed manifest and the station's key",
                        description="Check FILE against FILE.manifest.json: every byte of the manifest and of the "
                        "export, the signature, and that the signer is the station's key. A signature alone proves "
                        "nothing (anyone can make a key), so the station's key must be known: --station-key, "
                        "--fingerprint (as 'checkpoint station fingerprint' or the supervisor screen prints it), "
                        "this station's own key when run on the station that made the export, or 'checkpoint "
                        "server export-verify' on the central server.",
                        epilog="Exit status: 0 VERIFIED (intact, signed by the station's key); 1 FAILED (changed, "
                        "or signed by another key than the station's); 2 the manifest cannot be read, or a usage "
                        "error; 3 UNVERIFIED (intact as signed, but the signing key is not known to be the "
                        "station's: give --fingerprint or --station-key).")
    v.add_argument("file", type=Path, metavar="FILE")
    v.add_argument("--manifest", type=Path, metavar="FILE", help="the manifest, if not beside the export")
    v.add_argument("--station-key", type=Path, metavar="PEM",
                   help="the station's public key (PEM) the export must be signed by")
    v.add_argument("--fingerprint", metavar="FP",
                   help="the station key's fingerprint the export must be signed by (32 hex digits; spaces ignored)")
    add_config_option(v)
    add_data_dir_option(v)
    v.set_defaults(run=run_verify)


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    assert isinstance(args.out, Path)
    suffix: str = args.out.suffix.lower().lstrip(".")
    if suffix in ("csv", "xlsx", "jsonl"):
        return suffix
    if suffix == "json":
        return "jsonl"
    raise CheckpointError(f"{args.out}: give --format csv|xlsx|jsonl (the extension does not say)")


def read_supervisor_key(path: Path) -> Any:
    """The supervisor's X25519 private key; the passphrase from $CHECKPOINT_SUPERVISOR_PASSPHRASE or a prompt."""
    from checkpoint.capped import STATION_FILE, read_capped
    from checkpoint.errors import KeyLoadError
    from checkpoint.sealing import load_private

    data = read_capped(path, STATION_FILE, "supervisor key")
    if b"ENCRYPTED" not in data:
        return load_private(data, str(path))
    secret = os.environ.get(PASSPHRASE_ENV)
    if secret is None:
        if not sys.stdin.isatty():
            raise KeyLoadError(f"{path}: the key needs its passphrase; run at a terminal or set ${PASSPHRASE_ENV}")
        import getpass

        secret = getpass.getpass(f"Passphrase for {path.name}: ")
    return load_private(data, str(path), secret.encode())


def _id_numbers(given: Sequence[str]) -> tuple[str, ...]:
    """The id numbers to look for; ``-`` asks at a terminal (not echoed) or reads standard input."""
    return _asked(given, "ID number (CCCD/CMND): ", "--id-number: no id number given")


def _asked(given: Sequence[str], prompt: str, none_given: str) -> tuple[str, ...]:
    out = [n for n in given if n != "-"]
    if "-" in given:
        if sys.stdin.isatty():
            import getpass

            out.append(getpass.getpass(prompt))
        else:
            out += [line.strip() for line in sys.stdin.read(64 * 1024).splitlines() if line.strip()]
    values = tuple(n for n in out if n.strip())
    if given and not values:
        raise CheckpointError(none_given)
    return values


def _plates(given: Sequence[str]) -> tuple[str, ...]:
    """The plates to look for, normalised (``checkpoint.vehicle.plate_of``); one that cannot be a plate is refused;
    ``-`` asks at a terminal (not echoed) or reads standard input, as ``--id-number -`` does."""
    from checkpoint.vehicle import plate_of

    out = []
    for typed in _asked(given, "Plate (biển số): ", "--plate: no plate given"):
        plate = plate_of(typed)
        if plate is None:
            raise CheckpointError(f"--plate {shown(typed[:40])}: not a plate (3 to 16 letters and digits, "
                                  "e.g. 29C-123.45)")
        out.append(plate)
    return tuple(out)


def _system_user(getpass: Any) -> str:
    try:
        return str(getpass.getuser())[:64]
    except (OSError, KeyError):  # no user name in the environment or the password database
        return "unknown"


def run_export(args: argparse.Namespace) -> int:
    if args.out is None:
        raise CheckpointError("give --out FILE (see 'checkpoint export --help')")
    if args.masked and args.key is None:
        raise CheckpointError("--masked needs --key: without the key personal data stays sealed and is left out")
    if args.plate and args.key is None:
        raise CheckpointError("--plate needs --key: a plate is sealed with the personal data, and only the "
                              "supervisor's key opens it")
    import getpass

    from checkpoint.cli.progress import ProgressBar
    from checkpoint.export import Criteria, Format, export_settings, export_station_log, period_from

    config = config_from(args)
    fmt = Format(_format_of(args))
    period = period_from(day=args.day, start=args.start, end=args.end, tz=export_settings(config).tz)
    criteria = Criteria(tuple(args.direction or ()), tuple(args.verdict or ()), tuple(args.reason or ()),
                        tuple(args.category or ()), tuple(args.officer or ()), _id_numbers(args.id_number or ()),
                        _plates(args.plate or ()))
    supervisor_key = read_supervisor_key(args.key) if args.key is not None else None
    bar = ProgressBar(f"export {args.out.name}")
    if not args.quiet:
        bar.status("checking the log…")
    try:
        result = export_station_log(
            config, clock_from(args), out=args.out, fmt=fmt, period=period, criteria=criteria,
            data_dir=args.data_dir, supervisor_key=supervisor_key, masked=args.masked,
            exported_by=args.by or _system_user(getpass), language=args.language, overwrite=args.overwrite,
            progress=None if args.quiet else bar,
        )
    finally:
        bar.done()
    personal = {"sealed": "personal data left out (sealed)", "masked": "personal data masked",
                "full": "WITH PERSONAL DATA: keep it safe, hand it over only to authorised people"}[result.personal]
    print(f"{result.path}: {result.rows:,} crossings, {fmt.value.upper()}, {personal}")
    if result.unopened:
        print(f"warning: the personal data of {result.unopened} crossing(s) did not open (damaged or altered); "
              "run 'checkpoint log verify'", file=sys.stderr)
    print(f"manifest: {result.manifest} (sha256 {result.sha256[:16]}…)")
    return EXIT_OK


def _pin(args: argparse.Namespace, manifest: dict[str, Any]) -> Any:
    """The key the export must be signed by: --station-key, --fingerprint, else this station's own key when
    the manifest names this station (None: nothing is known, the export can only be UNVERIFIED)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from checkpoint.errors import KeyLoadError
    from checkpoint.export import Pin
    from checkpoint.fingerprint import parse_fingerprint
    from checkpoint.trust import keys

    if args.station_key is not None and args.fingerprint is not None:
        raise CheckpointError("give --station-key or --fingerprint, not both")
    if args.fingerprint is not None:
        try:
            return Pin(parse_fingerprint(args.fingerprint), "the fingerprint given (--fingerprint)")
        except ValueError as e:
            raise CheckpointError(f"--fingerprint: {e}") from None
    if args.station_key is not None:
        from checkpoint.capped import STATION_FILE, read_capped

        data = read_capped(args.station_key, STATION_FILE, "station key")
        key = keys.load_public_pem(data, str(args.station_key))[0] if b"PUBLIC" in data else \
            keys.load_private_pem(data, str(args.station_key)).public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise KeyLoadError(f"{args.station_key}: a station key is Ed25519")
        return Pin.of_key(key, f"the station key {args.station_key.name}")
    from checkpoint.station_keys import STATION_KEY_FILE

    config = config_from(args)
    path = (args.data_dir or config.data_dir) / STATION_KEY_FILE
    station = manifest.get("station_id")
    if not path.exists() or station not in _local_station_ids(config, args.data_dir):
        return None  # not on the station that made it: its own key says nothing about another station's
    try:
        private = keys.load_private_pem(path.read_bytes(), str(path))
    except (OSError, CheckpointError):
        return None
    if not isinstance(private, Ed25519PrivateKey):
        return None
    return Pin.of_key(private.public_key(), "this station's own key", str(station))


def _local_station_ids(config: Any, data_dir: Path | None) -> set[str]:
    """This station's id: the config's, and the one its crossing log was made under."""
    from checkpoint.clock import SystemClock
    from checkpoint.log import CrossingLog, LogError, log_settings

    ids = {config.station.id}
    path = log_settings(config, data_dir).path
    if path.exists():
        try:
            with CrossingLog.open_readonly(path, clock=SystemClock()) as log:
                ids.add(log.station_id)
        except LogError:
            pass
    return ids


def run_verify(args: argparse.Namespace) -> int:
    from checkpoint.export import Status, chain_check, load_manifest, manifest_path, verify

    pin = _pin(args, load_manifest(args.manifest or manifest_path(args.file)))
    report = verify(args.file, args.manifest, pin=pin)
    return print_verify_report(args.file, report, lambda m: chain_check(config_from(args), clock_from(args), m,
                                                                         args.data_dir)
                               if report.status is Status.VERIFIED else None)


EXIT_UNVERIFIED = 3


UNVERIFIED_ADVICE = ("Compare that fingerprint with the station's ('checkpoint station fingerprint' on the station, "
                     "the supervisor screen, or 'checkpoint server stations'), then verify again with --fingerprint.")


def print_verify_report(file: Path, report: Any, more_checks: Any = None, advice: str = UNVERIFIED_ADVICE) -> int:
    """Print a verify report for a person; returns the exit status (0 verified, 1 failed, 3 unverified).
    ``more_checks(manifest)`` may return one more problem (the chain check), asked only when verified."""
    from checkpoint.export import Status

    m = report.manifest
    problem = more_checks(m) if more_checks is not None else None
    for w in report.warnings:
        print(f"warning: {shown(w)}", file=sys.stderr)
    if report.status is Status.FAILED or problem is not None:
        for p in (*report.problems, *((problem,) if problem else ())):
            print(f"FAILED: {shown(p)}")
        return EXIT_REJECT
    # the manifest is a file being checked: every value from it is outside text
    what = (f"station {shown(m.get('station_id'))} at {shown(m.get('created_at'))} ({shown(m.get('rows'))} rows, "
            f"{shown(m.get('first_time'))} to {shown(m.get('last_time'))}, personal data: "
            f"{shown(m.get('personal_data'))})")
    if report.status is Status.UNVERIFIED:
        print(f"UNVERIFIED: {shown(file)} is intact as signed, and says it was made by {what}; but it is signed by "
              f"key {report.signer_fingerprint}, which nothing here vouches for: anyone can make a key and sign. "
              f"{advice}")
        return EXIT_UNVERIFIED
    print(f"OK: {shown(file)} is the export made by {what}; signed by the station's key {report.signer_fingerprint} "
          f"(known from {shown(report.pinned_by)})")
    return EXIT_OK
