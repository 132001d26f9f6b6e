"""``checkpoint issuer``: keys, passes and signed lists, for pilots, demos and tests."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import clock_from
from checkpoint.errors import CheckpointError, ListFormatError
from checkpoint.model import Alg, Health, Subject, TestResult
from checkpoint.trust import keys

MAX_INPUT = 64 * 1024 * 1024


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "issuer", help="issuer tools: make keys, sign passes, sign trust and revocation lists",
        description="Issuer tools for pilots, demos and tests (what a provincial portal could script). "
        "Keys made here are for testing unless you guard them like any signing key.",
    )
    isub = p.add_subparsers(dest="issuer_command", metavar="ACTION", title="actions", required=True)

    k = isub.add_parser("keygen", help="make a signing key pair", description="Make a signing key pair: "
                        "writes the private key (mode 0600) and, beside it, the public key as NAME.pub.pem.")
    k.add_argument("--alg", choices=["ed25519", "es256"], default="ed25519", help="key type (default ed25519)")
    k.add_argument("--out", type=Path, required=True, metavar="FILE", help="private key file to write (PEM)")
    k.set_defaults(run=run_keygen)

    s = isub.add_parser("sign", help="sign a CP1 pass", description="Sign a CP1 pass and print its text; "
                        "give the body as JSON (CP1 short keys) or with the flags below.")
    s.add_argument("--key", type=Path, required=True, metavar="FILE", help="issuer private key (PEM)")
    s.add_argument("--issuer", required=True, metavar="CODE", help="issuer code, e.g. VN-LCI")
    s.add_argument("--body", metavar="JSON|-", help="pass body as JSON ({\"v\":1,\"nam\":...}) or - for stdin")
    s.add_argument("--name"), s.add_argument("--id", dest="id_number", metavar="ID_NUMBER")
    s.add_argument("--dob", metavar="YYYY[-MM[-DD]]"), s.add_argument("--category", default="resident")
    s.add_argument("--vehicle"), s.add_argument("--origin"), s.add_argument("--destination")
    s.add_argument("--purpose")
    s.add_argument("--symptoms", action=argparse.BooleanOptionalAction, default=None, help="symptoms declared")
    s.add_argument("--test-type", choices=["PCR", "RAT"]), s.add_argument("--test-time", metavar="ISO-8601")
    s.add_argument("--test-result", choices=["negative", "positive"], default="negative")
    s.add_argument("--vaccine-doses", type=int)
    s.add_argument("--at", metavar="ISO-8601", help="issue time (default now)")
    s.add_argument("--valid-days", type=float, default=3.0,
                   help="validity in days (default 3; stations refuse more than their [rules] max_validity_days, 30)")
    s.add_argument("--png", type=Path, metavar="FILE", help="also write the QR code as a PNG image")
    s.set_defaults(run=run_sign)

    t = isub.add_parser("trust-list", help="sign a trust list of issuer keys",
                        description="Sign a trust list with the root key. Each --key is CODE=PUBLIC_KEY_FILE; "
                        "--revoked-key marks a key revoked (from the list's issue time).")
    t.add_argument("--root-key", type=Path, required=True, metavar="FILE", help="root private key (PEM)")
    t.add_argument("--version", type=int, required=True, help="list version; must grow with every new list")
    t.add_argument("--key", action="append", default=[], metavar="CODE=FILE", help="an active issuer key")
    t.add_argument("--revoked-key", action="append", default=[], metavar="CODE=FILE", help="a revoked issuer key")
    t.add_argument("--at", metavar="ISO-8601", help="issue time (default now)")
    t.add_argument("--valid-days", type=float, default=30.0, help="list expiry in days (default 30)")
    t.add_argument("--out", type=Path, required=True, metavar="FILE")
    t.set_defaults(run=run_trust_list)

    r = isub.add_parser("revoke", help="sign a pass revocation list",
                        description="Sign a revocation list: every id of --previous, plus the ids given.")
    r.add_argument("--root-key", type=Path, required=True, metavar="FILE", help="root private key (PEM)")
    r.add_argument("--version", type=int, required=True, help="list version; must grow with every new list")
    r.add_argument("--pass-id", action="append", default=[], metavar="HEX", help="a pass id (cti, 32 hex digits)")
    r.add_argument("--ids-file", type=Path, metavar="FILE", help="a file of pass ids, one hex id per line")
    r.add_argument("--previous", type=Path, metavar="FILE", help="the list in force; its ids are kept")
    r.add_argument("--at", metavar="ISO-8601", help="issue time (default now)")
    r.add_argument("--valid-days", type=float, default=7.0, help="list expiry in days (default 7)")
    r.add_argument("--out", type=Path, required=True, metavar="FILE")
    r.set_defaults(run=run_revoke)


def _read(path: Path, what: str) -> bytes:
    from checkpoint.capped import STATION_FILE, read_capped

    return read_capped(path, STATION_FILE, what)


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    from checkpoint.atomic import write_atomic

    try:
        write_atomic(path, data, mode=mode)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot write ({e.strerror})") from None


def run_keygen(args: argparse.Namespace) -> int:
    key = keys.generate(Alg.EDDSA if args.alg == "ed25519" else Alg.ES256)
    pub_path = args.out.with_name(args.out.name.removesuffix(".pem").removesuffix(".key") + ".pub.pem")
    _write(args.out, keys.private_pem(key), mode=0o600)
    _write(pub_path, keys.public_pem(key.public_key()))
    print(f"private key: {args.out}\npublic key:  {pub_path}\nkid:         {keys.kid_of(key.public_key()).hex()}")
    return EXIT_OK


def _subject_from_flags(args: argparse.Namespace) -> tuple[Subject, Health]:
    missing = [f for f, v in (("--name", args.name), ("--id", args.id_number), ("--dob", args.dob)) if not v]
    if missing:
        raise CheckpointError(f"give --body, or {', '.join(missing)}")
    from checkpoint.clock import parse_instant

    test = None
    if args.test_type:
        if not args.test_time:
            raise CheckpointError("--test-type needs --test-time")
        test = TestResult(args.test_type, parse_instant(args.test_time), args.test_result)
    subject = Subject(args.name, args.id_number, args.dob, args.category, args.vehicle, args.origin,
                      args.destination, args.purpose)
    return subject, Health(args.symptoms, test, args.vaccine_doses)


def run_sign(args: argparse.Namespace) -> int:
    from checkpoint.issuer import PassRequest, qr_png, sign_pass

    key = keys.load_private_pem(_read(args.key, "issuer key"), str(args.key))
    body = None
    if args.body is not None:
        raw = sys.stdin.read(MAX_INPUT) if args.body == "-" else args.body
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as e:
            raise CheckpointError(f"--body is not valid JSON ({e})") from None
        if not isinstance(body, dict):
            raise CheckpointError("--body must be a JSON object")
        subject, health = Subject("", "", "", ""), Health()
    else:
        subject, health = _subject_from_flags(args)
    req = PassRequest(subject, args.issuer, clock_from(args).now(), health, timedelta(days=args.valid_days))
    text = sign_pass(req, key, body=body)
    if body is None:  # the flags path must produce a pass the verifier reads back
        from checkpoint.formats import cp1

        cp1.parse(text)
    if args.png:
        _write(args.png, qr_png(text))
    print(text)
    return EXIT_OK


def _key_specs(specs: list[str], flag: str) -> list[tuple[str, keys.PublicKey]]:
    out = []
    for spec in specs:
        code, sep, file = spec.partition("=")
        if not sep or not code or not file:
            raise CheckpointError(f"{flag} {spec!r}: expected CODE=PUBLIC_KEY_FILE (e.g. VN-LCI=lci.pub.pem)")
        out.append((code, keys.load_public_pem(_read(Path(file), "issuer public key"), file)[0]))
    return out


def run_trust_list(args: argparse.Namespace) -> int:
    from checkpoint.trust import KeyEntry, build_trust_list

    root = keys.load_private_pem(_read(args.root_key, "root key"), str(args.root_key))
    now = clock_from(args).now()
    entries = [KeyEntry(k, code) for code, k in _key_specs(args.key, "--key")]
    entries += [KeyEntry(k, code, revoked_at=now) for code, k in _key_specs(args.revoked_key, "--revoked-key")]
    if not entries:
        raise CheckpointError("give at least one --key or --revoked-key")
    data = build_trust_list(entries, version=args.version, issued=now,
                            expires=now + timedelta(days=args.valid_days), root=root)
    _write(args.out, data)
    print(f"trust list v{args.version} with {len(entries)} key(s) written to {args.out}")
    return EXIT_OK


def _hex_id(text: str, where: str) -> bytes:
    try:
        value = bytes.fromhex(text.strip())
    except ValueError:
        value = b""
    if len(value) != 16:
        raise CheckpointError(f"{where}: {text.strip()[:40]!r} is not a pass id (32 hex digits)")
    return value


def run_revoke(args: argparse.Namespace) -> int:
    from checkpoint.trust import build_revocation_list, load_revocation_list

    root = keys.load_private_pem(_read(args.root_key, "root key"), str(args.root_key))
    now = clock_from(args).now()
    ids = [_hex_id(x, "--pass-id") for x in args.pass_id]
    if args.ids_file:
        lines = _read(args.ids_file, "id file").decode("utf-8", "replace").splitlines()
        ids += [_hex_id(x, f"{args.ids_file}:{n}") for n, x in enumerate(lines, 1) if x.strip()]
    if args.previous:
        try:
            prev = load_revocation_list(_read(args.previous, "revocation list"), [root.public_key()], now)
        except ListFormatError as e:
            raise CheckpointError(f"--previous: {e}") from None
        if args.version <= prev.version:
            raise CheckpointError(f"--version must be above {prev.version}, the version of --previous")
        ids += list(prev.ids)
    data = build_revocation_list(ids, version=args.version, issued=now,
                                 expires=now + timedelta(days=args.valid_days), root=root)
    _write(args.out, data)
    print(f"revocation list v{args.version} with {len(set(ids))} pass id(s) written to {args.out}")
    return EXIT_OK


