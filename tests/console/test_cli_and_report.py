"""``checkpoint server console-user add`` and the day's report with its signed manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checkpoint.errors import CheckpointError
from checkpoint.export.manifest import MANIFEST_TYPE, canonical
from sync.server.console.auth import MAX_FAILED, Accounts, Role
from sync.server.keys import load_or_create_server_key
from tests.console.conftest import Console, sign_in, signed_in


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "checkpoint", "server", "console-user", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, check=False)


def test_console_user_add_makes_a_user_who_signs_in(tmp_path: Path) -> None:
    from tests.console.conftest import start_console, stop_console

    data = tmp_path / "server"
    c = start_console(data, None)
    c.url = c.thread.url
    try:
        env = {"CHECKPOINT_CONSOLE_PASSWORD": "a long enough password"}
        r = cli("add", "pham.dung", "--role", "supervisor", "--district", "Ba Dinh", "--data-dir", str(data), env=env)
        assert r.returncode == 0, r.stderr
        assert "pham.dung" in r.stdout and "Ba Dinh" in r.stdout
        assert sign_in(c.client(), "pham.dung", "a long enough password").status_code == 303
        r = cli("add", "pham.dung", "--role", "admin", "--data-dir", str(data), env=env)
        assert r.returncode != 0 and "already exists" in r.stderr
        r = cli("add", "x.y", "--role", "supervisor", "--data-dir", str(data), env=env)
        assert r.returncode != 0 and "district" in r.stderr
        for _ in range(MAX_FAILED):
            sign_in(c.client(), "pham.dung", "wrong password!")
        assert sign_in(c.client(), "pham.dung", "a long enough password").status_code == 429
        r = cli("unlock", "pham.dung", "--data-dir", str(data))
        assert r.returncode == 0, r.stderr
        assert sign_in(c.client(), "pham.dung", "a long enough password").status_code == 303
        with pytest.raises(CheckpointError, match="12 characters"):
            Accounts(c.db).add_user("short", "short", Role.ADMIN, None, datetime.now(UTC))
    finally:
        stop_console(c)


def test_a_token_made_on_the_command_line_for_a_district(tmp_path: Path) -> None:
    import os

    from sync.server.console.db import open_console_db
    from sync.server.storage import token_hash

    data = tmp_path / "server"
    r = subprocess.run([sys.executable, "-m", "checkpoint", "server", "token", "--district", "Ba Dinh", "--data-dir",
                        str(data)], capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False)
    assert r.returncode == 0, r.stderr
    db = open_console_db(data / "server.sqlite")
    try:
        assert db.rows("SELECT district FROM console_token_districts WHERE token_hash = ?",
                       (token_hash(r.stdout.strip()),)) == [("Ba Dinh",)]
    finally:
        db.close()


def test_console_user_add_has_help() -> None:
    r = cli("add", "--help")
    assert r.returncode == 0 and "--role" in r.stdout and "supervisor" in r.stdout


@pytest.mark.parametrize("user, stations", [("admin", {"ST-A": 10, "ST-B": 7}), ("sup-b", {"ST-B": 7})])
def test_the_days_report_and_its_manifest_signed_by_the_server(console: Console, user: str,
                                                               stations: dict[str, int]) -> None:
    client = signed_in(console, user)
    data = client.get("/console/report.csv?day=2021-07-24").content
    rows = data.decode("utf-8-sig").splitlines()
    station_rows = {r.split(",")[2]: int(r.split(",")[-1]) for r in rows if r.split(",")[1] == "station"}
    assert station_rows == stations
    doc = json.loads(client.get("/console/report.csv?day=2021-07-24&manifest=1").content)
    assert doc["type"] == MANIFEST_TYPE and doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert doc["bytes"] == len(data) and doc["made_by"] == user
    signed = {k: v for k, v in doc.items() if k != "signature"}
    server = load_or_create_server_key(console.data_dir).public_key()
    assert isinstance(server, Ed25519PublicKey)
    server.verify(base64.b64decode(doc["signature"]), canonical(signed))  # raises if not the server's
    assert "export" in signed_in(console, "audit").get("/console/audit").text


def test_the_days_report_as_a_workbook_with_its_manifest(console: Console) -> None:
    import io

    from openpyxl import load_workbook

    client = signed_in(console, "sup-a")
    data = client.get("/console/report.xlsx?day=2021-07-24").content
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["day", "section", "key"]
    assert [r[2] for r in rows if r[1] == "station"] == ["ST-A"] and [r[-1] for r in rows if r[1] == "station"] == [10]
    import time

    time.sleep(1.1)  # another second: the bytes must not depend on when the report was made
    assert client.get("/console/report.xlsx?day=2021-07-24").content == data
    doc = json.loads(client.get("/console/report.xlsx?day=2021-07-24&manifest=1").content)
    assert doc["format"] == "xlsx" and doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert doc["rows"] == len(rows) - 1
    assert client.get("/console/report.pdf?day=2021-07-24").status_code == 404


def test_console_user_password_and_remove_end_the_users_sessions(tmp_path: Path) -> None:
    from tests.console.conftest import start_console, stop_console

    data = tmp_path / "server"
    c = start_console(data, None)
    c.url = c.thread.url
    try:
        first, second = {"CHECKPOINT_CONSOLE_PASSWORD": "the first long password"}, {
            "CHECKPOINT_CONSOLE_PASSWORD": "the second long password"}
        assert cli("add", "le.hoa", "--role", "auditor", "--data-dir", str(data), env=first).returncode == 0
        browser = c.client()
        assert sign_in(browser, "le.hoa", "the first long password").status_code == 303
        assert browser.get("/console/stations").status_code == 200  # signed in
        r = cli("password", "le.hoa", "--data-dir", str(data), env=second)
        assert r.returncode == 0, r.stderr
        assert browser.get("/console/stations").status_code != 200  # the session ended with the old password
        assert sign_in(c.client(), "le.hoa", "the first long password").status_code != 303
        again = c.client()
        assert sign_in(again, "le.hoa", "the second long password").status_code == 303
        r = cli("remove", "le.hoa", "--data-dir", str(data))
        assert r.returncode == 0, r.stderr
        assert again.get("/console/stations").status_code != 200  # removed: its session ended at once
        assert sign_in(c.client(), "le.hoa", "the second long password").status_code != 303
        r = cli("remove", "le.hoa", "--data-dir", str(data))
        assert r.returncode != 0 and "no console user le.hoa" in r.stderr
        assert "sessions" in cli("remove", "--help").stdout and "12 characters" in cli("password", "--help").stdout
    finally:
        stop_console(c)
