from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.clock import SystemClock
from sync.client import ClientSettings, SyncClient
from sync.server.app import ServerHooks
from sync.server.serve import ServerThread, open_app
from sync.server.storage import SQLiteStorage


@dataclass
class RunningServer:
    data_dir: Path
    hooks: ServerHooks
    thread: ServerThread
    storage: SQLiteStorage

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
        app, self.storage = open_app(self.data_dir, hooks=self.hooks)
        self.thread = ServerThread(app, port=self.port)

    def token(self) -> str:
        from datetime import UTC, datetime, timedelta

        return self.storage.create_token(datetime.now(UTC), timedelta(hours=1))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    hooks = ServerHooks()
    data = tmp_path / "server"
    app, storage = open_app(data, hooks=hooks)
    srv = RunningServer(data, hooks, ServerThread(app), storage)
    yield srv
    srv.stop()


def make_client(url: str, station_id: str = "ST-1", key: Ed25519PrivateKey | None = None,
                timeout: float = 5.0) -> SyncClient:
    return SyncClient(ClientSettings(url, timeout=timeout), station_id, key or Ed25519PrivateKey.generate(),
                      SystemClock())


@pytest.fixture
def client(server: RunningServer) -> Iterator[SyncClient]:
    c = make_client(server.url)
    c.server_time()
    c.enroll(server.token())
    yield c
    c.close()
