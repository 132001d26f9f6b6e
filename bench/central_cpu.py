"""Benchmark: CPU time per signed batch on the central server (API processes, database server, load generator).

Usage:
    .venv/bin/python -m bench.central_cpu                          # PostgreSQL (a throwaway cluster), 1 API process
    .venv/bin/python -m bench.central_cpu --database sqlite,postgres --workers 1,2
    .venv/bin/python -m bench.central_cpu --requests 3000 --save /tmp/after.json --against /tmp/before.json

Wall-clock throughput is noisy on a shared machine (eight engineers on two cores); CPU time per request is not,
or much less. This bench sends a fixed number of real signed batches (``--crossings`` new crossings each, hashed
and chained as the station's log does, signed by the station's own Ed25519 key; every reply's signature and
acknowledgement checked) from ``--concurrency`` closed-loop senders to ``checkpoint server run`` in its own
processes, after a warm-up, in ``--rounds`` rounds of ``--requests`` (the median is printed), and reads the
CPU time (``/proc/<pid>/stat`` utime + stime) of:

- the API processes (uvicorn's supervisor and its workers),
- the database server (the postmaster and every backend, WAL writer and checkpointer included; PostgreSQL only),
- the generator itself (this process: making the crossings, signing, HTTP, checking the replies),

before and after, and prints each in ms per signed batch, their sum, and what the issue's target (10,000
stations every 30 s: 333 batches/s, 2,000 crossings/s) would take of this machine's cores at that cost:
``ms per batch x 333 / 1000`` cores. The target fits when the sum is under the cores there are, with
``--headroom`` (default 20 %) kept free for latency. ``--against FILE`` prints the ratios to an earlier run saved
with ``--save FILE`` (e.g. the code before a change).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.central_load import (  # noqa: E402
    Generator,
    LoadConfig,
    SimStation,
    central,
    make_stations,
)
from bench.machine import cpu_model  # noqa: E402

TARGET_RATE = 10_000 / 30  # batches per second: the 10,000 stations every 30 s


@dataclass(frozen=True)
class CpuResult:
    database: str
    workers: int
    requests: int
    crossings: int
    seconds: float
    api_ms: float  # CPU ms per signed batch
    db_ms: float
    gen_ms: float
    gen_build_ms: float  # of gen_ms: making the crossings, the body and the signature
    load_avg: float

    @property
    def total_ms(self) -> float:
        return self.api_ms + self.db_ms + self.gen_ms

    def cores_at(self, rate: float, ms: float) -> float:
        return ms * rate / 1000

    @property
    def key(self) -> str:
        return f"{self.database}/{self.workers}"


def build_cost(crossings: int, n: int = 300) -> float:
    """CPU seconds per batch the generator spends making crossings (hashed, chained, sealed) and the batch body,
    measured apart on throwaway stations (timing each request would cost a clock call of its own)."""
    import random

    from sync import protocol

    stations = make_stations(n, 99)
    rng = random.Random(2)
    t0 = time.process_time()
    for st in stations:
        st.record(crossings, datetime.now(UTC), rng)
        protocol.batch_body(st.station_id, datetime.now(UTC), st.pending, protocol.new_nonce())
    return (time.process_time() - t0) / n


class Sender:
    """Closed-loop senders of signed batches through ``central_load.Generator``'s code (signing and checks)."""

    def __init__(self, gen: Generator, stations: list[SimStation], crossings: int) -> None:
        self.gen, self.stations, self.crossings = gen, stations, crossings

    async def one(self, st: SimStation) -> None:
        from sync import protocol

        st.record(self.crossings, datetime.now(UTC), self.gen.rng)
        nonce = protocol.new_nonce()
        body = protocol.batch_body(st.station_id, datetime.now(UTC), st.pending, nonce)
        status, _, data = await self.gen.signed("batch", st, protocol.BATCH_PATH, body, nonce)
        self.gen.take(st, self.gen.ack_of("batch", st, status, data, nonce), "batch")

    async def run(self, n: int, concurrency: int) -> None:
        todo = iter(range(n))

        async def lane(k: int) -> None:
            mine = self.stations[k::concurrency]  # a station's batches never overlap: its chain stays in order
            for i in todo:
                await self.one(mine[i % len(mine)])

        await asyncio.gather(*(lane(k) for k in range(concurrency)))


def measure(database: str, workers: int, requests: int, warmup: int, stations_n: int, concurrency: int,
            crossings: int, rounds: int, say: bool = True) -> CpuResult:
    def note(message: str) -> None:
        if say:
            print(f"  {message}", file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="central-cpu-"))
    cfg = LoadConfig(stations=stations_n, workers=workers, database=database, round="upload", connections=concurrency)
    try:
        with central(cfg, work, note, pg_prefix="central-cpu-pg-", publish=False) as c:
            gen = Generator(cfg, c.url, c.server_key, c.stations)
            api, dbm, stations = c.api, c.dbm, c.stations

            async def go() -> list[float]:
                connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=4)
                async with aiohttp.ClientSession(connector=connector,
                                                 timeout=aiohttp.ClientTimeout(total=60)) as gen.session:
                    sender = Sender(gen, stations, crossings)
                    await sender.run(warmup, concurrency)
                    samples = []
                    for _ in range(rounds):  # each round measured on its own: the median is what is printed
                        api.reset()
                        dbm.reset()
                        u0 = resource.getrusage(resource.RUSAGE_SELF)
                        t0 = time.monotonic()
                        await sender.run(requests, concurrency)
                        t1 = time.monotonic()
                        u1 = resource.getrusage(resource.RUSAGE_SELF)
                        api.sample()
                        dbm.sample()
                        own = (u1.ru_utime + u1.ru_stime) - (u0.ru_utime + u0.ru_stime)
                        samples.append((t1 - t0, api.total, dbm.total, own))
                    return [statistics.median(column) for column in zip(*samples, strict=True)]

            gen.measuring = True
            note(f"warm-up {warmup} batches, then {rounds} x {requests} measured")
            seconds, api_cpu, db_cpu, own = asyncio.run(go())
            build = build_cost(crossings) * requests
            c.stop()
        if gen.stats.errors:
            raise SystemExit(f"errors during the run: {dict(gen.stats.errors)}; see {work / 'server.log'}")
        n = requests
        return CpuResult(database, workers, n, crossings, seconds, 1000 * api_cpu / n, 1000 * db_cpu / n,
                         1000 * own / n, 1000 * build / n, os.getloadavg()[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lines_for(r: CpuResult, cores: int, headroom: float) -> list[str]:
    budget = cores * (1 - headroom)
    need = r.cores_at(TARGET_RATE, r.total_ms)
    fits = "FITS" if need <= budget else "DOES NOT FIT"
    return [
        f"{r.database}, {r.workers} API process(es): {r.requests} signed batches of {r.crossings} crossings in "
        f"{r.seconds:.1f} s ({r.requests / r.seconds:.0f}/s closed loop; load average {r.load_avg:.1f})",
        f"  CPU per signed batch: API {r.api_ms:.2f} ms, database server {r.db_ms:.2f} ms, generator {r.gen_ms:.2f} ms "
        f"(of it making crossings and bodies {r.gen_build_ms:.2f} ms); server side {r.api_ms + r.db_ms:.2f} ms, "
        f"all {r.total_ms:.2f} ms",
        f"  at {TARGET_RATE:.0f} batches/s: API {r.cores_at(TARGET_RATE, r.api_ms):.2f} + database "
        f"{r.cores_at(TARGET_RATE, r.db_ms):.2f} + generator {r.cores_at(TARGET_RATE, r.gen_ms):.2f} = {need:.2f} "
        f"cores of {cores} ({budget:.1f} with {headroom:.0%} headroom): {fits}; the server side alone "
        f"{r.cores_at(TARGET_RATE, r.api_ms + r.db_ms):.2f} cores; this cost's ceiling on {cores} cores "
        f"{cores * 1000 / r.total_ms:.0f} batches/s with the generator, "
        f"{cores * 1000 / (r.api_ms + r.db_ms):.0f} without",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--database", default="postgres", help="comma-separated: postgres (a throwaway cluster), sqlite")
    ap.add_argument("--workers", default="1", help="API process counts, comma-separated (default 1)")
    ap.add_argument("--requests", type=int, default=1000, help="signed batches per measured round (default 1000)")
    ap.add_argument("--rounds", type=int, default=3, help="measured rounds of --requests; the median is printed")
    ap.add_argument("--warmup", type=int, default=300, help="batches before measuring (default 300)")
    ap.add_argument("--stations", type=int, default=400, help="enrolled stations the batches come from")
    ap.add_argument("--concurrency", type=int, default=8, help="batches in flight at once (default 8)")
    ap.add_argument("--crossings", type=int, default=6, help="new crossings per batch (default 6)")
    ap.add_argument("--headroom", type=float, default=0.2, help="share of the cores kept free (default 0.2)")
    ap.add_argument("--save", type=Path, help="write the figures as JSON here")
    ap.add_argument("--against", type=Path, help="print ratios to figures saved earlier with --save")
    args = ap.parse_args()

    cores = os.cpu_count() or 1
    print(f"# central CPU per signed batch: {cores} CPUs, {cpu_model()}, Python {sys.version.split()[0]}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    results = []
    for database in args.database.split(","):
        for w in (int(x) for x in args.workers.split(",")):
            r = measure(database, w, args.requests, args.warmup, args.stations, args.concurrency, args.crossings,
                        args.rounds)
            results.append(r)
            print("\n".join(lines_for(r, cores, args.headroom)), flush=True)
    if args.save:
        args.save.write_text(json.dumps([asdict(r) for r in results], indent=1))
    if args.against:
        before = {CpuResult(**d).key: CpuResult(**d) for d in json.loads(args.against.read_text())}
        for r in results:
            b = before.get(r.key)
            if b is None:
                continue
            database = f"database x{r.db_ms / b.db_ms:.2f} ({b.db_ms:.2f} -> {r.db_ms:.2f} ms), " if b.db_ms else ""
            print(f"{r.key} against {args.against.name}: API x{r.api_ms / b.api_ms:.2f} "
                  f"({b.api_ms:.2f} -> {r.api_ms:.2f} ms), {database}generator x{r.gen_ms / b.gen_ms:.2f} "
                  f"({b.gen_ms:.2f} -> {r.gen_ms:.2f} ms), all x{r.total_ms / b.total_ms:.2f} "
                  f"({b.total_ms:.2f} -> {r.total_ms:.2f} ms)")


if __name__ == "__main__":
    main()
