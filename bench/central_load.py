"""Benchmark: thousands of enrolled stations syncing with the central server over the real protocol.

Usage:
    .venv/bin/python -m bench.central_load                      # 10,000 stations, 5 min, 1 then 2 API processes, SQLite
    .venv/bin/python -m bench.central_load --quick              # a short run (300 stations, 20 s)
    .venv/bin/python -m bench.central_load --faults --workers 2 # SIGKILL an API process and restart the database
    .venv/bin/python -m bench.central_load --database sqlite,postgres   # postgres: a throwaway cluster it starts
    .venv/bin/python -m bench.central_load --database postgresql://user@host/db   # a database you run

Each simulated station has its own Ed25519 key and is enrolled (bulk set-up writes the enrolments through the
storage interface). Every ``--interval`` seconds (stations spread evenly over it) it records about
``--crossings`` new crossings, hashed and chained exactly as the crossing log does, and runs a sync round
against ``checkpoint server run --workers N`` in its own processes:

- ``station`` rounds (the default) are what ``sync.worker.sync_once`` sends: ``GET /v1/time``,
  ``POST /v1/cursor``, ``POST /v1/batches`` (the crossings the server lacks), both list pulls with the
  ETag of the copy held (``If-None-Match``), and ``POST /v1/heartbeat`` (counted as skipped on a 404:
  a server without heartbeats);
- ``lean`` rounds leave out the time and the cursor (asked only after a failed round);
- ``upload`` rounds are one signed batch each (cursor only after a failure), the issue's arithmetic
  (10,000 stations every 30 s = 333 requests/s, 2,000 crossings/s); lists and heartbeats are left out.

Requests are signed and replies checked with ``sync.protocol`` (the code the station's client uses): a reply
not signed by the server key, or an acknowledgement for another station, request or hash, is an error and
is not believed. A failed round is retried with the station's own backoff (``sync.backoff``, full jitter,
never sooner than ``Retry-After``).

Printed per run: rounds/s, HTTP requests/s and crossings/s acknowledged, acknowledgement latency (the batch
request to its verified acknowledgement) p50/p95/p99/max, errors by kind, the CPU time of the server
processes (and of the database server, and of this generator), then the ratio between API process counts.

``--faults``: a third of the way in, one API process is SIGKILLed (uvicorn's supervisor starts another; the
others carry the load meanwhile); two thirds in, the database is restarted (PostgreSQL: ``pg_ctl restart``;
SQLite has no server to restart: said so). After the run the stations keep syncing until each has its
last crossing acknowledged (or ``--drain`` seconds pass); then the database is read back through the storage
interface and compared with what the stations saw acknowledged in signed replies: PASS when it holds every
acknowledged crossing exactly once, with the station's hash, and every station's cursor reached its last
crossing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey  # noqa: E402

from bench.machine import cpu_model  # noqa: E402
from checkpoint.crossing import Crossing, chain  # noqa: E402
from sync import protocol  # noqa: E402
from sync.backoff import Backoff, parse_retry_after  # noqa: E402
from sync.protocol import ProtocolError  # noqa: E402

#: The heartbeat path the hardening work adds (a server without it answers 404: counted as skipped).
HEARTBEAT_PATH = str(getattr(protocol, "HEARTBEAT_PATH", "/v1/heartbeat"))
GENESIS = "0" * 64
BATCH_LIMIT = 500  # crossings per batch, the station's default batch size


# -- configuration and results --------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadConfig:
    stations: int = 10_000
    interval: float = 30.0  # seconds between a station's rounds
    crossings: float = 6.0  # mean new crossings per station per round
    duration: float = 300.0  # seconds of load (measured)
    workers: int = 1  # API processes
    database: str = "sqlite"  # sqlite | postgres (a cluster started here) | postgresql://... (yours)
    round: str = "station"  # station | lean | upload
    faults: bool = False
    drain: float = 120.0  # seconds the stations get after the run to have everything acknowledged
    connections: int = 200  # the generator's HTTP connection pool (stations share it)
    timeout: float = 30.0  # seconds per request, as the station's client
    seed: int = 1
    work: Path | None = None  # where the server's data folder goes (a temp dir by default)
    quiet: bool = False

    @property
    def rate(self) -> float:
        return self.stations / self.interval


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # batch request -> verified ack, seconds
    lags: list[float] = field(default_factory=list)  # how late a round started against its schedule
    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    rounds_failed: int = 0
    crossings_acked: int = 0
    heartbeats_skipped: int = 0


@dataclass
class Check:
    acknowledged: int = 0  # crossings the stations saw acknowledged (signed, hash checked)
    held_once: int = 0  # of those, held by the database exactly once with the station's hash
    missing: int = 0
    duplicates: int = 0
    mismatched: int = 0  # a row whose hash is not the station's crossing at that sequence
    unknown: int = 0  # a row no station made
    rows: int = 0
    created: int = 0  # crossings the stations made
    converged: int = 0  # stations whose server cursor reached their last crossing
    stations: int = 0
    lost_acks: int = 0  # gaps: the server asked for a sequence below one it had acknowledged

    @property
    def exactly_once(self) -> bool:
        return (self.held_once == self.acknowledged and not (self.missing or self.duplicates or self.mismatched
                                                             or self.unknown or self.lost_acks))

    @property
    def passed(self) -> bool:
        return self.exactly_once and self.converged == self.stations


@dataclass
class RunResult:
    config: LoadConfig
    elapsed: float
    stats: Stats
    server_cpu: float  # seconds, API processes (all, including replaced ones)
    database_cpu: float  # seconds, the PostgreSQL server (0 for SQLite: it runs inside the API processes)
    generator_cpu: float
    machine_busy: float  # fraction of all CPUs busy during the run (everyone's work)
    load_avg: tuple[float, float, float]
    events: list[str]
    check: Check
    killed: int | None = None
    replaced_after: float | None = None
    data_dir: Path | None = None  # kept only when the config names a work folder
    stations: list[SimStation] = field(default_factory=list)

    def rate(self, n: float) -> float:
        return n / self.elapsed if self.elapsed else 0.0


# -- simulated stations -----------------------------------------------------------------------------------
@dataclass
class SimStation:
    station_id: str
    key: Ed25519PrivateKey
    hashes: list[str] = field(default_factory=list)  # hashes[seq - 1]
    pending: list[dict[str, Any]] = field(default_factory=list)  # wire crossings after `acked`
    acked: int = 0  # highest sequence acknowledged by a signed reply whose hash matched
    etags: dict[str, str] = field(default_factory=dict)
    need_cursor: bool = True

    @property
    def last_seq(self) -> int:
        return len(self.hashes)

    def record(self, n: int, now: datetime, rng: random.Random) -> None:
        """``n`` new crossings, hashed and chained as the crossing log does (sealed personal data included)."""
        prev = self.hashes[-1] if self.hashes else GENESIS
        for _ in range(n):
            seq = self.last_seq + 1
            t = protocol.iso(now)
            ok = rng.random() > 0.1
            sealed = b"CPS1" + rng.randbytes(220)
            pass_id_hash, id_hash = rng.randbytes(32).hex(), rng.randbytes(32).hex()
            c = Crossing(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), seq=seq, station_id=self.station_id,
                officer_id="OF-1", lane="1", direction="in" if seq % 2 else "out", recorded_at=t, system_time=t,
                clock_suspect=False, format="CP1", kid="0011223344556677", verdict="accept" if ok else "reject",
                reason=None if ok else "EXPIRED", display="ACCEPT" if ok else "REJECT", rule=None,
                rules_applied=("category",), flags=(), manual=False, category="worker", expires=None,
                pass_id_hash=pass_id_hash, id_number_hash=id_hash, sealed=sealed, prev_hash=prev, hash="",
                personal_digest=chain.personal_digest(pass_id_hash, id_hash, sealed),
            )
            c = replace(c, hash=chain.crossing_hash({name: getattr(c, name) for name in chain.CROSSING_FIELDS}))
            self.pending.append(c.to_wire())
            self.hashes.append(c.hash)
            prev = c.hash

    def take_ack(self, ack: protocol.Ack) -> int:
        """Believe an acknowledgement whose hash is this station's crossing; returns how many it newly covers."""
        seq = ack.acknowledged_seq
        if seq > self.last_seq or (seq > 0 and self.hashes[seq - 1] != ack.acknowledged_hash):
            raise ProtocolError(f"acknowledged {seq} with another hash than the station's")
        if seq <= self.acked:
            return 0
        newly, self.acked = seq - self.acked, seq
        self.pending = [c for c in self.pending if c["seq"] > seq]
        return newly

    @property
    def converged(self) -> bool:
        return self.acked == self.last_seq


class Failed(Exception):
    """A round could not finish; ``kind`` is what the error table counts."""

    def __init__(self, kind: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind, self.retry_after = kind, retry_after


class Generator:
    """The stations, their schedule and one shared HTTP connection pool, in one asyncio loop."""

    def __init__(self, cfg: LoadConfig, url: str, server_key: Ed25519PublicKey, stations: list[SimStation]) -> None:
        self.cfg, self.url, self.server_key, self.stations = cfg, url.rstrip("/"), server_key, stations
        self.stats = Stats()
        self.rng = random.Random(cfg.seed)
        self.recording = True  # stations record new crossings (the measured run); then they only drain
        self.measuring = True
        self.backoff = Backoff(base=1.0, cap=min(60.0, cfg.interval * 2))
        self.session: aiohttp.ClientSession | None = None

    # -- transport ------------------------------------------------------------------------------------
    async def exchange(self, kind: str, method: str, path: str, *, body: bytes | None = None,
                       headers: Mapping[str, str] | None = None) -> tuple[int, Mapping[str, str], bytes]:
        """One request and its reply, whose signature must verify (5xx and 429 are taken unsigned)."""
        assert self.session is not None
        nonce = headers.get(protocol.NONCE_HEADER, "") if headers else ""
        hdrs = dict(headers or {})
        if not nonce:
            nonce = hdrs[protocol.NONCE_HEADER] = protocol.new_nonce()
        if self.measuring:
            self.stats.requests[kind] += 1
        try:
            async with self.session.request(method, self.url + path, data=body, headers=hdrs) as r:
                data = await r.read()
                status, reply_headers = r.status, r.headers
        except TimeoutError:
            raise Failed(f"{kind}: timeout") from None
        except aiohttp.ClientError as e:
            raise Failed(f"{kind}: connection ({type(e).__name__})") from None
        if status >= 500 or status == 429:
            retry = parse_retry_after(reply_headers.get("Retry-After"), datetime.now(UTC))
            raise Failed(f"{kind}: {status}", retry)
        signature = reply_headers.get(protocol.SERVER_SIGNATURE_HEADER, "")
        if not protocol.reply_signature_ok(self.server_key, method, path, status, nonce, data, signature):
            raise Failed(f"{kind}: reply not signed by the server key")
        return status, reply_headers, data

    async def signed(self, kind: str, st: SimStation, path: str, body: bytes,
                     nonce: str) -> tuple[int, Mapping[str, str], bytes]:
        headers = {"Content-Type": "application/json", protocol.STATION_HEADER: st.station_id,
                   protocol.SIGNATURE_HEADER: protocol.sign(st.key, "POST", path, body), protocol.NONCE_HEADER: nonce}
        return await self.exchange(kind, "POST", path, body=body, headers=headers)

    def ack_of(self, kind: str, st: SimStation, status: int, data: bytes, nonce: str) -> protocol.Ack:
        if status != 200:
            code = _error_code(data)
            if status == 409 and code == "gap":
                raise Failed(f"{kind}: 409 gap (the server lacks crossings it acknowledged)")
            raise Failed(f"{kind}: {status} {code}")
        try:
            ack = protocol.parse_ack(json.loads(data))
        except (ProtocolError, json.JSONDecodeError, UnicodeDecodeError):
            raise Failed(f"{kind}: unreadable acknowledgement") from None
        if ack.station_id != st.station_id or ack.nonce != nonce:
            raise Failed(f"{kind}: acknowledgement for another station or request")
        return ack

    # -- one round ----------------------------------------------------------------------------------
    async def sync_round(self, st: SimStation) -> None:
        lean = self.cfg.round in ("lean", "upload")
        if not lean:
            await self.exchange("time", "GET", protocol.TIME_PATH)
        if not lean or st.need_cursor:
            nonce = protocol.new_nonce()
            body = protocol.dumps(protocol.envelope("cursor", st.station_id, datetime.now(UTC), nonce=nonce))
            status, _, data = await self.signed("cursor", st, protocol.CURSOR_PATH, body, nonce)
            self.take(st, self.ack_of("cursor", st, status, data, nonce), "cursor")
            st.need_cursor = False
        while st.pending:
            batch = st.pending[:BATCH_LIMIT]
            nonce = protocol.new_nonce()
            body = protocol.batch_body(st.station_id, datetime.now(UTC), batch, nonce)
            t0 = time.perf_counter()
            status, _, data = await self.signed("batch", st, protocol.BATCH_PATH, body, nonce)
            ack = self.ack_of("batch", st, status, data, nonce)
            if ack.acknowledged_seq < batch[-1]["seq"]:
                raise Failed("batch: acknowledged less than was sent")
            self.take(st, ack, "batch")
            if self.measuring:
                self.stats.latencies.append(time.perf_counter() - t0)
        if self.cfg.round == "upload":
            return  # the arithmetic: one signed batch per station and round (333 requests/s for 10,000)
        for kind, path in protocol.LIST_PATHS.items():
            etag = st.etags.get(kind)
            status, headers, _ = await self.exchange("list", "GET", path,
                                                     headers={"If-None-Match": etag} if etag else None)
            if status == 200 and headers.get("ETag"):
                st.etags[kind] = headers["ETag"]
            elif status not in (304, 404):
                raise Failed(f"list: {status}")
        await self.heartbeat(st)

    def take(self, st: SimStation, ack: protocol.Ack, kind: str) -> None:
        try:
            newly = st.take_ack(ack)
        except ProtocolError:
            raise Failed(f"{kind}: acknowledged with another hash than the station's") from None
        if self.measuring:
            self.stats.crossings_acked += newly

    async def heartbeat(self, st: SimStation) -> None:
        nonce = protocol.new_nonce()
        now = datetime.now(UTC)
        lists = [{"kind": kind, "version": 1, "issued_at": protocol.iso(now - timedelta(hours=1)),
                  "expires_at": protocol.iso(now + timedelta(days=7))} for kind in protocol.LIST_PATHS]
        # the state sync.heartbeat.heartbeat_state reports (main's heartbeat, issue 13 item 3)
        body = protocol.dumps(protocol.envelope(
            "heartbeat", st.station_id, now, nonce=nonce, software_version="0.1.0", lists=lists,
            clock_offset_seconds=0.0, queue=len(st.pending), disk_free_bytes=20 * 2**30, camera="running",
            last_scan_at=protocol.iso(now)))
        status, _, data = await self.signed("heartbeat", st, HEARTBEAT_PATH, body, nonce)
        if status == 404:
            if self.measuring:
                self.stats.heartbeats_skipped += 1
        elif status != 200 and self.measuring:
            self.stats.errors[f"heartbeat: {status} {_error_code(data)}"] += 1

    # -- schedule -------------------------------------------------------------------------------------
    async def station_loop(self, st: SimStation, start: float, stop: float, drain_until: float) -> None:
        loop = asyncio.get_running_loop()
        due, attempt = start, 0
        if start >= stop:  # an interval longer than the run: this station's turn would come after it
            return
        await asyncio.sleep(max(0.0, start - loop.time()))
        while True:
            now = loop.time()
            if self.recording and now < stop:
                while due <= now:  # crossings keep coming while a round is late or failing
                    mean = self.cfg.crossings
                    st.record(self.rng.randint(max(1, round(mean / 2)), max(1, round(mean * 1.5))),
                              datetime.now(UTC), self.rng)
                    if self.measuring and attempt == 0:
                        self.stats.lags.append(now - due)
                    due += self.cfg.interval
            elif st.converged and not st.need_cursor:
                return
            if loop.time() >= drain_until:
                return
            try:
                await self.sync_round(st)
                attempt = 0
                if self.measuring:
                    self.stats.rounds += 1
                if not (self.recording and loop.time() < stop):
                    if st.converged:
                        return
                    wake = loop.time()
                else:
                    wake = min(due, stop)  # at the end of the run every station checks it has drained
            except Failed as e:
                attempt += 1
                st.need_cursor = True
                if self.measuring:
                    self.stats.rounds_failed += 1
                    self.stats.errors[e.kind] += 1
                wake = loop.time() + self.backoff.delay(attempt, self.rng.random, e.retry_after)
            await asyncio.sleep(max(0.0, wake - loop.time()))

    async def run(self, duration: float, during: Callable[[float], None] | None = None) -> float:
        """Run the load for ``duration`` s (calling ``during(t)`` each second), then let the stations drain."""
        timeout = aiohttp.ClientTimeout(total=self.cfg.timeout)
        # idle connections are dropped before uvicorn drops them (after 5 s): no request is sent on a closing one
        connector = aiohttp.TCPConnector(limit=self.cfg.connections, keepalive_timeout=4)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as self.session:
            loop = asyncio.get_running_loop()
            t0 = loop.time() + 0.5
            stop, drain_until = t0 + duration, t0 + duration + self.cfg.drain
            n = len(self.stations)
            tasks = [asyncio.create_task(self.station_loop(st, t0 + i * self.cfg.interval / n, stop, drain_until))
                     for i, st in enumerate(self.stations)]
            while loop.time() < stop:
                await asyncio.sleep(min(1.0, max(0.0, stop - loop.time())))
                if during is not None:
                    during(loop.time() - t0)
            elapsed = loop.time() - t0
            self.recording = self.measuring = False
            await asyncio.gather(*tasks)
            return elapsed


def _error_code(data: bytes) -> str:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "?"
    return str(doc.get("error", "?"))[:40] if isinstance(doc, dict) else "?"


# -- processes: the server, its workers, a throwaway PostgreSQL ------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += children(p)
    return seen


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts) - idle, sum(parts)


class CpuMeter:
    """CPU seconds of a process tree, sampled every second so a killed process's time is kept."""

    def __init__(self, root: Callable[[], int | None]) -> None:
        self.root, self.last, self.base = root, dict[int, float](), dict[int, float]()

    def sample(self) -> None:
        pid = self.root()
        if pid is None:
            return
        for p in tree(pid):
            t = cpu_seconds(p)
            if t is not None:
                self.base.setdefault(p, t)
                self.last[p] = t

    def reset(self) -> None:
        self.sample()
        self.base = dict(self.last)

    @property
    def total(self) -> float:
        return sum(t - self.base.get(p, 0.0) for p, t in self.last.items())


def api_workers(server: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn worker processes under the server (not multiprocessing's resource tracker)."""
    out = []
    for pid in children(server.pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            out.append(pid)
    return out


class Postgres:
    """A throwaway PostgreSQL cluster in a temp folder (as an unprivileged user when run as root: initdb
    refuses root), restarted by ``pg_ctl restart`` in the fault run."""

    USER = "checkpoint"

    def __init__(self, folder: Path) -> None:
        bindir = _pg_bindir()
        self.initdb, self.pg_ctl = str(bindir / "initdb"), str(bindir / "pg_ctl")
        self.folder, self.data, self.port = folder, folder / "pgdata", free_port()
        self.os_user = "nobody" if os.geteuid() == 0 else None
        folder.mkdir(parents=True, exist_ok=True)
        if self.os_user:
            shutil.chown(folder, self.os_user)
            for up in folder.parents:  # the user must reach its folder (a temp dir is 0700 to root)
                if up == Path(tempfile.gettempdir()) or up == up.parent:
                    break
                up.chmod(up.stat().st_mode | 0o011)
        self._run([self.initdb, "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
        with (self.data / "postgresql.conf").open("a") as f:
            f.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                    "max_connections = 200\n")
        self._ctl("start")

    @property
    def url(self) -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/postgres"

    def postmaster(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def _ctl(self, *args: str) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w", *args])

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, user=self.os_user,
                              cwd=self.folder, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:2])}... failed: {done.stderr.decode(errors='replace').strip()[-500:]}")


def _pg_bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise SystemExit("PostgreSQL's server programs (initdb, pg_ctl) are not installed; install them or give "
                         "--database postgresql://... for a database you run")
    return versions[-1]


def open_storage(data_dir: Path, database: str) -> Any:
    """The server's storage, through the interface the app uses (to enrol in bulk and to check afterwards)."""
    if database == "sqlite":
        from sync.server.serve import DB_FILE
        from sync.server.storage import SQLiteStorage

        return SQLiteStorage(data_dir / DB_FILE)
    from sync.server.storage import open_storage as open_database

    return open_database(database)  # a postgresql:// URL


def enrol(storage: Any, stations: list[SimStation]) -> None:
    """Enrol every station with a one-time token, as 'checkpoint enroll' would, but straight into storage."""
    now = datetime.now(UTC)
    db = getattr(storage, "_db", None)
    if db is not None:  # SQLite: set-up is not what is measured; one fsync for all, not two per station
        db.execute("PRAGMA synchronous=OFF")
    for st in stations:
        token = storage.create_token(now, timedelta(hours=1))
        result = storage.enroll(token, st.station_id, protocol.public_key_text(st.key.public_key()), now)
        if isinstance(result, str):
            raise SystemExit(f"enrolling {st.station_id}: {result}")
    if db is not None:
        db.execute("PRAGMA synchronous=FULL")


def publish_lists(data_dir: Path) -> None:
    """A real signed trust list and revocation list (1,000 revoked ids), so list pulls carry real ETags."""
    from checkpoint.model import Alg
    from checkpoint.trust import keys
    from checkpoint.trust._revocation import build_revocation_list
    from checkpoint.trust._trustlist import KeyEntry, build_trust_list
    from sync.server.lists import PublishedLists

    root, issuer = keys.generate(Alg.EDDSA), keys.generate(Alg.EDDSA)
    now = datetime.now(UTC)
    lists = PublishedLists(data_dir)
    trust = build_trust_list([KeyEntry(issuer.public_key(), "VN-LCI")], version=1, issued=now - timedelta(hours=1),
                             expires=now + timedelta(days=30), root=root)
    revoked = build_revocation_list([os.urandom(16) for _ in range(1000)], version=1, issued=now - timedelta(hours=1),
                                    expires=now + timedelta(days=7), root=root)
    lists.publish("trust-list", trust, [root.public_key()], now)
    lists.publish("revocation-list", revoked, [root.public_key()], now)


def start_server(data_dir: Path, cfg: LoadConfig, database_url: str | None, port: int,
                 log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "checkpoint", "server", "run", "--data-dir", str(data_dir), "--port", str(port),
           "--workers", str(cfg.workers)]
    if database_url:
        cmd += ["--database", database_url]
    with log.open("ab") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=out, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # benchmark set-up: wait until every worker answers
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode}); see {log}")
        if _answers(port) and (cfg.workers == 1 or len(api_workers(server)) == cfg.workers):
            return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not answer within 60 s; see {log}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /v1/time HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for pid in reversed(tree(server.pid)):
            _kill(pid)
        server.wait()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# -- the check --------------------------------------------------------------------------------------------
def check(storage: Any, stations: list[SimStation], lost_acks: int) -> Check:
    """Compare the database with the stations' own records of what signed replies acknowledged."""
    from sync.server.storage import ExportFilter

    by_id = {st.station_id: st for st in stations}
    res = Check(stations=len(stations), lost_acks=lost_acks)
    res.acknowledged = sum(st.acked for st in stations)
    res.created = sum(st.last_seq for st in stations)
    seen: dict[str, set[int]] = {}
    for row in storage.crossings(ExportFilter()):
        res.rows += 1
        st = by_id.get(str(row.get("station_id")))
        seq = int(row.get("seq", 0))
        if st is None or not 1 <= seq <= st.last_seq:
            res.unknown += 1
            continue
        held = seen.setdefault(st.station_id, set())
        if seq in held:
            res.duplicates += 1
            continue
        held.add(seq)
        if row.get("hash") != st.hashes[seq - 1]:
            res.mismatched += 1
        elif seq <= st.acked:
            res.held_once += 1
    for st in stations:
        held = seen.get(st.station_id, set())
        res.missing += sum(1 for seq in range(1, st.acked + 1) if seq not in held)
    cursors = {s.station_id: s.cursor for s in storage.stations()}
    res.converged = sum(1 for st in stations if st.converged and cursors.get(st.station_id) == st.last_seq)
    return res


# -- one run ------------------------------------------------------------------------------------------------
def make_stations(n: int, seed: int) -> list[SimStation]:
    return [SimStation(f"LOAD-{seed}-{i:05d}", Ed25519PrivateKey.generate()) for i in range(n)]


@dataclass
class Central:
    """A central server in its own processes on a fresh database, its stations enrolled (:func:`central`)."""

    data_dir: Path
    backend: str  # "sqlite", or the database's URL
    database_url: str | None  # None: SQLite
    pg: Postgres | None  # the throwaway cluster started here, if any
    stations: list[SimStation]
    url: str
    server_key: Ed25519PublicKey
    server: subprocess.Popen[bytes] | None
    api: CpuMeter = field(init=False)  # the API processes' CPU time
    dbm: CpuMeter = field(init=False)  # the database server's (PostgreSQL started here only)

    def __post_init__(self) -> None:
        self.api = CpuMeter(lambda: self.server.pid if self.server else None)
        self.dbm = CpuMeter(lambda: self.pg.postmaster() if self.pg else None)

    def stop(self) -> None:
        """Stop the server (SIGTERM; SIGKILL after 20 s), e.g. before reading its database."""
        if self.server is not None:
            stop_server(self.server)
            self.server = None


@contextlib.contextmanager
def central(cfg: LoadConfig, work: Path, say: Callable[[str], None], *, pg_prefix: str,
            publish: bool) -> Iterator[Central]:
    """The set-up both central benches share: the database (``cfg.database``; a throwaway PostgreSQL cluster is
    started and removed here), ``cfg.stations`` stations enrolled, real signed lists published when ``publish``,
    and ``checkpoint server run`` with ``cfg.workers`` API processes; a server still running at the end is
    killed."""
    pg: Postgres | None = None
    c: Central | None = None
    try:
        database_url: str | None = None
        backend = "sqlite"
        if cfg.database == "postgres":
            say("starting a throwaway PostgreSQL cluster")
            # in the system's temp folder, not under ``work``: the unprivileged user the cluster runs as (when run
            # as root) must reach it, whatever the modes of the folders ``work`` lies in
            pg = Postgres(Path(tempfile.mkdtemp(prefix=pg_prefix)))
            database_url, backend = pg.url, pg.url
        elif cfg.database.startswith("postgresql://"):
            database_url = backend = cfg.database
        data_dir = work / "server"
        data_dir.mkdir()
        stations = make_stations(cfg.stations, cfg.seed)
        if cfg.round != "station":
            for st in stations:  # just enrolled: the station knows the server holds nothing of it yet
                st.need_cursor = False
        say(f"enrolling {cfg.stations} stations")
        storage = open_storage(data_dir, backend)
        try:
            enrol(storage, stations)
        finally:
            storage.close()
        if publish:
            publish_lists(data_dir)
        from sync.server.keys import load_or_create_server_key

        server_key = load_or_create_server_key(data_dir).public_key()
        port = free_port()
        say(f"starting the server: {cfg.workers} API process(es), {cfg.database}")
        server = start_server(data_dir, cfg, database_url, port, work / "server.log")
        c = Central(data_dir, backend, database_url, pg, stations, f"http://127.0.0.1:{port}", server_key, server)
        yield c
    finally:
        if c is not None and c.server is not None:
            for pid in reversed(tree(c.server.pid)):
                _kill(pid)
            c.server.wait()
        if pg is not None:
            pg.stop()
            shutil.rmtree(pg.folder, ignore_errors=True)


def run(cfg: LoadConfig) -> RunResult:
    """Set up, load, fault, drain and check one configuration (the server in its own processes)."""
    if cfg.work is not None:
        cfg.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="central-load-", dir=cfg.work))
    def say(message: str) -> None:
        if not cfg.quiet:
            print(f"  {message}", file=sys.stderr, flush=True)

    try:
        with central(cfg, work, say, pg_prefix="central-load-pg-", publish=True) as c:
            return _load(cfg, c, say)
    finally:
        if cfg.work is None:
            shutil.rmtree(work, ignore_errors=True)


def _load(cfg: LoadConfig, c: Central, say: Callable[[str], None]) -> RunResult:
    """Load, fault, drain and check one configuration on a central server set up by :func:`central`."""
    api, dbm, pg, stations, data_dir = c.api, c.dbm, c.pg, c.stations, c.data_dir
    api.reset()
    dbm.reset()
    gen = Generator(cfg, c.url, c.server_key, stations)
    events: list[str] = []
    killed: list[int] = []
    replaced: list[float] = []
    kill_at, restart_at = cfg.duration / 3, 2 * cfg.duration / 3
    kill_time = [0.0]

    def during(t: float) -> None:
        api.sample()
        dbm.sample()
        if cfg.faults and not killed and t >= kill_at:
            workers = api_workers(c.server) if c.server else []
            if workers:
                victim = workers[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                kill_time[0] = time.monotonic()
                events.append(f"t={t:.0f}s SIGKILL API process {victim}")
        elif killed and not replaced and c.server is not None:
            now_workers = api_workers(c.server)
            if len(now_workers) == cfg.workers and killed[0] not in now_workers:
                replaced.append(time.monotonic() - kill_time[0])
                events.append(f"t={t:.0f}s a new API process serves ({replaced[0]:.1f} s after the kill)")
        if cfg.faults and t >= restart_at and not any("database" in e for e in events):
            if pg is not None:
                db = pg

                def restart() -> None:  # in a thread: the stations keep going while the database is down
                    t0 = time.monotonic()
                    db.restart()
                    events.append(f"database back after {time.monotonic() - t0:.1f} s (pg_ctl restart -m fast)")

                threading.Thread(target=restart, daemon=True).start()
                events.append(f"t={t:.0f}s database restart begins")
            elif c.database_url:
                events.append(f"t={t:.0f}s database not restarted: it is not a cluster this bench started")
            else:
                events.append(f"t={t:.0f}s database not restarted: SQLite has no server (each API process "
                              "opens the file)")

    busy0, total0 = machine_ticks()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    say(f"load: {cfg.stations} stations every {cfg.interval:g} s ({cfg.rate:.0f} rounds/s) for {cfg.duration:g} s")
    elapsed = asyncio.run(gen.run(cfg.duration, during))
    api.sample()
    dbm.sample()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    busy1, total1 = machine_ticks()
    load = os.getloadavg()
    c.stop()
    lost = sum(n for k, n in gen.stats.errors.items() if "gap" in k)
    storage = open_storage(data_dir, c.backend)
    try:
        result = check(storage, stations, lost)
    finally:
        storage.close()
    return RunResult(cfg, elapsed, gen.stats, api.total, dbm.total,
                     (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime),
                     (busy1 - busy0) / max(total1 - total0, 1), load, events, result,
                     killed[0] if killed else None, replaced[0] if replaced else None, data_dir, stations)


# -- printing ------------------------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def report(r: RunResult) -> list[str]:
    c, s = r.config, r.stats
    lat = s.latencies
    requests = sum(s.requests.values())
    lines = [
        f"{c.database}, {c.workers} API process(es), {c.stations} stations every {c.interval:g} s "
        f"({c.round} rounds), {r.elapsed:.0f} s:",
        f"  offered {c.rate:.0f} rounds/s; achieved {r.rate(s.rounds):.0f} rounds/s, {r.rate(requests):.0f} "
        f"requests/s, {r.rate(s.crossings_acked):.0f} crossings/s acknowledged ({s.crossings_acked} in all)",
        f"  ack latency p50 {_ms(percentile(lat, 50))} p95 {_ms(percentile(lat, 95))} p99 "
        f"{_ms(percentile(lat, 99))} max {_ms(max(lat) if lat else float('nan'))} (n={len(lat)}); round start "
        f"lag p99 {_ms(percentile(s.lags, 99))}",
        f"  CPU: API processes {r.server_cpu:.0f} s ({r.server_cpu / r.elapsed:.2f} cores), database server "
        f"{r.database_cpu:.0f} s ({r.database_cpu / r.elapsed:.2f} cores), this generator {r.generator_cpu:.0f} s "
        f"({r.generator_cpu / r.elapsed:.2f} cores); the machine was {100 * r.machine_busy:.0f} % busy, load "
        f"average {r.load_avg[0]:.1f}",
        f"  API CPU per round {_ms(r.server_cpu / max(s.rounds, 1))}, per request "
        f"{_ms(r.server_cpu / max(requests, 1))}: the offered {c.rate:.0f} rounds/s would need "
        f"{r.server_cpu / max(s.rounds, 1) * c.rate:.1f} cores of API processes (database server apart)",
        "  requests: " + ", ".join(f"{k} {v}" for k, v in sorted(s.requests.items())) +
        f"; heartbeats skipped (404) {s.heartbeats_skipped}",
        "  errors: " + (", ".join(f"{k} x{v}" for k, v in s.errors.most_common()) or "none") +
        f" ({s.rounds_failed} failed rounds of {s.rounds + s.rounds_failed})",
    ]
    lines += [f"  {e}" for e in r.events]
    k = r.check
    lines.append(
        f"  exactly once: {'PASS' if k.exactly_once else 'FAIL'}: {k.acknowledged} crossings acknowledged to the "
        f"stations, {k.held_once} held exactly once with the station's hash ({k.missing} missing, {k.duplicates} "
        f"duplicated, {k.mismatched} different, {k.unknown} unknown; {k.rows} rows for {k.created} crossings made)" +
        (f"; {k.lost_acks} gap replies below an acknowledged sequence" if k.lost_acks else ""))
    synced = sum(1 for st in r.stations if st.last_seq)
    lines.append(f"  converged: {'PASS' if k.converged == k.stations else 'FAIL'}: {k.converged}/{k.stations} "
                 f"stations ({synced} of them had crossings to send) have their last crossing acknowledged and "
                 f"the server's cursor there (after "
                 f"{c.drain:g} s of retries at most)")
    return lines


def _ms(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def runs_of(args: argparse.Namespace) -> Iterator[LoadConfig]:
    stations, interval, duration = args.stations, args.interval, args.duration
    if args.quick:
        stations, interval, duration = stations or 300, interval or 10.0, duration or 20.0
    stations, duration = stations or 10_000, duration or 300.0
    interval = stations / args.rate if args.rate else (interval or 30.0)
    workers = [int(w) for w in args.workers.split(",")]
    if args.faults and min(workers) < 2:
        raise SystemExit("--faults kills one API process: give --workers 2 or more (the others carry the load)")
    for database in args.database.split(","):
        for w in workers:
            yield LoadConfig(stations=stations, interval=interval, crossings=args.crossings, duration=duration,
                             workers=w, database=database, round=args.round, faults=args.faults, drain=args.drain,
                             connections=args.connections, seed=args.seed, work=args.keep)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--stations", type=int, help="enrolled stations (default 10000; --quick: 300)")
    ap.add_argument("--interval", type=float, help="seconds between a station's rounds (default 30; --quick: 10)")
    ap.add_argument("--rate", type=float, help="rounds per second in all (sets the interval: stations / rate)")
    ap.add_argument("--crossings", type=float, default=6.0, help="mean new crossings per round (default 6)")
    ap.add_argument("--duration", type=float, help="seconds of load (default 300; --quick: 20)")
    ap.add_argument("--workers", default="1,2", help="API process counts to run, comma-separated (default 1,2)")
    ap.add_argument("--database", default="sqlite",
                    help="comma-separated: sqlite, postgres (a throwaway cluster started here), postgresql://URL")
    ap.add_argument("--round", choices=["station", "lean", "upload"], default="station",
                    help="station: time, cursor, batch, lists, heartbeat (as sync_once); lean: no time, cursor only "
                    "after a failure; upload: one signed batch per round, nothing else")
    ap.add_argument("--faults", action="store_true", help="SIGKILL an API process and restart the database mid-run")
    ap.add_argument("--drain", type=float, default=120.0, help="seconds allowed after the run to converge")
    ap.add_argument("--connections", type=int, default=200, help="the generator's HTTP connection pool size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="a short run: 300 stations every 10 s for 20 s")
    ap.add_argument("--keep", type=Path, help="keep the server's data and log under this folder")
    args = ap.parse_args()

    print(f"# central load: {os.cpu_count()} CPUs, {cpu_model()}, Python {sys.version.split()[0]}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    results: list[RunResult] = []
    for cfg in runs_of(args):
        r = run(cfg)
        results.append(r)
        print("\n".join(report(r)), flush=True)
    by_db: dict[str, dict[int, RunResult]] = {}
    for r in results:
        by_db.setdefault(r.config.database, {})[r.config.workers] = r
    for db, runs in by_db.items():
        if 1 in runs and len(runs) > 1:
            one = runs[1]
            for w, r in sorted(runs.items()):
                if w != 1 and one.stats.rounds:
                    ratio = r.rate(r.stats.rounds) / one.rate(one.stats.rounds)
                    print(f"{db}: {w} API processes / 1: rounds/s x{ratio:.2f}, API CPU x"
                          f"{r.server_cpu / max(one.server_cpu, 1e-9):.2f}, p99 ack "
                          f"{_ms(percentile(r.stats.latencies, 99))} vs {_ms(percentile(one.stats.latencies, 99))}")
    if len(by_db) > 1:
        best = {db: max(runs.values(), key=lambda r: r.config.workers) for db, runs in by_db.items()}
        print("beside each other: " + "; ".join(f"{db} ({r.config.workers} API processes) "
                                                 f"{r.rate(r.stats.rounds):.0f} rounds/s, p99 ack "
                                                 f"{_ms(percentile(r.stats.latencies, 99))}"
                                                 for db, r in best.items()))
    if not all(r.check.passed for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
