"""Known-answer vectors for the chain (docs/crossing-log.md), checked against an independent encoder.

The central server and any other implementation re-check the chain from the documented encoding;
this file re-implements that text in a few lines (not the station's code) and pins the results.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from checkpoint.log import _chain as chain

EXAMPLE = {
    "seq": 1, "id": "017ad606-ae80-752f-ab5e-c710b172b12a", "station_id": "HN-01", "officer_id": "officer-7",
    "lane": "1", "direction": "in", "recorded_at": "2021-07-24T01:00:00.000000Z",
    "system_time": "2021-07-24T01:00:00.000000Z", "clock_suspect": False, "format": "CP1", "kid": "0a1b2c3d4e5f6071",
    "verdict": "accept", "reason": None, "display": "CHECK", "rule": None, "rules_applied": ["category", "symptoms"],
    "flags": ["duplicate"], "manual": False, "category": "worker", "expires": "2021-07-27T00:00:00.000000Z",
    "prev_hash": "0" * 64,
}
PERSONAL = ("11" * 32, "22" * 32, b"CPS1" + bytes(60))
PERSONAL_DIGEST = "67e5a1d49a38de1ae6933cbbe0b3d25e270be2393a4102594f300f8ae7af9cd4"
CROSSING_HASH = "11298e502d3672e1030e597bb94a3305588c3f7aadd844031334ed835ba00611"
ACTION_HASH = "b5c2772f1c20bbfb2c20a5897283e9fe8b7d1459f74a2d2be3a00b2090ae8ba2"

ORDER = ["seq", "id", "station_id", "officer_id", "lane", "direction", "recorded_at", "system_time", "clock_suspect",
         "format", "kid", "verdict", "reason", "display", "rule", "rules_applied", "flags", "manual", "category",
         "expires", "personal_digest", "prev_hash"]


def enc(v: Any) -> bytes:
    """The encoding as the documentation states it."""
    if v is None:
        tag, payload = b"N", b""
    elif isinstance(v, bool):
        tag, payload = b"B", b"1" if v else b"0"
    elif isinstance(v, int):
        tag, payload = b"I", str(v).encode()
    elif isinstance(v, str):
        tag, payload = b"S", v.encode("utf-8")
    elif isinstance(v, bytes):
        tag, payload = b"X", v
    else:
        tag, payload = b"L", b"".join(enc(x) for x in v)
    return tag + struct.pack(">I", len(payload)) + payload


def sha(*values: Any) -> str:
    return hashlib.sha256(b"".join(enc(v) for v in values)).hexdigest()


def test_documented_vectors() -> None:
    assert sha("CPLOG1-personal", *PERSONAL) == PERSONAL_DIGEST == chain.personal_digest(*PERSONAL)
    fields = EXAMPLE | {"personal_digest": PERSONAL_DIGEST}
    assert list(chain.CROSSING_FIELDS[:chain.FIXED_COUNT]) == ORDER  # the fixed fields; extension ones are unset
    assert sha("CPLOG1", *(fields[k] for k in ORDER)) == CROSSING_HASH == chain.crossing_hash(fields)
    action = ["CPACT1", 1, "017ad606-ae80-752f-ab5e-c710b172b12b", "2021-07-24T01:00:00.000000Z", "HN-01", "sign_in",
              "officer-7", ["lane", "1"], "0" * 64]
    assert sha(*action) == ACTION_HASH == chain.action_hash(dict(zip(chain.ACTION_FIELDS, action[1:], strict=True)))


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=4), max_leaves=12,
)


def tagged(v: Any) -> Any:
    """Values as the encoding distinguishes them (True and 1 differ; a list and a tuple do not)."""
    if isinstance(v, list | tuple):
        return ("L", tuple(tagged(x) for x in v))
    return (type(v).__name__, v)


@given(values, values)
def test_encoding_is_injective_and_matches_the_spec(a: Any, b: Any) -> None:
    assert chain.encode(a) == enc(a)
    assert (chain.encode(a) == chain.encode(b)) == (tagged(a) == tagged(b))
