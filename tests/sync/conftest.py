from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checkpoint.clock import SystemClock
from sync.client import ClientSettings, SyncClient
from sync.server.app import ServerHooks
from sync.server.serve import ServerThread, open_app
from sync.server.storage import Storage
from tests.pg_cluster import PgCluster, start_cluster


@dataclass
class RunningServer:
    data_dir: Path
    hooks: ServerHooks
    thread: ServerThread
    storage: Storage
    database: str | None = None  # a postgresql:// URL, else the SQLite file in data_dir

    @property
    def url(self) -> str:
        return self.thread.url

    @property
    def port(self) -> int:
        return self.thread.port

    def stop(self) -> None:
        self.thread.stop()
        self.storage.close()

    def start(self) -> None:
        """Start again on the same port and data folder (a restarted server)."""
        app, self.storage = open_app(self.data_dir, hooks=self.hooks, database=self.database)
        self.thread = ServerThread(app, port=self.port)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key that signs this server's replies (what a station pins at enrolment)."""
        from sync.server.keys import load_or_create_server_key

        return load_or_create_server_key(self.data_dir).public_key()

    def token(self) -> str:
        from datetime import UTC, datetime, timedelta

        return self.storage.create_token(datetime.now(UTC), timedelta(hours=1))


def start_server(data: Path, database: str | None = None) -> RunningServer:
    hooks = ServerHooks()
    app, storage = open_app(data, hooks=hooks, database=database)
    return RunningServer(data, hooks, ServerThread(app), storage, database)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for the whole session (tests/pg_cluster.py); skips with the reason where
    PostgreSQL is missing or cannot start."""
    cluster = start_cluster()
    if isinstance(cluster, str):
        pytest.skip(cluster)
    yield cluster
    cluster.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of the test's own (tests that stop, restart or inject faults)."""
    srv = start_server(tmp_path / "server")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server for a module's tests that each use their own station id (fast: no start per test)."""
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


def make_client(url: str, station_id: str = "ST-1", key: Ed25519PrivateKey | None = None,
                timeout: float = 5.0, server_key: Ed25519PublicKey | None = None) -> SyncClient:
    """A station's client; ``server_key``: the pinned server key (else ``enroll`` pins it)."""
    return SyncClient(ClientSettings(url, timeout=timeout), station_id, key or Ed25519PrivateKey.generate(),
                      SystemClock(), server_key)


@pytest.fixture
def client(server: RunningServer) -> Iterator[SyncClient]:
    """A station enrolled with ``server``, with an id no other test uses."""
    c = make_client(server.url, f"ST-{uuid.uuid4().hex[:12]}")
    c.server_time()
    c.enroll(server.token())
    yield c
    c.close()
