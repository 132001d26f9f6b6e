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

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.crossing import Crossing, PersonalData, aad_for
from checkpoint.log import _chain as chain
from checkpoint.log._rows import chain_fields
from sync.server.console.auth import Accounts, Role
from sync.server.console.db import ConsoleDB
from sync.server.console.fleet import create_token
from sync.server.serve import ServerThread, open_app
from sync.server.storage import Storage
from tests.sync.helpers import GENESIS, make_crossings

PASSWORD = "correct horse battery"
DAY = datetime(2021, 7, 24, tzinfo=UTC)
USERS = {"admin": (Role.ADMIN, None), "sup-a": (Role.SUPERVISOR, "Ba Dinh"), "sup-b": (Role.SUPERVISOR, "Cau Giay"),
         "audit": (Role.AUDITOR, None)}
STATIONS = {"ST-A": ("Ba Dinh", 10), "ST-B": ("Cau Giay", 7)}
#: The supervisor's key the stations seal personal data to (its private half is pasted into the tracing form).
SUPERVISOR = sealing.generate()
KEY_PASSPHRASE = "mật khẩu khóa"
SUPERVISOR_PEM = sealing.private_pem(SUPERVISOR, KEY_PASSPHRASE.encode()).decode()
#: ST-A's crossing i carries this person (sealed); id number 001085012345 crossed at ST-A (seq 3) and ST-B (seq 2).
WANTED_ID = "001085012345"
CSRF_RE = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class Console:
    url: str
    data_dir: Path
    database: str | None
    storage: Storage
    db: ConsoleDB
    thread: ServerThread
    clock: FixedClock  # the server's clock: a test moves it on (the idle timeout) instead of sleeping

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def second_process(self) -> tuple[ServerThread, Storage]:
        """Another API process over the same database (its own connections)."""
        app, storage = open_app(self.data_dir, self.clock, database=self.database)
        return ServerThread(app), storage


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs: the console's logic is under test here, not Argon2's (the defaults cost 64 MiB
    and three passes a hash, which on a shared 2-core machine is most of a test's time)."""
    from argon2 import PasswordHasher

    from sync.server.console import auth

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def start_console(data_dir: Path, database: str | None) -> Console:
    now = datetime.now(UTC)
    clock = FixedClock(now)
    app, storage = open_app(data_dir, clock, database=database)
    db: ConsoleDB = app.state.console_db
    accounts = Accounts(db)
    for name, (role, district) in USERS.items():
        accounts.add_user(name, PASSWORD, role, district, now)
    for sid, (district, n) in STATIONS.items():
        token = create_token(storage, db, district, now, timedelta(hours=1))
        storage.enroll(token, sid, f"key-{sid}", now)
        crossings = sealed(make_crossings(sid, n, at=DAY + timedelta(hours=8)), {3 if sid == "ST-A" else 2})
        storage.store_batch(sid, [c.to_wire() for c in crossings], now)
    # ST-A synced a minute ago (fine); ST-B never sent a heartbeat (SILENT)
    issued = (now - timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    storage.record_heartbeat("ST-A", {
        "software_version": "0.1.0", "clock_offset_seconds": 1.5, "queue": 4, "disk_free_bytes": 12 * 2**30,
        "camera": "running", "last_scan_at": issued,
        "lists": [{"kind": kind, "version": v, "issued_at": issued,
                   "expires_at": (now + timedelta(days=30)).isoformat().replace("+00:00", "Z")}
                  for kind, v in (("trust-list", 3), ("revocation-list", 12))]},
        now - timedelta(minutes=1))
    return Console("", data_dir, database, storage, db, ServerThread(app), clock)


def person(c: Crossing, wanted: bool) -> PersonalData:
    return PersonalData(name=f"Nguyễn Văn {c.station_id} {c.seq}", id_number="001-085-012 345" if wanted else
                        f"0790{c.seq:08d}", birth_date="1985-01-02", phone=None, vehicle=None, origin="Hà Nội",
                        destination=None, purpose=None, document_id=None)


def sealed(crossings: list[Crossing], wanted: set[int]) -> list[Crossing]:
    """The crossings with real personal data sealed to SUPERVISOR, chained again as the log does."""
    from dataclasses import replace

    out, prev = [], GENESIS
    for c in crossings:
        blob = sealing.seal(person(c, c.seq in wanted).to_json_bytes(), SUPERVISOR.public_key(), aad_for(c.id))
        c = replace(c, sealed=blob, prev_hash=prev)
        c = replace(c, personal_digest=chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed))
        c = replace(c, hash=chain.crossing_hash(chain_fields(c)))
        out.append(c)
        prev = c.hash
    return out


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
