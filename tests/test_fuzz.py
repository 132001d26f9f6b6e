"""Any text or bytes given to the verifier gives a decision, never an exception.

Hypothesis runs 600 random texts, 300 random byte strings, 600 mutations of valid passes at the
text level and 400 at the decoded-bytes level (1,900 cases per run, with a fixed derandomized seed
so CI is repeatable; raise ``max_examples`` locally to search harder).
"""

from __future__ import annotations

import json
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkpoint.clock import parse_instant
from checkpoint.decision import Decision, Verdict
from checkpoint.formats import base45
from checkpoint.formats.base45 import ALPHABET
from checkpoint.trust_files import load_key_folder
from checkpoint.verify import Verifier
from tests.conftest import DATA

VERIFIER = Verifier(load_key_folder(DATA / "cp1" / "trust"))
CASES = [json.loads(p.read_text()) for p in sorted((DATA / "cp1" / "cases").glob("valid_*.json"))]
AT = parse_instant(CASES[0]["validation_time"])


def fuzz(n: int) -> settings:
    return settings(max_examples=n, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decides(text: str | bytes) -> Decision:
    d = VERIFIER.verify(text, AT)
    assert d.verdict in (Verdict.ACCEPT, Verdict.REJECT)
    assert d.verdict is Verdict.ACCEPT or d.reason is not None
    return d


@fuzz(600)
@given(st.one_of(st.text(max_size=400), st.text(alphabet=ALPHABET, max_size=400).map(lambda s: "CP1:" + s)))
def test_random_text(text: str) -> None:
    _decides(text)


@fuzz(300)
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _decides(data)
    _decides(b"CP1:" + data)


@fuzz(600)
@given(st.sampled_from(CASES), st.data())
def test_mutated_valid_pass_text(case: dict[str, str], data: st.DataObject) -> None:
    text = case["payload"]
    i = data.draw(st.integers(0, len(text) - 1))
    op = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
    ch = data.draw(st.sampled_from(ALPHABET + "\n\x00Âđ"))
    mutated = {"replace": text[:i] + ch + text[i + 1 :], "delete": text[:i] + text[i + 1 :],
               "insert": text[:i] + ch + text[i:], "truncate": text[:i]}[op]
    d = _decides(mutated)
    if mutated != text and d.accepted:
        # only a change the signature does not cover may pass (e.g. an equivalent re-encoding)
        assert VERIFIER.verify(mutated, AT).pass_ == VERIFIER.verify(text, AT).pass_


@fuzz(400)
@given(st.sampled_from(CASES), st.data())
def test_mutated_decoded_bytes(case: dict[str, str], data: st.DataObject) -> None:
    """Flip bytes under the Base45 and zlib layers, where CBOR and COSE parsing meet them."""
    raw = base45.b45decode(case["payload"][4:])
    cose = bytearray(zlib.decompress(raw) if raw[:1] == b"\x78" else raw)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(cose) - 1))
        cose[i] = data.draw(st.integers(0, 255))
    compress = data.draw(st.booleans())
    d = _decides("CP1:" + base45.b45encode(zlib.compress(bytes(cose)) if compress else bytes(cose)))
    if d.accepted:
        assert d.pass_ is not None
