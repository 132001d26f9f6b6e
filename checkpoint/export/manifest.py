"""Chain of custody: a signed manifest beside every export, and its verification.

``FILE.manifest.json`` says what the export is (format, rows, time range, filters, whether personal
data is in clear), which file it is (size and SHA-256 of its exact bytes), where it sits in the station's
tamper-evident log (seq and hash of the last crossing it covers, and of the log's head when it was cut,
so the export can be tied to the chain the central server holds), who made it and when, and which key
signed it (station id, the public key and its fingerprint). The station's Ed25519 key signs the canonical
JSON of all of that.

A signature only says "whoever holds this key made it". ``verify`` therefore needs to know the key: a
pin (the station's public key, or its fingerprint as ``checkpoint station fingerprint`` prints it, or the
key the central server enrolled). Without one an intact export is UNVERIFIED, never OK: anyone can make
a key pair and sign a manifest with it.

Canonical JSON: UTF-8, keys sorted, no spaces (``separators=(",", ":")``), non-ASCII not escaped. The
manifest file itself is written in one exact layout (``render``: keys sorted, two-space indent, one
final newline) and must be byte for byte that layout, so not one byte of it can change unnoticed either.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checkpoint.export.atomic_file import ExportError
from checkpoint.fingerprint import fingerprint, fingerprint_hex, raw_public

MANIFEST_TYPE = "checkpoint-export-manifest/2"
#: Manifests made before the signer and the file layout were bound; still read, with a warning.
OLD_MANIFEST_TYPES = ("checkpoint-export-manifest/1",)
MANIFEST_SUFFIX = ".manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024
#: What a version-2 manifest must carry in its signed part (the rest is descriptive).
REQUIRED = ("file", "format", "bytes", "sha256", "rows", "filters", "station_id", "signer", "signer_fingerprint",
            "covers_upto_seq", "covers_upto_hash", "chain_head_seq", "chain_head_hash", "created_at")


def manifest_path(export: Path) -> Path:
    return export.with_name(export.name + MANIFEST_SUFFIX)


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def render(doc: dict[str, Any]) -> bytes:
    """The manifest file's exact bytes (keys sorted, two-space indent, final newline)."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=2).encode() + b"\n"


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def sign(body: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The manifest document: ``body`` with the signer's key and fingerprint added, plus its signature."""
    public = key.public_key()
    signed = {**body, "type": MANIFEST_TYPE, "signer": base64.b64encode(raw_public(public)).decode(),
              "signer_fingerprint": fingerprint(public)}
    return {**signed, "signature": base64.b64encode(key.sign(canonical(signed))).decode()}


class Status(StrEnum):
    VERIFIED = "verified"  # intact, and signed by the key pinned for the station
    UNVERIFIED = "unverified"  # intact as signed, but nothing says the signing key is the station's
    FAILED = "failed"  # changed, badly signed, or signed by another key than the pinned one


@dataclass(frozen=True)
class Pin:
    """The key an export must be signed by, and where that knowledge came from (for messages)."""

    fingerprint: str  # 32 lower-case hex digits (checkpoint.fingerprint.fingerprint_hex)
    source: str  # e.g. "--station-key station.pub.pem", "this station's own key", "the central server"
    station_id: str | None = None  # the station the key belongs to, when the source knows it
    raw: bytes | None = None  # the whole public key, when known (compared in full)

    @classmethod
    def of_key(cls, key: Ed25519PublicKey | bytes, source: str, station_id: str | None = None) -> Pin:
        raw = key if isinstance(key, bytes) else raw_public(key)
        return cls(fingerprint_hex(raw), source, station_id, raw)


@dataclass(frozen=True)
class VerifyReport:
    status: Status
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    manifest: dict[str, Any] = field(default_factory=dict)
    signer_fingerprint: str | None = None  # as a person reads it
    pinned_by: str | None = None  # the pin's source, when the signer matched it

    @property
    def ok(self) -> bool:
        """Intact and signed by the pinned key: the only state in which an export may be relied on."""
        return self.status is Status.VERIFIED


def read_manifest(path: Path) -> tuple[dict[str, Any], bytes]:
    """The manifest document and the file's exact bytes; ``ExportError`` when it is not a manifest at all."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise ExportError(f"{path}: no manifest beside the export (it is written as FILE{MANIFEST_SUFFIX})") from None
    except OSError as e:
        raise ExportError(f"{path}: cannot read the manifest ({e.strerror})") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise ExportError(f"{path}: larger than {MAX_MANIFEST_BYTES // 1024} KiB; not an export manifest")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ExportError(f"{path}: not a JSON manifest") from None
    if not isinstance(doc, dict) or (doc.get("type") != MANIFEST_TYPE and doc.get("type") not in OLD_MANIFEST_TYPES):
        raise ExportError(f"{path}: not a checkpoint export manifest (expected type {MANIFEST_TYPE})")
    return doc, data


def load_manifest(path: Path) -> dict[str, Any]:
    return read_manifest(path)[0]


def verify(export: Path, manifest: Path | None = None, *, pin: Pin | None = None,
           trusted: Ed25519PublicKey | None = None) -> VerifyReport:
    """Check the manifest (its exact bytes and signature), the export file against it (every byte), and the
    signer against ``pin`` (or ``trusted``, the station's public key). Never raises for a bad file: every
    failure is a problem in the report (a missing or unreadable manifest raises ExportError)."""
    if pin is None and trusted is not None:
        pin = Pin.of_key(trusted, "the given station key")
    mpath = manifest or manifest_path(export)
    doc, data = read_manifest(mpath)
    problems: list[str] = []
    warnings: list[str] = []
    current = doc.get("type") == MANIFEST_TYPE
    if not current:
        warnings.append("an older manifest (version 1): its layout and signer fingerprint are not bound; "
                        "export again for a version-2 manifest")
    elif data != render(doc):
        problems.append(f"{mpath.name}: the manifest is not byte for byte as the station wrote it (edited)")
    body = {k: v for k, v in doc.items() if k != "signature"}
    signer_raw: bytes | None = None
    try:
        signer_raw = base64.b64decode(str(doc.get("signer", "")), validate=True)
        signer = Ed25519PublicKey.from_public_bytes(signer_raw)
        signer.verify(base64.b64decode(str(doc.get("signature", "")), validate=True), canonical(body))
    except (ValueError, InvalidSignature):
        problems.append("the manifest's signature does not verify: the manifest was altered or not made by a station")
        signer_raw = None
    signer_fp = fingerprint(signer_raw) if signer_raw is not None else None
    if signer_raw is not None and current:
        missing = [k for k in REQUIRED if k not in doc]
        if missing:
            problems.append(f"the manifest lacks {', '.join(missing)}: not made by this program")
        if doc.get("signer_fingerprint") != signer_fp:
            problems.append("the fingerprint written in the manifest is not its signer's")
    _check_file(export, doc, problems, warnings)
    pinned_by = None
    if signer_raw is not None and pin is not None:
        station = doc.get("station_id")
        if pin.station_id is not None and pin.station_id != station:
            problems.append(f"the manifest names station {station!r}, but {pin.source} is station "
                            f"{pin.station_id!r}'s key")
        elif (pin.raw is not None and pin.raw != signer_raw) or fingerprint_hex(signer_raw) != pin.fingerprint:
            problems.append(f"signed by key {signer_fp}, not by the station's key {_spaced(pin.fingerprint)} "
                            f"({pin.source}): the manifest was re-signed by someone else")
        else:
            pinned_by = pin.source
    if problems:
        status = Status.FAILED
    elif pinned_by is None:
        status = Status.UNVERIFIED
    else:
        status = Status.VERIFIED
    return VerifyReport(status, tuple(problems), tuple(warnings), doc, signer_fp, pinned_by)


def _check_file(export: Path, doc: dict[str, Any], problems: list[str], warnings: list[str]) -> None:
    try:
        digest, size = file_digest(export)
    except OSError as e:
        problems.append(f"{export}: cannot read the export ({e.strerror})")
        return
    if size != doc.get("bytes"):
        problems.append(f"the export is {size} bytes; the manifest says {doc.get('bytes')}: the file was changed")
    if digest != doc.get("sha256"):
        problems.append("the export's SHA-256 differs from the manifest: the file was changed after export")
    if doc.get("file") != export.name:
        warnings.append(f"the export was renamed (made as {doc.get('file')!r})")


def _spaced(hex_digits: str) -> str:
    d = hex_digits.upper()
    return " ".join(d[i : i + 4] for i in range(0, len(d), 4))
