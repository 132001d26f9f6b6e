"""Connections to the server: a deadline for the request head, a cap on open connections, and the uvicorn
settings that go with them.

uvicorn (h11) waits for a request head forever on a new connection, and accepts connections until the
process runs out of file descriptors: 1,100 idle connections did that under the default limit of 1,024.
``GuardedH11`` closes a connection that has not sent a complete request head within ``head_seconds`` (on a
kept-alive connection too). At ``max_connections`` a new connection takes the place of the oldest one that
is waiting for a request head (idle), so a station still gets in during a flood of idle connections; when
every connection is busy with a request, the new one is closed at once. Past ``limit_concurrency``
requests in progress, uvicorn itself answers 503. A request head larger than ``max_head_bytes`` is answered 431
and the connection closed.

The guard is the same over either of uvicorn's HTTP parsers: ``GuardedHttpTools`` (httptools, the C parser: the
default where it is installed, about a fifth less CPU per request than h11 in bench/central_cpu.py) and
``GuardedH11`` (pure Python, where httptools is not installed, or ``ConnectionLimits(http="h11")``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import resource
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionLimits:
    head_seconds: float = 10.0  # from connecting (or the end of the last reply) to a complete request head
    keep_alive_seconds: int = 5  # an idle kept-alive connection
    max_connections: int = 1000  # open connections per process; more are closed at once
    limit_concurrency: int = 1000  # connections or requests in progress per process past which uvicorn says 503
    backlog: int = 256  # connections the kernel queues before the server accepts them
    max_head_bytes: int = 16 * 1024  # a request head (request line and headers); h11's own limit too
    http: str = "auto"  # the parser: httptools where installed (auto), or h11


HEAD_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
                  b"content-length: 30\r\nconnection: close\r\n\r\nthe request head is too large\n")

if TYPE_CHECKING:
    _Protocol = H11Protocol  # what the guard calls and reads is common to both of uvicorn's HTTP protocols
else:
    _Protocol = object


class _Guard(_Protocol):
    """A head deadline, a head size cap and a connection cap over one of uvicorn's HTTP protocols, read from the
    config's ``connection_limits`` (set by ``guarded_config``; a plain attribute, so the config still pickles
    for uvicorn's worker processes)."""

    def __init__(self, config: uvicorn.Config, server_state: ServerState, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, server_state, *args, **kwargs)
        self.limits: ConnectionLimits = getattr(config, "connection_limits", None) or ConnectionLimits()
        # connections waiting for a request head, oldest first: one registry per server
        self.waiting: dict[_Guard, None] = server_state.__dict__.setdefault("waiting_for_head", {})
        self._head_timer: asyncio.TimerHandle | None = None
        self._armed_for: object = None
        self._head_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._evict_idle():
            refused_connection()
            self._refused = True
            transport.abort()  # never added to the server's connections: no state, no descriptor kept
            return
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is None:  # not waiting for a head: a request is in progress
            return
        if self.cycle is not self._armed_for:  # a request head arrived: the app's timeouts take over
            self._disarm()
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.limits.max_head_bytes and not self.transport.is_closing():
            self._disarm()
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection has its own deadline for its head

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if not self._refused:
            super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._armed_for = self.cycle
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.limits.head_seconds, self._head_late)
        self.waiting[self] = None

    def _disarm(self) -> None:
        self.waiting.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _evict_idle(self) -> bool:
        """Close the oldest connection waiting for a request head, to make room; False if none is."""
        for idle in self.waiting:
            idle._disarm()
            idle.transport.close()
            return True
        return False

    def _head_late(self) -> None:
        self._head_timer = None
        if self.cycle is self._armed_for and not self.transport.is_closing():
            self.transport.close()


class GuardedH11(_Guard, H11Protocol):
    """uvicorn's h11 protocol (pure Python) with the guard."""


#: uvicorn's httptools protocol (the C parser) with the guard; None where httptools is not installed. A class at
#: module level, so the config that names it pickles for uvicorn's worker processes.
HTTPTOOLS: type[_Guard] | None = None
if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpTools(_Guard, HttpToolsProtocol):  # type: ignore[misc]  # both bases define the protocol
        """uvicorn's httptools protocol (the C parser) with the guard."""

    HTTPTOOLS = GuardedHttpTools


def protocol_for(limits: ConnectionLimits) -> type[_Guard]:
    """The guarded protocol of ``limits.http``: httptools where installed (``auto``), else h11."""
    if limits.http == "h11" or (limits.http == "auto" and HTTPTOOLS is None):
        return GuardedH11
    if HTTPTOOLS is None:
        raise RuntimeError("httptools is not installed: pip install httptools, or use the h11 parser")
    return HTTPTOOLS


_refused = [0]


def refused_connection() -> None:
    """Count connections closed by the cap; say so in the log at most once per thousand (the log filter caps
    the lines too)."""
    _refused[0] += 1
    if _refused[0] % 1000 == 1:
        log.warning("connection cap reached: closing new connections (%d so far)", _refused[0])


def guarded_config(app: Any, limits: ConnectionLimits, **settings: Any) -> uvicorn.Config:
    """``uvicorn.Config(app, **settings)`` with the guarded protocol and uvicorn's own limits."""
    config = uvicorn.Config(app, http=protocol_for(limits), timeout_keep_alive=limits.keep_alive_seconds,
                            limit_concurrency=limits.limit_concurrency, backlog=limits.backlog, **settings)
    config.connection_limits = limits  # type: ignore[attr-defined]  # read by the guard
    return config


def raise_descriptor_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (up to the hard limit); returns it.
    The service unit sets ``LimitNOFILE``; this covers a server started by hand under a shell's 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return int(soft)
