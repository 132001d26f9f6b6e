"""Build a big crossing log for the export and report benchmarks: N crossings over ~N*2 s, bulk-inserted
through the log's own schema and INSERT, with real chain hashes, a mix of verdicts, reasons, officers,
duplicates and manual entries, and real sealed personal data cycled from a pool (sealing a million
blobs one by one would take minutes and measure the wrong thing).

    .venv/bin/python bench/fill_log.py --rows 1000000 --out /tmp/bench-log/crossings.sqlite
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.crossing import PersonalData
from checkpoint.log import CrossingLog
from checkpoint.log import _chain as chain
from checkpoint.log._ids import uuid7
from checkpoint.log._personal import id_number_hash, pass_id_hash, seal_personal
from checkpoint.log._rows import INSERT, row_values
from checkpoint.log._timefmt import stamp

T0 = datetime(2021, 7, 1, tzinfo=UTC)
HMAC_KEY = bytes(range(32))
STATION = "BENCH-01"
REASONS = ("EXPIRED", "BAD_SIGNATURE", "UNKNOWN_KEY", "RULE_FAILED", "UNKNOWN_FORMAT")
PEOPLE = (
    PersonalData("Nguyễn Văn An", "001085012345", "1985-03-02", "0912345678", "29A-123.45", "Hà Nội", "Bắc Ninh",
                 "giao hàng"),
    PersonalData("Trần Thị Bích Ngọc", "079190000123", "1990-11-30", None, "51F-987.65", "TP. Hồ Chí Minh",
                 "Đồng Nai", "chở hàng"),
)


def fill(path: Path, rows: int, supervisor: sealing.X25519PrivateKey, seal_all: bool = False) -> None:
    with CrossingLog.open(path, station_id=STATION, seal_to=supervisor.public_key(), hmac_key=HMAC_KEY,
                          clock=FixedClock(T0)) as log:
        head_seq, head = log.last_seq, log.last_hash
    # Blobs are bound to their crossing id (AAD): the pool's ids are reused for the rows that carry them.
    pool = []
    for k in range(256):
        cid = uuid7(T0 + timedelta(milliseconds=k))
        pool.append((cid, seal_personal(PEOPLE[k % 2], cid, supervisor.public_key()),
                     id_number_hash(HMAC_KEY, PEOPLE[k % 2].id_number or "")))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # a benchmark fixture, not a station: no fsync per batch
    batch = 50_000
    end = head_seq + rows + 1
    for start in range(head_seq + 1, end, batch):
        conn.execute("BEGIN IMMEDIATE")
        for seq in range(start, min(start + batch, end)):
            at = T0 + timedelta(seconds=seq * 2)
            cid, sealed, idn = pool[seq % len(pool)]
            if seq > len(pool):  # a blob of the real size; it opens only on the pool's own rows
                cid = uuid7(at)
                if seal_all:
                    sealed = seal_personal(PEOPLE[seq % 2], cid, supervisor.public_key())
            rejected = seq % 10 == 0
            dup = seq % 13 == 0 and not rejected
            manual = seq % 97 == 0
            pid = pass_id_hash(HMAC_KEY, (seq // 2).to_bytes(16, "big"))
            f: dict[str, Any] = {
                "seq": seq, "id": cid, "station_id": STATION, "officer_id": f"CB-{seq % 7:02d}",
                "lane": str(1 + seq % 2), "direction": "in" if seq % 3 else "out", "recorded_at": stamp(at),
                "system_time": stamp(at), "clock_suspect": False, "format": "CP1", "kid": "0101010101010101",
                "verdict": "reject" if rejected else "accept",
                "reason": REASONS[seq // 10 % len(REASONS)] if rejected else None,
                "display": "REJECT" if rejected else ("CHECK" if dup or manual else "ACCEPT"), "rule": None,
                "rules_applied": ("category",), "flags": tuple(n for n, on in (("duplicate", dup), ("manual", manual))
                                                              if on),
                "manual": manual, "category": ("worker", "driver", "resident")[seq % 3],
                "expires": stamp(at + timedelta(days=3)),
                "personal_digest": chain.personal_digest(pid, idn, sealed), "prev_hash": head,
            }
            f["hash"] = head = chain.crossing_hash(f)
            conn.execute(INSERT, row_values({**f, "pass_id_hash": pid, "id_number_hash": idn, "sealed": sealed}))
        last = min(start + batch, end) - 1
        conn.execute("UPDATE meta SET value=? WHERE key='head_seq'", (str(last),))
        conn.execute("UPDATE meta SET value=? WHERE key='head_hash'", (head,))
        conn.execute("COMMIT")
        print(f"\r  {last - head_seq:,} rows", end="", file=sys.stderr)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True, help="the log file to create (its folder is created)")
    ap.add_argument("--seal-all", action="store_true",
                    help="seal every row's personal data for real (slow: for personal-export benchmarks)")
    a = ap.parse_args()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    supervisor = sealing.generate()
    (a.out.parent / "supervisor.key.pem").write_bytes(sealing.private_pem(supervisor))
    t = time.perf_counter()
    fill(a.out, a.rows, supervisor, a.seal_all)
    print(f"filled {a.rows:,} crossings in {time.perf_counter() - t:.1f} s: {a.out} "
          f"({a.out.stat().st_size / 1e6:.0f} MB); supervisor key beside it")


if __name__ == "__main__":
    main()
