"""Exports anyone can check (issue 12, item 7): a signature is worth only as much as the key is known.

Attacks: a manifest re-signed with another key; an export checked with no key known; one byte changed
anywhere in the export or its manifest. The station's fingerprint is what a supervisor pins.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.export import CrossingFilter, ExportError, ExportRequest, Format, export
from checkpoint.export._source import rows_of
from checkpoint.export.manifest import Pin, Status, manifest_path, render, sign, verify
from checkpoint.fingerprint import fingerprint, fingerprint_hex, parse_fingerprint
from checkpoint.station_keys import load_or_create_station_key
from checkpoint.trust import keys
from tests.export.crossing_rows import T0, crossings

VN = timezone(timedelta(hours=7))
FINGERPRINT = re.compile(r"^[0-9A-F]{4}( [0-9A-F]{4}){7}$")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    d = tmp_path / "station-data"
    d.mkdir()
    return d


def make_export(out: Path, key: Ed25519PrivateKey, n: int = 4, fmt: Format = Format.CSV) -> None:
    req = ExportRequest(out, fmt, VN, "UTC+07:00", CrossingFilter(), "vi")
    export(rows_of(crossings(n)), req, station_id="HN-QL1A-01", station_key=key,
           clock=FixedClock(T0 + timedelta(days=1)), exported_by="GS-01", chain_head=(n + 5, "ab" * 32))


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def station_fp(capsys: pytest.CaptureFixture[str], data: Path) -> str:
    code, out, _ = run(capsys, "station", "fingerprint", "--data-dir", data)
    assert code == 0
    return out.strip()


def resign(out: Path, forger: Ed25519PrivateKey) -> None:
    """What an attacker does: edit the export, fix the manifest's size and hash, sign with their own key."""
    mp = manifest_path(out)
    doc = json.loads(mp.read_text())
    out.write_bytes(out.read_bytes().replace(b"CB-01", b"CB-09"))
    from checkpoint.export.manifest import file_digest

    doc["sha256"], doc["bytes"] = file_digest(out)
    body = {k: v for k, v in doc.items() if k not in ("signature", "signer", "signer_fingerprint", "type")}
    mp.write_bytes(render(sign(body, forger)))


def test_fingerprint_command_is_stable_and_is_the_station_key(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = station_fp(capsys, data)
    assert FINGERPRINT.match(first), first
    assert station_fp(capsys, data) == first  # the same key, the same text, every time
    key = load_or_create_station_key(data).public_key()
    assert first == fingerprint(key)
    assert parse_fingerprint(first) == fingerprint_hex(key) == parse_fingerprint(first.lower().replace(" ", ":"))
    pem = data.parent / "station.pub.pem"
    code, _, _ = run(capsys, "station", "fingerprint", "--data-dir", data, "--public-key", pem)
    assert code == 0 and fingerprint(keys.load_public_pem(pem.read_bytes(), "pem")[0]) == first  # type: ignore[arg-type]


def test_resigned_manifest_is_not_ok_away_from_the_station(data: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.csv"
    make_export(out, load_or_create_station_key(data))
    fp = station_fp(capsys, data)
    resign(out, Ed25519PrivateKey.generate())
    elsewhere = tmp_path / "supervisor-laptop"
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere)
    assert code == 3 and stdout.startswith("UNVERIFIED") and "OK" not in stdout
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere, "--fingerprint", fp)
    assert code == 1 and "FAILED" in stdout and "re-signed" in stdout
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", data)  # a station of another id
    assert code != 0 and not stdout.startswith("OK")


def test_unpinned_is_unverified_and_pinned_is_ok(data: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.csv"
    make_export(out, load_or_create_station_key(data))
    fp = station_fp(capsys, data)
    elsewhere = tmp_path / "supervisor-laptop"
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere)
    assert code == 3 and "UNVERIFIED" in stdout and fp in stdout  # the fingerprint to compare is printed
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere, "--fingerprint", fp)
    assert code == 0 and stdout.startswith("OK:") and fp in stdout
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere,
                          "--fingerprint", fp.replace(" ", "").lower())
    assert code == 0
    pem = tmp_path / "station.pub.pem"
    pem.write_bytes(keys.public_pem(load_or_create_station_key(data).public_key()))
    assert run(capsys, "export", "verify", out, "--data-dir", elsewhere, "--station-key", pem)[0] == 0
    other = fingerprint(Ed25519PrivateKey.generate().public_key())
    code, stdout, _ = run(capsys, "export", "verify", out, "--data-dir", elsewhere, "--fingerprint", other)
    assert code == 1 and "FAILED" in stdout
    assert run(capsys, "export", "verify", out, "--fingerprint", "not-a-fingerprint")[0] == 2


@pytest.mark.parametrize("fmt", [Format.CSV, Format.JSONL])
def test_every_byte_of_the_export_is_bound(tmp_path: Path, fmt: Format) -> None:
    key = Ed25519PrivateKey.generate()
    pin = Pin.of_key(key.public_key(), "test")
    out = tmp_path / f"x.{fmt.value}"
    make_export(out, key, n=2, fmt=fmt)
    original = out.read_bytes()
    assert verify(out, pin=pin).status is Status.VERIFIED
    for i in range(len(original)):
        changed = bytearray(original)
        changed[i] ^= 0x20
        out.write_bytes(bytes(changed))
        report = verify(out, pin=pin)
        assert report.status is Status.FAILED, f"byte {i} of the export changed unnoticed"
    out.write_bytes(original + b"\n")
    assert verify(out, pin=pin).status is Status.FAILED


def test_every_byte_of_an_xlsx_export_is_bound(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pin = Pin.of_key(key.public_key(), "test")
    out = tmp_path / "x.xlsx"
    make_export(out, key, n=2, fmt=Format.XLSX)
    original = out.read_bytes()
    for i in range(0, len(original), 37):  # a zip has slack (names, comments, padding): changes there count too
        changed = bytearray(original)
        changed[i] ^= 0x01
        out.write_bytes(bytes(changed))
        assert verify(out, pin=pin).status is Status.FAILED, f"byte {i} of the XLSX changed unnoticed"


def test_every_byte_of_the_manifest_is_bound(tmp_path: Path) -> None:
    """Whitespace included: a manifest is byte for byte what the station wrote, or refused."""
    key = Ed25519PrivateKey.generate()
    pin = Pin.of_key(key.public_key(), "test")
    out = tmp_path / "x.csv"
    make_export(out, key, n=2)
    mp = manifest_path(out)
    original = mp.read_bytes()
    assert verify(out, pin=pin).ok
    for i in range(len(original)):
        for flip in (0x01, 0x20):
            changed = bytearray(original)
            changed[i] ^= flip
            mp.write_bytes(bytes(changed))
            try:
                status = verify(out, pin=pin).status
            except ExportError:
                continue  # no longer a manifest at all: refused (exit 2 at the command line)
            assert status is Status.FAILED, f"byte {i} of the manifest (^{flip:#x}) changed unnoticed"


def test_manifest_binds_signer_filters_rows_and_chain_head(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    out = tmp_path / "x.csv"
    make_export(out, key, n=3)
    mp = manifest_path(out)
    doc = json.loads(mp.read_text())
    assert doc["type"] == "checkpoint-export-manifest/2"
    assert doc["signer_fingerprint"] == fingerprint(key.public_key()) and doc["station_id"] == "HN-QL1A-01"
    assert (doc["rows"], doc["chain_head_seq"], doc["chain_head_hash"]) == (3, 8, "ab" * 32)
    assert doc["covers_upto_seq"] == 3 and doc["filters"] == {"since": None, "until": None}
    pin = Pin.of_key(key.public_key(), "test")
    for field, value in (("rows", 2), ("chain_head_seq", 9), ("filters", {"verdicts": ["accept"]}),
                         ("station_id", "OTHER"),
                         ("signer_fingerprint", _other_last_digit(fingerprint(key.public_key())))):
        edited = {**doc, field: value}
        mp.write_bytes(render(edited))  # laid out exactly as the station would: only the signature can tell
        assert verify(out, pin=pin).status is Status.FAILED, field
    # A pin that knows its station: the manifest must name that station.
    mp.write_bytes(render(doc))
    assert verify(out, pin=Pin.of_key(key.public_key(), "server", "HN-QL1A-01")).ok
    assert verify(out, pin=Pin.of_key(key.public_key(), "server", "HCM-02")).status is Status.FAILED


def test_a_version_1_manifest_is_still_read_with_a_warning(tmp_path: Path) -> None:
    """Exports made before this change: the file and the signer are still checked; the warning says what is not."""
    import base64

    from checkpoint.export.manifest import canonical
    from checkpoint.fingerprint import raw_public

    key = Ed25519PrivateKey.generate()
    out = tmp_path / "old.csv"
    make_export(out, key, n=2)
    mp = manifest_path(out)
    doc = json.loads(mp.read_text())
    old = {k: v for k, v in doc.items() if k not in ("signature", "signer_fingerprint", "chain_head_seq",
                                                     "chain_head_hash")}
    old.update(type="checkpoint-export-manifest/1", signer=base64.b64encode(raw_public(key.public_key())).decode())
    old["signature"] = base64.b64encode(key.sign(canonical(old))).decode()
    mp.write_text(json.dumps(old, indent=2))
    report = verify(out, pin=Pin.of_key(key.public_key(), "test"))
    assert report.ok and any("version 1" in w for w in report.warnings)
    assert verify(out).status is Status.UNVERIFIED
    assert verify(out, pin=Pin.of_key(Ed25519PrivateKey.generate().public_key(), "x")).status is Status.FAILED


def _other_last_digit(fp: str) -> str:
    """The fingerprint with its last digit changed (never to itself: "0" when it ends in "0" was no change)."""
    return fp[:-1] + ("1" if fp[-1] == "0" else "0")
