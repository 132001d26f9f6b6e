"""Decode + verify throughput of CP1 passes on one core, against the raw signature-verify rate.

    .venv/bin/python bench/verify_bench.py [--seconds 2]

Prints passes/s for Ed25519 and ES256 passes through ``Verifier.verify`` (Base45, zlib, CBOR,
COSE, claims, kid lookup, signature, times, revocation lookup in a 1M-entry list, rules), the raw
``cryptography`` verify rate for the same key type and the station's own signature check (Ed25519
goes through libsodium), with ratios, revocation lookups/s at a million
entries, and the wall time of the ``checkpoint verify`` command on one payload.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy  # noqa: F401  (loaded on a station by OpenCV: Base45 then decodes with it, as in the app)
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from bench.machine import cpu_model
from checkpoint.formats import cp1
from checkpoint.trust import TrustedKey, TrustSource, TrustStore, keys
from checkpoint.trust._revocation import RevocationList, SortedIds
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, es256, make_pass


def rate(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            fn()
        n += 200
    return n / elapsed


def _cryptography_verify(pk: keys.PublicKey, signature: bytes, data: bytes) -> None:
    """The raw rate of the ``cryptography`` library: the issue's yardstick."""
    if isinstance(pk, Ed25519PublicKey):
        pk.verify(signature, data)
    else:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        pk.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr, call-arg]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; pinned to one core")
    ids = SortedIds(b"".join(sorted(os.urandom(16) for _ in range(1_000_000))))
    revocations = RevocationList(1, T0, T0 + timedelta(days=7), ids, b"")
    now = T0 + timedelta(hours=1)
    for name, key in (("Ed25519", ed25519()), ("ES256", es256())):
        pk = key.public_key()
        store = TrustStore([TrustedKey(keys.kid_of(pk), pk, "bench")], TrustSource("bench"))
        v = Verifier(store, revocations)
        text = make_pass(key)
        assert v.verify(text, now).accepted
        signed = cp1.parse(text)
        raw = rate(partial(_cryptography_verify, pk, signed.signature, signed.signed_data), args.seconds)
        ours = rate(partial(keys.signature_valid, pk, signed.alg, signed.signature, signed.signed_data), args.seconds)
        full = rate(partial(v.verify, text, now), args.seconds)
        print(f"{name:8} decode+verify {full:6.0f} passes/s | raw `cryptography` verify {raw:6.0f}/s "
              f"(ratio {full / raw:.2f}) | station signature check {ours:6.0f}/s (ratio {full / ours:.2f}) "
              f"| {len(text)} chars")
    probe = os.urandom(16)
    print(f"revocation lookups at {len(ids):,} ids: {rate(lambda: probe in ids, args.seconds):,.0f}/s")

    with tempfile.TemporaryDirectory() as tmp:
        key = ed25519()
        (Path(tmp) / "k.pub.pem").write_bytes(keys.public_pem(key.public_key()))
        text = make_pass(key)
        cmd = [str(Path(sys.executable).parent / "checkpoint"), "verify", "--trust", tmp, "--at",
               (T0 + timedelta(hours=1)).isoformat(), text]
        walls = []
        for _ in range(7):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            walls.append(time.perf_counter() - t)
        print(f"'checkpoint verify' wall time: median {statistics.median(walls) * 1000:.0f} ms, "
              f"max {max(walls) * 1000:.0f} ms over {len(walls)} runs")


if __name__ == "__main__":
    main()
