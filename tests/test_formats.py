"""The layers below a pass: Base45, capped zlib, strict CBOR, COSE structure, CP1 claims."""

from __future__ import annotations

import zlib

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint.errors import MalformedPass
from checkpoint.formats import base45, cp1
from checkpoint.formats._cbor import loads_strict
from checkpoint.formats._compression import MAX_INFLATED, maybe_inflate
from checkpoint.formats._cose import parse_sign1
from checkpoint.model import Alg
from checkpoint.trust import keys
from tests.factories import T0, ed25519


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert base45.b45decode(base45.b45encode(data)) == data


@pytest.mark.parametrize(
    ("text", "data"), [("BB8", b"AB"), ("%69 VD92EX0", b"Hello!!"), ("UJCLQE7W581", b"base-45"), ("", b"")]
)
def test_base45_rfc9285_examples(text: str, data: bytes) -> None:
    assert base45.b45decode(text) == data
    assert base45.b45encode(data) == text


@pytest.mark.parametrize("text", ["GGW", "ZZZ", "A", "ab", "AB\n", "ÂB", "A\x00B"])
def test_base45_rejects_bad_text(text: str) -> None:
    with pytest.raises(MalformedPass):
        base45.b45decode(text)


def test_inflate_cap_and_damage() -> None:
    assert maybe_inflate(zlib.compress(b"x" * MAX_INFLATED)) == b"x" * MAX_INFLATED
    with pytest.raises(MalformedPass, match="cap"):
        maybe_inflate(zlib.compress(b"x" * (MAX_INFLATED + 1)))
    good = zlib.compress(b"hello world" * 10)
    with pytest.raises(MalformedPass, match="cut short"):
        maybe_inflate(good[:-6])
    with pytest.raises(MalformedPass, match="after the end"):
        maybe_inflate(good + b"\x00")


def test_cbor_strict_refuses_trailing_bytes() -> None:
    with pytest.raises(MalformedPass, match="after the CBOR item"):
        loads_strict(cbor2.dumps(1) + b"\x01", "x")


def test_cose_refuses_other_tags_and_shapes() -> None:
    with pytest.raises(MalformedPass, match="tag 98"):
        parse_sign1(cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])))
    with pytest.raises(MalformedPass, match="four items"):
        parse_sign1(cbor2.dumps([b"", {}, b""]))
    with pytest.raises(MalformedPass, match="payload"):
        parse_sign1(cbor2.dumps([b"", {}, "text", b""]))


def _signed(claims: dict[int, object]) -> str:
    k = ed25519()
    return cp1.encode(claims, kid=keys.kid_of(k.public_key()), alg=Alg.EDDSA, sign=lambda d: keys.sign(k, d))


BASE = {1: "VN-LCI", 6: int(T0.timestamp()), 4: int(T0.timestamp()) + 3600, 7: b"\x01" * 16,
        -65537: {"v": 1, "nam": "A", "idn": "001", "dob": "1990", "cat": "worker"}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({7: b"short"}, "cti is not 16 bytes"),
        ({6: True}, "iat has the wrong type"),
        ({4: 1.5}, "exp has the wrong type"),
        ({4: 2**70}, "exp is out of range"),
        ({1: None}, "iss has the wrong type"),
        ({-65537: {"v": 2, "nam": "A", "idn": "1", "dob": "1990", "cat": "worker"}}, "version 2"),
        ({-65537: {"v": 1, "nam": "A", "idn": "1", "dob": "1990-13", "cat": "worker"}}, "dob"),
        ({-65537: {"v": 1, "nam": "A", "idn": "1", "dob": "1990", "cat": "worker", "hs": {"sym": 1}}}, "sym"),
        ({-65537: {"v": 1, "nam": "A", "dob": "1990", "cat": "worker"}}, "idn is missing"),
        ({-65537: "not a map"}, "pass has the wrong type"),
    ],
)
def test_claim_problems_are_malformed(change: dict[int, object], message: str) -> None:
    with pytest.raises(MalformedPass, match=message):
        cp1.parse(_signed({**BASE, **change}))


def test_unknown_body_keys_are_ignored_and_optional_nulls_allowed() -> None:
    body = {**BASE[-65537], "zzz": [1, 2], "veh": None}  # type: ignore[dict-item]
    p = cp1.parse(_signed({**BASE, -65537: body})).pass_
    assert p.subject.vehicle is None
    assert p.not_before == p.issued_at
