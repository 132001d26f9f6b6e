"""The central server checks an export from any enrolled station with the key that station enrolled
(issue 12, item 7): the same fingerprint as ``checkpoint station fingerprint``, and the chain position the
manifest cites against the crossings the server received."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.cli import main
from checkpoint.export.manifest import file_digest, manifest_path, render, sign
from sync.server.serve import DB_FILE
from tests.sync.conftest import RunningServer
from tests.sync.test_cli import Setup, enroll
from tests.sync.test_cli import setup as setup


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def synced_export(server: RunningServer, s: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    enroll(server, s, capsys)
    s.record(12)
    assert main(["sync", *s.args()]) == 0
    out = tmp_path / "tram.csv"
    assert main(["export", *s.args(), "--out", str(out), "-q"]) == 0
    capsys.readouterr()
    return out


def test_server_verifies_an_enrolled_stations_export_and_knows_its_fingerprint(
        server: RunningServer, setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = synced_export(server, setup, tmp_path, capsys)
    srv = ["--data-dir", str(server.data_dir)]
    code, stdout, _ = run(capsys, "server", "export-verify", out, *srv)
    assert code == 0 and stdout.startswith("OK:") and "enrolled" in stdout
    fp = run(capsys, "station", "fingerprint", *setup.args())[1].strip()
    code, stdout, _ = run(capsys, "server", "stations", *srv)
    assert code == 0 and f"key fingerprint {fp}" in stdout
    # Away from the station and the server, the same export is only UNVERIFIED until the fingerprint is given.
    assert run(capsys, "export", "verify", out, "--data-dir", tmp_path / "laptop")[0] == 3
    assert run(capsys, "export", "verify", out, "--data-dir", tmp_path / "laptop", "--fingerprint", fp)[0] == 0


def test_server_refuses_a_resigned_export_and_one_from_a_rewritten_log(
        server: RunningServer, setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = synced_export(server, setup, tmp_path, capsys)
    srv = ["--data-dir", str(server.data_dir)]
    doc = json.loads(manifest_path(out).read_text())
    with sqlite3.connect(server.data_dir / DB_FILE) as db:  # the station's log was rewritten after it synced
        db.execute("UPDATE crossings SET hash = ? WHERE station_id = ? AND seq = ?",
                   ("00" * 32, doc["station_id"], doc["covers_upto_seq"]))
    code, stdout, _ = run(capsys, "server", "export-verify", out, *srv)
    assert code == 1 and "another hash on this server" in stdout
    body = {k: v for k, v in doc.items() if k not in ("signature", "signer", "signer_fingerprint", "type")}
    body["sha256"], body["bytes"] = file_digest(out)
    manifest_path(out).write_bytes(render(sign(body, Ed25519PrivateKey.generate())))
    code, stdout, _ = run(capsys, "server", "export-verify", out, *srv)
    assert code == 1 and "re-signed" in stdout


def test_server_cannot_vouch_for_unknown_or_revoked_stations(
        server: RunningServer, setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = synced_export(server, setup, tmp_path, capsys)
    srv = ["--data-dir", str(server.data_dir)]
    assert run(capsys, "server", "revoke", "HN-CLI-1", *srv)[0] == 0
    code, stdout, err = run(capsys, "server", "export-verify", out, *srv)
    assert code == 3 and stdout.startswith("UNVERIFIED") and "revoked" in err
    other = tmp_path / "other-server"
    code, stdout, err = run(capsys, "server", "export-verify", out, "--data-dir", other)
    assert code == 3 and "not enrolled" in err
