"""Running the server: in the foreground (``checkpoint server run``) or in a thread (tests, benchmarks).

``ServerThread`` binds its socket before the thread starts, so a client may connect at once (the
kernel queues the connection until uvicorn accepts it): nobody waits for "started" by sleeping.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from checkpoint.clock import Clock, SystemClock
from sync.server.app import ServerHooks, create_app
from sync.server.connections import ConnectionLimits, guarded_config, raise_descriptor_limit
from sync.server.keys import load_or_create_server_key
from sync.server.lists import PublishedLists
from sync.server.storage import Storage, open_storage

DB_FILE = "server.sqlite"


def open_app(data_dir: Path, clock: Clock | None = None, hooks: ServerHooks | None = None, *,
             database: str | None = None) -> tuple[FastAPI, Storage]:
    """The app over ``database`` (a ``postgresql://`` URL), else over the SQLite file in ``data_dir``; the
    server key and the published lists stay in ``data_dir`` either way."""
    storage = open_storage(database or data_dir / DB_FILE)
    key = load_or_create_server_key(data_dir)
    return create_app(storage, PublishedLists(data_dir), clock or SystemClock(), server_key=key, hooks=hooks), storage


def bind(host: str, port: int, backlog: int = 128) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


#: Every file the server writes (database, key, lists, exports) is its user's only (docs/sync.md).
SERVER_UMASK = 0o077
#: Open files the serving process asks for (connections, the database, logs); the unit's LimitNOFILE is higher.
WANTED_DESCRIPTORS = 8192


def serve_forever(app: FastAPI, host: str, port: int, *, tls_cert: Path | None = None, tls_key: Path | None = None,
                  connections: ConnectionLimits | None = None, log_per_second: int = 20) -> None:
    """``checkpoint server run``: uvicorn in the foreground with the connection limits
    (``sync.server.connections``), a private umask, enough descriptors and a rate-limited log."""
    import os

    from sync.server.logs import rate_limited_logging

    os.umask(SERVER_UMASK)
    limits = connections or ConnectionLimits()
    available = raise_descriptor_limit(WANTED_DESCRIPTORS)
    # Keep descriptors for the database, the lists and the log, and for a burst of accepts: asyncio accepts up to
    # a backlog of connections at once before the idle ones they replace are closed.
    spare = 64 + limits.backlog
    if limits.max_connections > available - spare:
        limits = replace(limits, max_connections=max(available - spare, 16))
    config = guarded_config(app, limits, host=host, port=port, log_level="info", access_log=False,
                            ssl_certfile=str(tls_cert) if tls_cert else None,
                            ssl_keyfile=str(tls_key) if tls_key else None)
    rate_limited_logging(log_per_second)
    uvicorn.Server(config).run()


class ServerThread:
    """A uvicorn server for ``app`` on ``host:port`` (0: a free port) in a daemon thread."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, *, tls_cert: Path | None = None,
                 tls_key: Path | None = None, connections: ConnectionLimits | None = None) -> None:
        limits = connections or ConnectionLimits()
        self.sock = bind(host, port, limits.backlog)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.scheme = "https" if tls_cert else "http"
        config = guarded_config(app, limits, log_level="warning", access_log=False, timeout_graceful_shutdown=2,
                                ssl_certfile=str(tls_cert) if tls_cert else None,
                                ssl_keyfile=str(tls_key) if tls_key else None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True,
                                       name=f"sync-server-{self.port}")
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
