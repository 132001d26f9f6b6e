"""The central server under attack (issue 13 item 4): each attack seen on main, each refused here.

Connection faults (slow clients, many connections, bodies before authentication) run against a real uvicorn
server on 127.0.0.1 spoken to through raw sockets; input faults through FastAPI's TestClient.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import re
import socket
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from checkpoint.clock import SystemClock
from sync import protocol
from sync.server.app import create_app
from sync.server.connections import HTTPTOOLS, ConnectionLimits
from sync.server.export import write_export
from sync.server.limits import Limits
from sync.server.lists import PublishedLists
from sync.server.logs import RateLimit
from sync.server.serve import ServerThread, open_app
from sync.server.storage import EnrolmentRefused, Refusal, SQLiteStorage, StationRecord
from tests import factories
from tests.sync.helpers import make_crossings

STATION = "HN-HARD-1"


def now() -> datetime:
    return datetime.now(UTC)


class Server:
    """An app over a real SQLite file with one enrolled station (its key in ``key``)."""

    def __init__(self, folder: Path, limits: Limits | None = None) -> None:
        self.storage = SQLiteStorage(folder / "server.sqlite")
        self.key = Ed25519PrivateKey.generate()
        enrolled = self.storage.enroll(self.storage.create_token(now(), timedelta(hours=1)), STATION,
                                       protocol.public_key_text(self.key.public_key()), now())
        assert isinstance(enrolled, StationRecord)
        self.app = create_app(self.storage, PublishedLists(folder), SystemClock(),
                              server_key=Ed25519PrivateKey.generate(), limits=limits)

    def signed(self, path: str, body: bytes) -> dict[str, str]:
        signature = protocol.sign(self.key, "POST", path, body)
        return {protocol.STATION_HEADER: STATION, protocol.SIGNATURE_HEADER: signature,
                "Content-Type": "application/json"}


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    yield s
    s.storage.close()


def api(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)  # a bug shows as the 500 a station would get


# -- hostile JSON: a 4xx with a clear message, never a 500 ------------------------------------------------


DEEP = b'{"type": "enroll", "x": ' + b"[" * 1500 + b"]" * 1500 + b"}"  # past Python's recursion limit
LONG_INT = b'{"type": "enroll", "x": ' + b"7" * 60 + b"}"
NOT_NUMBERS = (b'{"type": "enroll", "x": NaN}', b'{"type": "enroll", "x": -Infinity}', b'{"x": 1e999}')
NESTED_A_LITTLE = b'{"type": "enroll", "x": ' + b"[" * 20 + b"]" * 20 + b"}"


@pytest.mark.parametrize("body", [DEEP, LONG_INT, NESTED_A_LITTLE, *NOT_NUMBERS],
                         ids=["deep", "60-digits", "nested-20", "nan", "infinity", "1e999"])
def test_hostile_json_in_an_enrolment_is_a_400(srv: Server, body: bytes):
    r = api(srv.app).post(protocol.ENROLL_PATH, content=body, headers={protocol.STATION_HEADER: "ST-X"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_request"
    assert re.search(r"nests deeper|digits|not JSON|out of range|longer than", r.json()["message"])


def test_a_5000_digit_number_in_an_enrolment_is_a_4xx(srv: Server):
    body = b'{"type": "enroll", "x": ' + b"7" * 5000 + b"}"
    r = api(srv.app).post(protocol.ENROLL_PATH, content=body, headers={protocol.STATION_HEADER: "ST-X"})
    assert r.status_code == 413 and "cap" in r.json()["message"]  # an enrolment is small: refused unread


@pytest.mark.parametrize("filler", [b"[" * 5000 + b"]" * 5000, b"9" * 5000, b"18446744073709551616"],
                         ids=["deep", "5000-digits", "2**64"])
def test_hostile_json_in_a_signed_request_is_a_400(srv: Server, filler: bytes):
    head = protocol.dumps(protocol.envelope("cursor", STATION, now()))
    body = head[:-1] + b', "x": ' + filler + b"}"  # signed by the enrolled station: past authentication
    for path in (protocol.CURSOR_PATH, protocol.BATCH_PATH):
        r = api(srv.app).post(path, content=body, headers=srv.signed(path, body))
        assert r.status_code == 400, (path, r.text)


def test_a_sequence_past_64_bits_is_a_400_not_a_database_error(srv: Server):
    rows = [c.to_wire() for c in make_crossings(STATION, 1)]
    rows[0]["seq"] = 2**63
    body = protocol.dumps(protocol.envelope("batch", STATION, now(), first_seq=2**63, last_seq=2**63, crossings=rows))
    r = api(srv.app).post(protocol.BATCH_PATH, content=body, headers=srv.signed(protocol.BATCH_PATH, body))
    assert r.status_code == 400 and "64-bit" in r.json()["message"]


# -- enrolment: one answer for every bad token, a rate limit in the database ----------------------------


def enrol_body(token: str, station: str, key: Ed25519PrivateKey) -> tuple[bytes, dict[str, str]]:
    body = protocol.dumps(protocol.envelope("enroll", station, now(), token=token,
                                            public_key=protocol.public_key_text(key.public_key())))
    return body, {protocol.STATION_HEADER: station,
                  protocol.SIGNATURE_HEADER: protocol.sign(key, "POST", protocol.ENROLL_PATH, body)}


def test_unknown_used_and_expired_tokens_get_the_same_answer(srv: Server, caplog: pytest.LogCaptureFixture):
    used = srv.storage.create_token(now(), timedelta(hours=1))
    key = Ed25519PrivateKey.generate()
    body, headers = enrol_body(used, "ST-FIRST", key)
    assert api(srv.app).post(protocol.ENROLL_PATH, content=body, headers=headers).status_code == 200
    expired = srv.storage.create_token(now() - timedelta(days=2), timedelta(days=1))
    answers = []
    with caplog.at_level(logging.WARNING, logger="sync.server.app"):
        for token in ("cpt_guessed-" + "x" * 20, used, expired):
            body, headers = enrol_body(token, "ST-GUESS", Ed25519PrivateKey.generate())
            r = api(srv.app).post(protocol.ENROLL_PATH, content=body, headers=headers)
            answers.append((r.status_code, r.json()["error"], r.json()["message"]))
    assert answers[0] == answers[1] == answers[2], answers  # nothing tells a guesser which it was
    assert answers[0][0] == 401
    said = caplog.text  # the operator learns the real reason from the server's log
    assert "not known" in said and "already been used" in said and "expired" in said
    assert used not in said and expired not in said  # and never the token itself


def test_enrolment_refusals_are_typed_values(srv: Server):
    key = protocol.public_key_text(Ed25519PrivateKey.generate().public_key())
    unknown = srv.storage.enroll("cpt_nope", "ST-T", key, now())
    assert isinstance(unknown, EnrolmentRefused) and unknown.reason is Refusal.UNKNOWN_TOKEN
    taken = srv.storage.enroll(srv.storage.create_token(now(), timedelta(hours=1)), STATION, key, now())
    assert isinstance(taken, EnrolmentRefused) and taken.reason is Refusal.KEY_CONFLICT
    body, headers = enrol_body(srv.storage.create_token(now(), timedelta(hours=1)), STATION,
                               Ed25519PrivateKey.generate())
    r = api(srv.app).post(protocol.ENROLL_PATH, content=body, headers=headers)
    assert r.status_code == 409 and "another key" in r.json()["message"]  # the status comes from the type


def test_enrolment_guesses_are_rate_limited_per_address_across_processes(tmp_path: Path):
    s = Server(tmp_path, Limits(enrol_limit=3, enrol_window=timedelta(minutes=10)))
    try:
        statuses = []
        for _ in range(4):
            body, headers = enrol_body("cpt_guess", "ST-G", Ed25519PrivateKey.generate())
            statuses.append(api(s.app).post(protocol.ENROLL_PATH, content=body, headers=headers))
        assert [r.status_code for r in statuses] == [401, 401, 401, 429]
        assert statuses[-1].json()["error"] == "rate_limited" and int(statuses[-1].headers["Retry-After"]) > 0
        # a second API process on the same database shares the count
        other = create_app(s.storage, PublishedLists(tmp_path), SystemClock(), server_key=Ed25519PrivateKey.generate(),
                           limits=Limits(enrol_limit=3))
        body, headers = enrol_body(s.storage.create_token(now(), timedelta(hours=1)), "ST-G",
                                   Ed25519PrivateKey.generate())
        assert api(other).post(protocol.ENROLL_PATH, content=body, headers=headers).status_code == 429
    finally:
        s.storage.close()


# -- /docs without the internet -----------------------------------------------------------------------


def test_the_docs_page_loads_nothing_from_another_host(srv: Server):
    c = api(srv.app)
    page = c.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text) + re.findall(r"url:\s*'([^']+)'",
                                                                                         page.text)
    assert refs
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), f"/docs loads {ref} from another host"
        got = c.get(ref)
        assert got.status_code == 200 and got.content, ref
    assert "SwaggerUIBundle" in c.get("/docs/assets/swagger-ui-bundle.js").text
    assert c.get("/docs/assets/index.html").status_code == 404  # only the page's own files are served
    assert c.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered


# -- every file the server writes is its user's only ----------------------------------------------------


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_every_file_the_server_writes_is_private(tmp_path: Path, usual_umask: None):
    data = tmp_path / "srv"
    app, storage = open_app(data)  # database, its WAL, the reply key
    try:
        key = Ed25519PrivateKey.generate()
        body, headers = enrol_body(storage.create_token(now(), timedelta(hours=1)), STATION, key)
        assert api(app).post(protocol.ENROLL_PATH, content=body, headers=headers).status_code == 200
        root = factories.ed25519()
        PublishedLists(data).publish("trust-list", factories.trust_list(root, issued=now() - timedelta(hours=1)),
                                     [root.public_key()], now())
        write_export([c.to_wire() for c in make_crossings(STATION, 2)], data / "all.csv", "csv")
        found = {p.relative_to(data).as_posix(): p.stat().st_mode & 0o777 for p in [data, *data.rglob("*")]}
    finally:
        storage.close()
    assert {"server.sqlite", "server.key", "trust-list.cose", "all.csv"} <= set(found)
    loose = {name: oct(m) for name, m in found.items() if m & 0o077}
    assert not loose, f"readable by others: {loose}"


# -- the log under a flood ------------------------------------------------------------------------------


def test_a_log_flood_is_cut_to_n_lines_a_second_and_the_rest_counted():
    t = [1000.0]
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    limit = RateLimit(per_second=20, clock=lambda: t[0])
    handler.addFilter(limit)
    logger = logging.getLogger("test.flood")
    summary = logging.getLogger("sync.server.logs")
    logger.addHandler(handler)
    summary.addHandler(handler)
    logger.propagate = summary.propagate = False
    try:
        for i in range(11_000):  # what 1,100 idle connections made of the log on main, in one second
            logger.error("accept failed %d", i)
        assert out.getvalue().count("\n") == 20
        t[0] += 1.0
        logger.error("next second")
    finally:
        logger.removeHandler(handler)
        summary.removeHandler(handler)
        logger.propagate = summary.propagate = True
    lines = out.getvalue().splitlines()
    assert lines[20] == "10980 log lines suppressed (more than 20 a second)" and lines[21] == "next second"


# -- connections and slow clients: a real server ------------------------------------------------------


@pytest.fixture(params=["h11", "httptools"])
def live(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Server, ServerThread]]:
    """A live server on each of uvicorn's HTTP parsers: the guard holds over both."""
    yield from serve(tmp_path, request.param, head_seconds=1.0)


@pytest.fixture(params=["h11", "httptools"])
def patient(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Server, ServerThread]]:
    """``live`` with a head deadline of a minute: what closes a connection within a test's wait is the cap, not
    the deadline (at 1 s the deadline closed them all the same, and a loaded machine can take that long)."""
    yield from serve(tmp_path, request.param, head_seconds=60.0)


def serve(tmp_path: Path, http: str, head_seconds: float) -> Iterator[tuple[Server, ServerThread]]:
    if http == "httptools" and HTTPTOOLS is None:
        pytest.skip("httptools is not installed")
    s = Server(tmp_path, Limits(body_budget=1024 * 1024, body_idle_seconds=1.0, body_grace_seconds=1.0,
                                body_min_rate=200.0))
    thread = ServerThread(s.app, connections=ConnectionLimits(head_seconds=head_seconds, max_connections=12,
                                                              limit_concurrency=100, http=http))
    yield s, thread
    thread.stop()
    s.storage.close()


def wait_until(ok: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``ok`` until it holds; the timeout only bounds a hang (a loaded machine makes this slower, not red)."""
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def open_connections(thread: ServerThread) -> int:
    return len(thread.server.server_state.connections)


def connect(thread: ServerThread, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", thread.port))
    sock.settimeout(timeout)
    return sock


def head(path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(sock: socket.socket) -> int:
    """The status of the reply on ``sock`` (``socket.timeout`` if none comes)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed without a reply ({data!r})")
        data += chunk
    return int(data.split(b" ", 2)[1])


def closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_body_from_an_unknown_station_is_refused_before_it_is_read(live: tuple[Server, ServerThread]):
    _, thread = live
    sig = base64.b64encode(bytes(64)).decode()
    with connect(thread) as sock:  # 16 MiB announced, not a byte sent: the answer must not wait for them
        sock.sendall(head(protocol.BATCH_PATH, {protocol.STATION_HEADER: "ST-NOBODY", protocol.SIGNATURE_HEADER: sig},
                          protocol.MAX_BODY_BYTES))
        assert status_of(sock) == 401


def test_a_malformed_signature_is_refused_before_the_body_is_read(live: tuple[Server, ServerThread]):
    _, thread = live
    with connect(thread) as sock:
        sock.sendall(head(protocol.BATCH_PATH, {protocol.STATION_HEADER: STATION, protocol.SIGNATURE_HEADER: "x"},
                          protocol.MAX_BODY_BYTES))
        assert status_of(sock) == 401


@pytest.mark.parametrize("path", [protocol.ENROLL_PATH, protocol.CURSOR_PATH, protocol.HEARTBEAT_PATH])
def test_small_paths_have_small_caps_checked_before_reading(live: tuple[Server, ServerThread], path: str):
    s, thread = live
    with connect(thread) as sock:  # an enrolment or a cursor is a few hundred bytes, not 16 MiB
        sock.sendall(head(path, s.signed(path, b"{}"), 1024 * 1024))
        assert status_of(sock) == 413


def test_a_body_that_stops_arriving_is_dropped(live: tuple[Server, ServerThread]):
    s, thread = live
    with connect(thread, timeout=20) as sock:
        sock.sendall(head(protocol.BATCH_PATH, s.signed(protocol.BATCH_PATH, b"{}"), 1000) + b'{"type": ')
        started = time.monotonic()
        assert status_of(sock) == 408
        assert time.monotonic() - started < 10  # the test's 1 s, not the default 15 s (load only adds seconds)


def test_a_body_that_trickles_is_dropped(live: tuple[Server, ServerThread]):
    s, thread = live
    with connect(thread) as sock:
        sock.sendall(head(protocol.BATCH_PATH, s.signed(protocol.BATCH_PATH, b"{}"), 100_000))
        sock.settimeout(0.3)
        started, status = time.monotonic(), None
        while time.monotonic() - started < 8 and status is None:
            sock.sendall(b" ")  # one byte every 0.3 s: never idle, far below 200 bytes a second
            try:
                status = status_of(sock)
            except TimeoutError:
                continue
        assert status == 408


def test_a_request_head_that_never_completes_is_closed(live: tuple[Server, ServerThread]):
    _, thread = live
    with connect(thread) as idle, connect(thread) as partial:
        partial.sendall(b"POST /v1/cursor HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
        assert closed_within(idle, 20) and closed_within(partial, 20)  # (the deadline is 1 s; 20 bounds a hang)


def test_a_request_head_past_its_cap_is_refused_at_once(patient: tuple[Server, ServerThread]):
    """40 KiB of headers that never end: refused (4xx, or closed) at the 16 KiB cap, not held for the head
    deadline (a minute here) with the headers in memory."""
    _, thread = patient
    with connect(thread) as sock:
        sock.sendall(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with contextlib.suppress(OSError):
            for _ in range(40):
                sock.sendall(b"X-Filler: " + b"a" * 1014 + b"\r\n")
        sock.settimeout(20)  # bounds a hang; held for the deadline, this times out
        try:
            reply = sock.recv(64)
        except ConnectionResetError:
            reply = b""
        assert reply == b"" or reply.startswith((b"HTTP/1.1 400", b"HTTP/1.1 431")), reply


def test_connections_past_the_cap_are_closed_at_once(patient: tuple[Server, ServerThread]):
    _, thread = patient
    socks = [connect(thread) for _ in range(30)]
    closed: set[int] = set()

    def past_the_cap_closed() -> bool:
        closed.update(i for i, s in enumerate(socks) if i not in closed and closed_within(s, 0.01))
        return len(closed) >= 30 - 12

    try:
        assert wait_until(past_the_cap_closed), len(closed)  # the head deadline (a minute) closes none of them
    finally:
        for s in socks:
            s.close()
    assert wait_until(lambda: open_connections(thread) == 0)
    with connect(thread) as sock:  # the server still serves
        sock.sendall(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status_of(sock) == 200


def test_a_station_gets_in_while_idle_connections_fill_the_cap(patient: tuple[Server, ServerThread]):
    _, thread = patient
    idle = [connect(thread) for _ in range(12)]  # the cap, all waiting for a head that never comes
    try:
        assert wait_until(lambda: open_connections(thread) == 12)  # all taken in by the server
        with connect(thread) as station:
            station.sendall(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert status_of(station) == 200  # it took the place of the oldest idle connection
        assert closed_within(idle[0], 20)  # closed by the station's arrival: the head deadline is a minute
    finally:
        for s in idle:
            s.close()


def test_bodies_held_at_once_stay_within_the_budget(live: tuple[Server, ServerThread]):
    s, thread = live
    budget = s.app.state.body_budget
    almost = budget.limit - 100
    with connect(thread, timeout=10) as holder:  # an enrolled station's slow upload holds almost all of it
        holder.sendall(head(protocol.BATCH_PATH, s.signed(protocol.BATCH_PATH, b"{}"), 4 * 1024 * 1024))
        holder.sendall(b" " * almost)
        deadline = time.monotonic() + 30
        while budget.held < almost and time.monotonic() < deadline:
            time.sleep(0.01)
        assert budget.held == almost
        with connect(thread) as late:
            late.sendall(head(protocol.BATCH_PATH, s.signed(protocol.BATCH_PATH, b"{}"), 200) + b" " * 200)
            assert status_of(late) == 503
    deadline = time.monotonic() + 30
    while budget.held and time.monotonic() < deadline:
        time.sleep(0.01)
    assert budget.held == 0  # given back when the request ended
    with connect(thread) as after:
        after.sendall(head(protocol.BATCH_PATH, s.signed(protocol.BATCH_PATH, b"{}"), 200) + b" " * 200)
        assert status_of(after) == 401  # read, then refused by its signature: within the budget again


def test_the_openapi_document_lists_the_new_refusals(srv: Server):
    doc = api(srv.app).get("/openapi.json").json()
    assert {"408", "413", "429"} <= set(doc["paths"][protocol.ENROLL_PATH]["post"]["responses"])
    assert protocol.HEARTBEAT_PATH in doc["paths"]
    assert json.dumps(doc).count("cdn.") == 0



def run_python(code: str) -> str:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_the_serving_process_raises_its_descriptor_limit():
    out = run_python("import resource; from sync.server.connections import raise_descriptor_limit as r\n"
                     "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
                     "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
                     "print(r(512), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    assert out.split() == ["512", "512"]


def test_the_serving_process_log_is_rate_limited_on_every_handler():
    out = run_python("import logging, uvicorn; from sync.server.logs import rate_limited_logging\n"
                     "uvicorn.Config(lambda s, r, w: None)  # uvicorn's own handlers, as 'server run' has them\n"
                     "rate_limited_logging(5)\n"
                     "for i in range(3000):\n"
                     "    logging.getLogger('uvicorn.error').error('flood %d', i)\n"
                     "    logging.getLogger('asyncio').error('accept failed %d', i)\n")
    assert 0 < out.count("flood") + out.count("accept failed") <= 20, out[:500]  # 6,000 lines: 5 a second


def test_a_database_in_a_shared_sticky_folder_leaves_the_folder_as_it_is(tmp_path: Path):
    """A database path in /tmp (or any sticky, shared folder) once made /tmp 0700 for every other program."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    s = SQLiteStorage(shared / "server.sqlite")
    s.close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "server.sqlite").stat().st_mode) == 0o600
    own = tmp_path / "own"
    own.mkdir()
    os.chmod(own, 0o755)
    SQLiteStorage(own / "server.sqlite").close()
    assert stat.S_IMODE(own.stat().st_mode) == 0o700  # the server's own folder is still made private
