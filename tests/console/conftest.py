"""A real central server on 127.0.0.1 with the console, over SQLite or PostgreSQL, with users and stations:

- ``admin`` (province administrator), ``sup-a`` (district supervisor of "Ba Dinh"), ``sup-b`` ("Cau Giay"),
  ``audit`` (auditor); every password is ``PASSWORD``;
- stations ST-A (enrolled with a token made for "Ba Dinh") and ST-B ("Cau Giay"), each with crossings on DAY.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sync.server.console.auth import Accounts, Role
from sync.server.console.db import ConsoleDB
from sync.server.console.fleet import create_token
from sync.server.serve import ServerThread, open_app
from sync.server.storage import Storage
from tests.sync.helpers import make_crossings

PASSWORD = "correct horse battery"
DAY = datetime(2021, 7, 24, tzinfo=UTC)
USERS = {"admin": (Role.ADMIN, None), "sup-a": (Role.SUPERVISOR, "Ba Dinh"), "sup-b": (Role.SUPERVISOR, "Cau Giay"),
         "audit": (Role.AUDITOR, None)}
STATIONS = {"ST-A": ("Ba Dinh", 10), "ST-B": ("Cau Giay", 7)}
CSRF_RE = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class Console:
    url: str
    data_dir: Path
    database: str | None
    storage: Storage
    db: ConsoleDB
    thread: ServerThread

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def second_process(self) -> tuple[ServerThread, Storage]:
        """Another API process over the same database (its own connections)."""
        app, storage = open_app(self.data_dir, database=self.database)
        return ServerThread(app), storage


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs: the console's logic is under test here, not Argon2's (the defaults cost 64 MiB
    and three passes a hash, which on a shared 2-core machine is most of a test's time)."""
    from argon2 import PasswordHasher

    from sync.server.console import auth

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def start_console(data_dir: Path, database: str | None) -> Console:
    app, storage = open_app(data_dir, database=database)
    db: ConsoleDB = app.state.console_db
    now = datetime.now(UTC)
    accounts = Accounts(db)
    for name, (role, district) in USERS.items():
        accounts.add_user(name, PASSWORD, role, district, now)
    for sid, (district, n) in STATIONS.items():
        token = create_token(storage, db, district, now, timedelta(hours=1))
        storage.enroll(token, sid, f"key-{sid}", now)
        storage.store_batch(sid, [c.to_wire() for c in make_crossings(sid, n, at=DAY + timedelta(hours=8))], now)
    return Console("", data_dir, database, storage, db, ServerThread(app))


def stop_console(c: Console) -> None:
    c.thread.stop()
    c.db.close()
    c.storage.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Console]:
    database = None
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_cluster").create_database()
    c = start_console(tmp_path / "server", database)
    c.url = c.thread.url
    yield c
    stop_console(c)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/console/login")
    return client.post("/console/login", data={"csrf": csrf_of(page.text), "username": username, "password": password})


def signed_in(c: Console, username: str) -> httpx.Client:
    client = c.client()
    r = sign_in(client, username)
    assert r.status_code == 303 and r.headers["location"] == "/console/stations", r.text[:500]
    return client


from tests.sync.conftest import pg_cluster  # noqa: E402,F401 (the throwaway PostgreSQL cluster fixture)
