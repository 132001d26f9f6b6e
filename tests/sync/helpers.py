"""Builders for sync tests: chained crossings, a list-backed outbox, an HTTP-aware fault proxy, a fake server."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Reason, Verdict
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log import _chain as chain
from checkpoint.log._rows import chain_fields
from sync import protocol
from tests.factories import T0

GENESIS = "0" * 64


def make_crossings(station_id: str, n: int, *, start: int = 1, prev_hash: str = GENESIS,
                   at: datetime = T0) -> list[Crossing]:
    """``n`` crossings ``start..start+n-1``, hashed and chained as the crossing log does."""
    out = []
    for seq in range(start, start + n):
        t = (at + timedelta(seconds=seq)).isoformat().replace("+00:00", "Z")
        c = Crossing(
            id=str(uuid.uuid4()), seq=seq, station_id=station_id, officer_id="OF-1", lane="1", direction="in",
            recorded_at=t, system_time=t, clock_suspect=False, format="CP1", kid="0011223344556677",
            verdict="accept" if seq % 7 else "reject", reason=None if seq % 7 else "EXPIRED",
            display="ACCEPT" if seq % 7 else "REJECT", rule=None, rules_applied=("category",), flags=(),
            manual=False, category="worker", expires=None, pass_id_hash="ab" * 32, id_number_hash="cd" * 32,
            sealed=b"CPS1" + bytes(60), prev_hash=prev_hash, hash="",
        )
        c = replace(c, personal_digest=chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed))
        h = chain.crossing_hash(chain_fields(c))
        c = replace(c, hash=h)
        out.append(c)
        prev_hash = h
    return out


class ListOutbox:
    """The outbox contract over a list (the real log is tested with it in test_with_log)."""

    def __init__(self, crossings: list[Crossing]) -> None:
        self.rows = list(crossings)
        self._cursor = 0

    def add(self, n: int) -> None:
        prev = self.rows[-1].hash if self.rows else GENESIS
        self.rows += make_crossings(self.rows[0].station_id, n, start=self.last_seq + 1, prev_hash=prev)

    def crossings(self, *, after_seq: int = 0, limit: int | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> Iterator[Crossing]:
        rows = self.rows[after_seq:]
        return iter(rows if limit is None else rows[:limit])

    def acknowledge(self, upto_seq: int) -> None:
        self._cursor = max(self._cursor, min(upto_seq, self.last_seq))

    @property
    def sync_cursor(self) -> int:
        return self._cursor

    @property
    def last_seq(self) -> int:
        return len(self.rows)

    def hash_at(self, seq: int) -> str | None:
        return GENESIS if seq == 0 else self.rows[seq - 1].hash if seq <= len(self.rows) else None

    def log_problem(self) -> str | None:
        return None

    def server_holds(self, seq: int, digest: str) -> str | None:
        return None if self.hash_at(seq) == digest else f"the server holds crossing {seq} with another hash"


Action = str  # "pass" | "drop_reply" (server commits, the reply is lost) | "hang" | "refuse"


class FaultProxy:
    """A proxy on 127.0.0.1 between station and server that can lose, hold or refuse single requests.

    It reads one whole HTTP request at a time (headers + Content-Length body), asks ``plan(method, path)``
    what to do, and acts: forward and relay the reply; forward but drop the connection instead of
    replying; forward and never reply (the client times out); or close at once (the server is down).
    """

    def __init__(self, target_port: int, plan: Callable[[str, str], Action] | None = None) -> None:
        self.target_port = target_port
        self.plan = plan or (lambda m, p: "pass")
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.counts: dict[Action, int] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            while True:
                req = _read_message(client)
                if req is None:
                    return
                req = _origin_form(req)  # a forward proxy gets "POST http://host/path"; servers want "/path"
                head = req.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
                action = self.plan(head[0], head[1] if len(head) > 1 else "")
                with self._lock:
                    self.counts[action] = self.counts.get(action, 0) + 1
                if action == "refuse":
                    return
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.target_port))
                upstream.sendall(req)
                reply = _read_message(upstream, response_to_head=head[0] == "HEAD")
                if reply is None or action == "drop_reply":
                    return
                if action == "hang":
                    client.recv(1)  # returns when the client gives up and closes
                    return
                client.sendall(reply)
        except OSError:
            return
        finally:
            client.close()
            if upstream is not None:
                upstream.close()


def _origin_form(req: bytes) -> bytes:
    line, sep, rest = req.partition(b"\r\n")
    method, target, version = line.split(b" ", 2)
    if target.startswith(b"http://"):
        target = b"/" + target.split(b"/", 3)[3] if target.count(b"/") >= 3 else b"/"
    return b" ".join((method, target, version)) + sep + rest


def _read_message(s: socket.socket, response_to_head: bool = False) -> bytes | None:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if response_to_head:
        length = 0
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest


def open_log(path: Path, station_id: str = "ST-1", *, seal_to: X25519PublicKey | None = None) -> CrossingLog:
    return CrossingLog.open(path, station_id=station_id, seal_to=seal_to or sealing.generate().public_key(),
                            hmac_key=b"k" * 32, clock=FixedClock(T0))


def fill_log(log: CrossingLog, n: int, *, durable: bool = False) -> None:
    """Record ``n`` crossings through the log's own record path (accepts, rejects, personal data).

    ``durable=False`` turns the log's per-commit fsync off for speed: these tests are about sync, and
    the log's durability has its own crash test.
    """
    if not durable:
        with log._lock:  # not inside another thread's transaction on the shared connection
            log._c().execute("PRAGMA synchronous=OFF")
    accept = Decision(Verdict.ACCEPT, None, "ok", T0, format="CP1")
    refuse = Decision(Verdict.REJECT, Reason.EXPIRED, "expired", T0, format="CP1")
    ctx = CrossingContext("OF-1", "1", "in", T0, False)
    for i in range(n):
        log.record(refuse if i % 9 == 0 else accept, ctx, PersonalData(name=f"Người {i}", id_number=f"0010{i:08d}"))
    if not durable:
        with log._lock:
            log._c().execute("PRAGMA synchronous=FULL")


class FakeServer:
    """A fake central server on 127.0.0.1 (real HTTP): it answers like the real one and acknowledges every
    batch it is sent without storing anything. ``sign_with``: the key it signs its replies with (None: it
    does not sign). ``lie_hash``: acknowledge with this hash instead of the batch's last one."""

    def __init__(self, sign_with: Ed25519PrivateKey | None = None, lie_hash: str | None = None) -> None:
        self.sign_with, self.lie_hash = sign_with, lie_hash
        self.acknowledged: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == protocol.TIME_PATH:
                    self._reply(200, {"time": protocol.iso(datetime.now(UTC))})
                else:
                    self._reply(404, {"error": "not_published", "message": "none"})

            def do_POST(self) -> None:
                doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                base = {"station_id": doc["station_id"], "nonce": doc["nonce"], "stored": 0, "already_had": 0}
                if self.path == protocol.CURSOR_PATH:
                    self._reply(200, {**base, "acknowledged_seq": 0, "acknowledged_hash": GENESIS})
                elif self.path == protocol.BATCH_PATH:
                    last = doc["crossings"][-1]
                    fake.acknowledged.append(int(last["seq"]))
                    self._reply(200, {**base, "acknowledged_seq": last["seq"],
                                      "acknowledged_hash": fake.lie_hash or last["hash"],
                                      "stored": len(doc["crossings"])})
                else:
                    self._reply(200, {**base, "recorded": True})

            def _reply(self, status: int, doc: dict[str, object]) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if fake.sign_with is not None:
                    nonce = self.headers.get(protocol.NONCE_HEADER, "")
                    self.send_header(protocol.SERVER_SIGNATURE_HEADER, protocol.sign_reply(
                        fake.sign_with, self.command, self.path, status, nonce, body))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
