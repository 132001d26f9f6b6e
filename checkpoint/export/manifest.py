"""Chain of custody: a signed manifest beside every export, and its verification.

``FILE.manifest.json`` says what the export is (format, rows, time range, filters, whether personal
data is in clear), which file it is (size and SHA-256), where it sits in the station's tamper-evident
log (seq and hash of the last crossing it covers, so the export can be tied to the chain the central
server holds), who made it and when. The station's Ed25519 key signs the canonical JSON of all of
that; the signer's public key travels inside the signed part, and a verifier that knows the
station's key (``--station-key`` or the station's data folder) also checks that it is the one.

Canonical JSON: UTF-8, keys sorted, no spaces (``separators=(",", ":")``), non-ASCII not escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checkpoint.export.atomic_file import ExportError

MANIFEST_TYPE = "checkpoint-export-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024


def manifest_path(export: Path) -> Path:
    return export.with_name(export.name + MANIFEST_SUFFIX)


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """Short form a person can compare by eye or over the phone."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def sign(body: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The manifest document: ``body`` with the signer's key added, plus its signature."""
    signed = {"type": MANIFEST_TYPE, **body,
              "signer": base64.b64encode(raw_public(key.public_key())).decode()}
    return {**signed, "signature": base64.b64encode(key.sign(canonical(signed))).decode()}


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    manifest: dict[str, Any] = field(default_factory=dict)
    signer_fingerprint: str | None = None


def load_manifest(path: Path) -> dict[str, Any]:
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
    if not isinstance(doc, dict) or doc.get("type") != MANIFEST_TYPE:
        raise ExportError(f"{path}: not a checkpoint export manifest (expected type {MANIFEST_TYPE})")
    return doc


def verify(export: Path, manifest: Path | None = None, *, trusted: Ed25519PublicKey | None = None) -> VerifyReport:
    """Check the manifest's signature, then the export file against it. Never raises for a bad file:
    every failure is a problem in the report (a missing or unreadable manifest raises ExportError)."""
    mpath = manifest or manifest_path(export)
    doc = load_manifest(mpath)
    problems: list[str] = []
    warnings: list[str] = []
    body = {k: v for k, v in doc.items() if k != "signature"}
    signer_fp = None
    try:
        signer = Ed25519PublicKey.from_public_bytes(base64.b64decode(str(doc.get("signer", "")), validate=True))
        signer.verify(base64.b64decode(str(doc.get("signature", "")), validate=True), canonical(body))
        signer_fp = fingerprint(signer)
    except (ValueError, InvalidSignature):
        problems.append("the manifest's signature does not verify: the manifest was altered or not made by a station")
        signer = None
    if signer is not None:
        if trusted is None:
            warnings.append(f"signed by station key {signer_fp}, which was not checked against a known station key "
                            "(give --station-key, or run on the station)")
        elif raw_public(trusted) != raw_public(signer):
            problems.append(f"signed by key {signer_fp}, not by this station's key {fingerprint(trusted)}")
    try:
        digest, size = file_digest(export)
    except OSError as e:
        problems.append(f"{export}: cannot read the export ({e.strerror})")
    else:
        if size != doc.get("bytes"):
            problems.append(f"the export is {size} bytes; the manifest says {doc.get('bytes')}: the file was changed")
        if digest != doc.get("sha256"):
            problems.append("the export's SHA-256 differs from the manifest: the file was changed after export")
        if doc.get("file") != export.name:
            warnings.append(f"the export was renamed (made as {doc.get('file')!r})")
    return VerifyReport(not problems, tuple(problems), tuple(warnings), doc, signer_fp)
