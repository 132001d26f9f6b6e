"""Options and wiring shared by several commands (config, trust source, time)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from checkpoint.clock import Clock, FixedClock, SystemClock, parse_instant
from checkpoint.config import StationConfig, load_config
from checkpoint.decision import Decision, Flag
from checkpoint.display import shown
from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z as iso
from checkpoint.words import english


def add_config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="station config (TOML); default $CHECKPOINT_CONFIG, else built-in defaults")


def add_data_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="station data folder (log, installed lists); default from the config or the platform")


def add_verify_options(p: argparse.ArgumentParser) -> None:
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--trust", type=Path, metavar="PATH",
                   help="a folder of issuer keys (PEM/X.509), a folder of SMART Health Card issuers "
                        "(with issuers.json), an NZ COVID Pass issuer's DID document (.json), or a signed "
                        "trust list file; "
                        "default: the lists installed in the station's data folder")
    p.add_argument("--root", type=Path, action="append", metavar="PEM",
                   help="root public key that signs the trust list (repeatable); default: [trust] root_keys")
    p.add_argument("--revocations", type=Path, metavar="FILE", help="a signed pass revocation list")
    p.add_argument("--at", metavar="ISO-8601", help="verify at this time instead of now (e.g. 2021-07-24T00:26:40Z)")


def clock_from(args: argparse.Namespace) -> Clock:
    if getattr(args, "at", None):
        try:
            return FixedClock(parse_instant(args.at))
        except ValueError:
            raise CheckpointError(f"--at {args.at!r} is not an ISO-8601 time (e.g. 2021-07-24T00:26:40Z)") from None
    return SystemClock()


def config_from(args: argparse.Namespace) -> StationConfig:
    return load_config(getattr(args, "config", None))


Decider = Callable[[str | bytes], Decision]


def checker_from(args: argparse.Namespace) -> Decider:
    """What decides a text: an explicit ``--trust`` source, or the station's installed lists."""
    config = config_from(args)
    clock = clock_from(args)
    if args.trust is None:
        from checkpoint.station import Station

        station = Station(config, clock, data_dir=args.data_dir)
        return lambda text: station.decide(text)[0]
    from checkpoint.station import verifier_from_files

    root_paths = tuple(args.root) if args.root else config.trust.root_keys
    verifier = verifier_from_files(args.trust, args.revocations, root_paths, config.rules, clock.now())
    return lambda text: verifier.verify(text, clock.now())


def decision_json(d: Decision) -> dict[str, object]:
    """The machine-readable form of a decision (``--json``): the contract scripts rely on."""
    p = d.pass_
    s = p.subject if p else None
    cert = p.certificate if p else None
    return {
        "verdict": d.verdict.value,
        "reason": d.reason.value if d.reason else None,
        "display": d.display.value,
        "detail": d.detail,
        "grounds": grounds_json(d),
        "format": d.format,
        "kid": d.kid.hex() if d.kid else None,
        "issuer": p.issuer if p else None,
        "pass_id": p.pass_id.hex() if p else None,
        "document_id": p.document_id if p else None,  # the document's own id (HC1 UVCI), not an id number
        "issued": iso(p.issued_at) if p else None,
        "expires": iso(p.expires) if p else None,
        "name": s.name if s else None,
        "id_number": s.id_number if s else None,
        "birth_date": s.birth_date if s else None,
        "category": s.category if s else None,
        "vehicle": s.vehicle if s else None,
        "origin": s.origin if s else None,
        "destination": s.destination if s else None,
        "purpose": s.purpose if s else None,
        "name_icao": (cert.icao_name or None) if cert else None,  # health certificates (HC1)
        "certificate": cert.kind if cert else None,  # vaccination / test / recovery / none
        "flags": sorted(f.value for f in d.flags),
        "rule": d.rule,
        "rules_applied": list(d.rules_applied),
        "evaluated_at": iso(d.evaluated_at),
        "clock_suspect": Flag.CLOCK_SUSPECT in d.flags,
        "watch": grounds_json(replace(d, grounds=d.watch)),  # the watch list's instruction, or None
    }


def grounds_json(d: Decision) -> dict[str, object] | None:
    """The decision's typed grounds: ``{"why": code, <parameter>: value, ...}`` (times ISO-8601), or None."""
    g = d.grounds
    if g is None:
        return None
    values: dict[str, object] = {"why": g.why.value}
    for name, value in g.params:
        values[name] = iso(value) if isinstance(value, datetime) else (
            value.isoformat() if isinstance(value, date) else value)
    return values


def decision_text(d: Decision) -> str:
    """The decision for a person at a terminal (id number masked)."""
    lines = [f"{d.display.value}  {d.reason.value + ': ' if d.reason else ''}{shown(d.detail)}"]
    if Flag.CLOCK_SUSPECT in d.flags:
        lines.append("  (station clock is behind trusted time: evaluated at the last trusted time)")
    if Flag.LISTS_STALE in d.flags:
        lines.append("  (the trust or revocation list in force is out of date (expired): it is still applied; "
                     "sync, or install current lists)")
    if d.watch is not None:
        lines.append(f"  WATCH LIST: {english(d.watch)}")
    if Flag.ID_IMPLAUSIBLE in d.flags:
        lines.append("  (the id number cannot be right for its document: check it against the card)")
    if Flag.HIDDEN_CHARS in d.flags:
        lines.append("  (this name contains hidden characters, shown as \\x.. / \\u.... escapes: check the ID card)")
    p = d.pass_
    if p is not None:
        s = p.subject
        icao = p.certificate.icao_name if p.certificate else None
        until = f"{p.expires:%Y-%m-%d %H:%M} UTC" if p.expires.year < 9999 else None  # SHC: no expiry
        rows = [("Name", s.name), ("ICAO name", icao), ("Birth date", s.birth_date), ("ID number", s.masked_id),
                ("Category", s.category), ("Vehicle", s.vehicle), ("Valid until", until),
                ("Document no.", p.document_id), ("Issuer", f"{p.issuer} (key {d.kid.hex() if d.kid else '?'})")]
        lines += [f"  {k + ':':<12} {shown(v)}" for k, v in rows if v]  # pass fields: hidden characters shown
    return "\n".join(lines)
