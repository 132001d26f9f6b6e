"""Running the server: in the foreground (``checkpoint server run``) or in a thread (tests, benchmarks).

``ServerThread`` binds its socket before the thread starts, so a client may connect at once (the
kernel queues the connection until uvicorn accepts it): nobody waits for "started" by sleeping.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from checkpoint.clock import Clock, SystemClock
from checkpoint.errors import CheckpointError
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

    from sync.server.logs import rate_limited_logging

    limits = _protect_process(connections)
    config = guarded_config(app, limits, host=host, port=port, log_level="info", access_log=False,
                            ssl_certfile=str(tls_cert) if tls_cert else None,
                            ssl_keyfile=str(tls_key) if tls_key else None)
    rate_limited_logging(log_per_second)
    uvicorn.Server(config).run()


def _protect_process(connections: ConnectionLimits | None) -> ConnectionLimits:
    """A private umask and enough descriptors for this process (and the workers it forks); the connection cap
    trimmed to the descriptors there are."""
    os.umask(SERVER_UMASK)
    limits = connections or ConnectionLimits()
    available = raise_descriptor_limit(WANTED_DESCRIPTORS)
    # Keep descriptors for the database, the lists and the log, and for a burst of accepts: asyncio accepts up to
    # a backlog of connections at once before the idle ones they replace are closed.
    spare = 64 + limits.backlog
    if limits.max_connections > available - spare:
        limits = replace(limits, max_connections=max(available - spare, 16))
    return limits


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


# -- several API processes (``checkpoint server run --workers N``) -------------------------------------
#: What each worker process reads to build its app: the data folder, and the database when not the
#: folder's SQLite file (e.g. ``postgresql://...``). Set by ``checkpoint server run`` before uvicorn starts
#: its workers; a worker inherits them.
DATA_DIR_ENV = "CHECKPOINT_SERVER_DATA_DIR"
DATABASE_ENV = "CHECKPOINT_SERVER_DATABASE"
#: The import string of the factory uvicorn calls in each worker.
APP_FACTORY = "sync.server.serve:app_from_environment"


def app_from_environment() -> FastAPI:
    """The app one worker process serves, built from ``$CHECKPOINT_SERVER_DATA_DIR`` (and
    ``$CHECKPOINT_SERVER_DATABASE``).

    Each worker opens its own database connection and reads the reply-signing key from its file. Nothing
    that matters lives in process memory (nonces, rate limits, enrolment, crossings are in the database;
    the published lists are files, re-read when they change), so any worker may answer any request and a
    killed worker loses nothing a station was told is stored.
    """
    folder = os.environ.get(DATA_DIR_ENV, "")
    if not folder:
        raise CheckpointError(f"${DATA_DIR_ENV} is not set: start the workers with 'checkpoint server run "
                              "--data-dir DIR --workers N'")
    from sync.server.logs import rate_limited_logging

    rate_limited_logging(20)  # each worker sets up its own logging
    app, storage = _open(Path(folder), os.environ.get(DATABASE_ENV) or None)

    @contextlib.asynccontextmanager
    async def lifespan(_: object) -> AsyncIterator[None]:
        try:
            yield
        finally:
            storage.close()

    app.router.lifespan_context = lifespan
    return app


def _open(data_dir: Path, database: str | None) -> tuple[FastAPI, Storage]:
    return open_app(data_dir, database=database)


def run_workers(data_dir: Path, workers: int, host: str, port: int, *, database: str | None = None,
                tls_cert: Path | None = None, tls_key: Path | None = None) -> None:
    """Serve with ``workers`` uvicorn processes on one socket; a worker that dies is started again by
    uvicorn's supervisor (it checks them every half second)."""
    # Made once here, before the workers start: workers racing on a fresh folder would each make their own
    # signing key (stations would pin one and refuse the others' replies) and migrate the schema at once.
    _app, storage = _open(data_dir, database)
    storage.close()
    os.environ[DATA_DIR_ENV] = str(data_dir)
    if database:
        os.environ[DATABASE_ENV] = database
    else:
        os.environ.pop(DATABASE_ENV, None)
    limits = _protect_process(None)  # inherited by the workers uvicorn forks
    config = guarded_config(APP_FACTORY, limits, factory=True, workers=workers, host=host, port=port,
                            log_level="info", access_log=False, ssl_certfile=str(tls_cert) if tls_cert else None,
                            ssl_keyfile=str(tls_key) if tls_key else None)
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[config.bind_socket()]).run()
