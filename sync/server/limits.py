"""What one client may cost the server before it has proved who it is: bytes, time, connections, guesses.

- **Body caps per path**: an enrolment is a few hundred bytes, a cursor, alert or heartbeat a few KiB;
  only a batch may reach ``MAX_BODY_BYTES``. The declared length is checked before a byte is read.
- **Who may send a body at all**: on the signed paths the station header must name an enrolled, active
  station and the signature header must be well formed *before* the body is read; others get 401 at once.
- **A budget of buffered bytes** per API process (``body_budget``): bodies being read and checked never hold
  more than this in memory together; past it a request gets ``503 busy`` with ``Retry-After``.
- **Time**: a body must keep arriving (a pause over ``body_idle_seconds`` ends it, 408) at an average of at
  least ``body_min_rate`` bytes a second after a grace period; the request head has ``head_seconds`` (in
  ``sync.server.connections``, which also caps the connections a process holds).
- **Enrolment guesses**: ``enrol_limit`` attempts per client address per ``enrol_window``, counted in the
  database (``Storage.take_rate``) so several API processes share the count.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import ClientDisconnect, Request

from sync import protocol

MAX_ENROLL_BYTES = 4 * 1024
MAX_SMALL_BYTES = 16 * 1024  # cursor, alert, heartbeat
MAX_DISPOSITIONS_BYTES = 1024 * 1024  # an upload of dispositions (sync.server.dispositions)


@dataclass(frozen=True)
class Limits:
    body_budget: int = 64 * 1024 * 1024
    body_idle_seconds: float = 15.0
    body_grace_seconds: float = 10.0
    body_min_rate: float = 1024.0  # bytes per second, on average, once the grace period is over
    enrol_limit: int = 60
    enrol_window: timedelta = timedelta(minutes=10)


class TooLarge(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(f"the body is over the {cap} byte cap; send smaller batches")
        self.cap = cap


class TooSlow(Exception):
    """The body stopped arriving, or arrives slower than the minimum rate."""


class OverBudget(Exception):
    """The process holds as many request bytes as it may; the client should come back later."""


class BodyBudget:
    """Bytes of request bodies held by this process right now (the event loop's thread only)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.held = limit, 0

    def take(self, n: int) -> None:
        if self.held + n > self.limit:
            raise OverBudget()
        self.held += n

    def give_back(self, n: int) -> None:
        self.held -= n


class Hold:
    """What one request took from the budget; given back when the request is done."""

    def __init__(self, budget: BodyBudget) -> None:
        self.budget, self.n = budget, 0

    def take(self, n: int) -> None:
        self.budget.take(n)
        self.n += n

    def release(self) -> None:
        self.budget.give_back(self.n)
        self.n = 0


def declared_length(request: Request, cap: int) -> int | None:
    """The Content-Length if one is given (``TooLarge`` over ``cap``; a malformed one counts as too large)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    if not declared.isdigit() or len(declared) > 12 or int(declared) > cap:
        raise TooLarge(cap)
    return int(declared)


async def read_capped(request: Request, cap: int, hold: Hold, limits: Limits) -> bytes:
    """The body, read as it arrives with a cap, the budget, an idle timeout and a minimum average rate."""
    declared_length(request, cap)
    now = time.monotonic
    start = now()
    chunks: list[bytes] = []
    size = 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), limits.body_idle_seconds)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise TooSlow(f"no part of the body arrived for {limits.body_idle_seconds:g} s") from None
        except ClientDisconnect:
            raise TooSlow("the client went away before the body was complete") from None
        size += len(chunk)
        if size > cap:
            raise TooLarge(cap)
        hold.take(len(chunk))
        chunks.append(chunk)
        elapsed = now() - start
        if elapsed > limits.body_grace_seconds and size < limits.body_min_rate * (elapsed - limits.body_grace_seconds):
            raise TooSlow(f"the body arrives slower than {limits.body_min_rate:g} bytes a second")
    return b"".join(chunks)


def cap_for(path: str, max_body: int) -> int:
    if path == protocol.ENROLL_PATH:
        return min(MAX_ENROLL_BYTES, max_body)
    if path == protocol.BATCH_PATH:
        return max_body
    if path == protocol.DISPOSITIONS_PATH:  # at most 1000 dispositions of under 1 KiB each
        return min(MAX_DISPOSITIONS_BYTES, max_body)
    return min(MAX_SMALL_BYTES, max_body)


def signature_well_formed(text: str) -> bool:
    """Base64 of 64 bytes (an Ed25519 signature): checked before the body is read."""
    if len(text) != 88:
        return False
    try:
        return len(base64.b64decode(text, validate=True)) == 64
    except (binascii.Error, ValueError):
        return False
