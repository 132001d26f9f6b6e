"""The central server checks an export from any enrolled station: it knows every station's key.

A station's export manifest is signed by the station's Ed25519 key, which the station enrolled with this
server. ``verify_export`` pins that enrolled key (for the station the manifest names) and checks the
export; then, where the server already holds the crossings the manifest cites (``covers_upto_seq`` and
``chain_head_seq``), that their chain hashes are the ones the server received: an export cut from a log
that was rewritten after it was synced fails.

Limits: a station revoked since (lost or stolen) gives UNVERIFIED, never OK: its key may be in other
hands and the time a manifest claims is the signer's word. A crossing not yet synced cannot be checked
(a warning says so); the export's rows themselves are not compared with the server's copy.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from pathlib import Path

from checkpoint.export.manifest import Pin, Status, VerifyReport, load_manifest, manifest_path, verify
from sync.server.storage import Storage


def verify_export(storage: Storage, export: Path, manifest: Path | None = None) -> VerifyReport:
    """Check ``export`` against its manifest and the key the station it names enrolled with."""
    doc = load_manifest(manifest or manifest_path(export))
    station_id = str(doc.get("station_id"))
    record = storage.station(station_id) if isinstance(doc.get("station_id"), str) else None
    if record is None:
        report = verify(export, manifest)
        return _note(report, f"station {station_id!r} is not enrolled with this server: its key is not known here")
    try:
        raw = base64.b64decode(record.public_key, validate=True)
    except (binascii.Error, ValueError):
        return _note(verify(export, manifest), f"station {station_id}'s enrolled key cannot be read")
    pin = Pin.of_key(raw, f"the key station {station_id} enrolled with on {record.enrolled_at[:10]}", station_id)
    report = verify(export, manifest, pin=pin)
    if report.status is not Status.VERIFIED:
        return report
    if record.revoked_at is not None:
        return _note(report, f"station {station_id} was revoked on {record.revoked_at}: its key may be in other "
                     "hands, so an export signed with it proves nothing")
    problems, warnings = list(report.problems), list(report.warnings)
    for what, seq_key, hash_key in (("the last crossing it covers", "covers_upto_seq", "covers_upto_hash"),
                                    ("the head of the station's log", "chain_head_seq", "chain_head_hash")):
        seq, digest = doc.get(seq_key), doc.get(hash_key)
        if not isinstance(seq, int) or not isinstance(digest, str):
            continue
        held = storage.crossing_hash(station_id, seq) if seq <= record.cursor else None
        if held is None:
            warnings.append(f"crossing {seq} ({what}) has not reached this server yet: not compared")
        elif held != digest:
            problems.append(f"crossing {seq} ({what}) has another hash on this server than the export cites: "
                            "the export was cut from a log that differs from the one the station synced")
    status = Status.FAILED if problems else Status.VERIFIED
    return dataclasses.replace(report, status=status, problems=tuple(problems), warnings=tuple(warnings))


def _note(report: VerifyReport, why: str) -> VerifyReport:
    """An intact export the server cannot vouch for: UNVERIFIED (a failed one stays FAILED), with why."""
    status = Status.FAILED if report.status is Status.FAILED else Status.UNVERIFIED
    return dataclasses.replace(report, status=status, warnings=(*report.warnings, why), pinned_by=None)
