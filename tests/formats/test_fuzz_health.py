"""HC1 and SHC decoders under random and mutated input: a decision every time, never an exception.

Hypothesis, derandomized (repeatable in CI): HC1 600 random texts, 500 text mutations and 400
decoded-byte mutations of real EU certificates; SHC 600 random texts, 400 digit mutations, 400
JWS mutations and 300 random multi-part sets; NZCP 300 random texts and 300 mutations.
3,800 cases per run.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkpoint.decision import Decision, Verdict
from checkpoint.errors import MalformedPass
from checkpoint.formats import base45, shc_chunks
from checkpoint.formats.base45 import ALPHABET
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.trust_files import load_did_document
from checkpoint.verify import Verifier
from tests.conftest import DATA
from tests.formats import dgc_cases
from tests.formats.shc_helpers import SHC, example_store, verify_jws
from tests.formats.test_shc import NOW as SHC_NOW

HC1_CASES = [json.loads((DATA / "dgc" / f"{n}.json").read_text()) for n in ("DE-1", "DE-2", "DE-3", "common-CO20")]
HC1_VERIFIER = Verifier(
    TrustStore([k for c in HC1_CASES for k in dgc_cases.store(c).all_keys()], TrustSource("EU test certificates"))
)
HC1_AT = dgc_cases.clock(HC1_CASES[0])
SHC_VERIFIER = Verifier(example_store())
SHC_TEXTS = [p.read_text().strip() for p in sorted(SHC.glob("example-0[013]-f-qr-code-numeric-value-0.txt"))]
SHC_PARTS = [p.read_text().strip() for p in sorted(SHC.glob("example-02-f-qr-code-numeric-value-*.txt"))]
SHC_JWS = [(SHC / f"example-0{n}-d-jws.txt").read_text().strip() for n in "0123"]


def fuzz(n: int) -> settings:
    return settings(max_examples=n, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decides(verifier: Verifier, text: str | bytes, at: datetime) -> Decision:
    d = verifier.verify(text, at)
    assert d.verdict in (Verdict.ACCEPT, Verdict.REJECT)
    assert d.verdict is Verdict.ACCEPT or d.reason is not None
    return d


def mutate(text: str, data: st.DataObject, alphabet: str) -> str:
    i = data.draw(st.integers(0, len(text) - 1))
    ch = data.draw(st.sampled_from(alphabet))
    op = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
    return {
        "replace": text[:i] + ch + text[i + 1 :],
        "delete": text[:i] + text[i + 1 :],
        "insert": text[:i] + ch + text[i:],
        "truncate": text[:i],
    }[op]


@fuzz(600)
@given(st.one_of(st.text(max_size=400), st.text(alphabet=ALPHABET, max_size=400).map(lambda s: "HC1:" + s)))
def test_hc1_random_text(text: str) -> None:
    decides(HC1_VERIFIER, text, HC1_AT)


@fuzz(500)
@given(st.sampled_from(HC1_CASES), st.data())
def test_hc1_mutated_text(case: dict[str, str], data: st.DataObject) -> None:
    mutated = mutate(case["PREFIX"], data, ALPHABET + "\n\x00Âđ")
    d = decides(HC1_VERIFIER, mutated, HC1_AT)
    if d.accepted and mutated != case["PREFIX"]:
        assert d.pass_ == HC1_VERIFIER.verify(case["PREFIX"], HC1_AT).pass_


@fuzz(400)
@given(st.sampled_from(HC1_CASES), st.data())
def test_hc1_mutated_cose_bytes(case: dict[str, str], data: st.DataObject) -> None:
    cose = bytearray(bytes.fromhex(case["COSE"]))
    for _ in range(data.draw(st.integers(1, 4))):
        cose[data.draw(st.integers(0, len(cose) - 1))] = data.draw(st.integers(0, 255))
    raw = zlib.compress(bytes(cose)) if data.draw(st.booleans()) else bytes(cose)
    decides(HC1_VERIFIER, "HC1:" + base45.b45encode(raw), HC1_AT)


@fuzz(600)
@given(
    st.one_of(
        st.text(max_size=300).map(lambda s: "shc:/" + s),
        st.text(alphabet="0123456789", max_size=600).map(lambda s: "shc:/" + s),
        st.text(alphabet="0123456789/", max_size=60).map(lambda s: "shc:/" + s),
    )
)
def test_shc_random_text(text: str) -> None:
    decides(SHC_VERIFIER, text, SHC_NOW)


@fuzz(400)
@given(st.sampled_from(SHC_TEXTS), st.data())
def test_shc_mutated_digits(text: str, data: st.DataObject) -> None:
    decides(SHC_VERIFIER, mutate(text, data, "0123456789/:x"), SHC_NOW)


@fuzz(400)
@given(st.sampled_from(SHC_JWS), st.data())
def test_shc_mutated_jws(jws: str, data: st.DataObject) -> None:
    mutated = mutate(jws, data, "ABCabc019-_.=+/ \n")
    d = verify_jws(SHC_VERIFIER, mutated, SHC_NOW)
    assert d.verdict is Verdict.ACCEPT or d.reason is not None
    if all(32 < ord(c) < 123 for c in mutated):  # a JWS a numeric QR can carry: the full path too
        decides(SHC_VERIFIER, shc_chunks.encode_numeric(mutated), SHC_NOW)


@fuzz(300)
@given(st.lists(st.sampled_from([*SHC_PARTS, "shc:/1/2/56", "shc:/2/2/", "shc:/9/3/12", SHC_TEXTS[0]]), max_size=5))
def test_shc_random_part_sets(texts: list[str]) -> None:
    try:
        whole = shc_chunks.assemble(texts)
    except MalformedPass:
        return
    decides(SHC_VERIFIER, whole, SHC_NOW)


NZCP_TEXT = (DATA / "nzcp" / "valid.txt").read_text().strip()
NZCP_VERIFIER = Verifier(TrustStore(load_did_document(DATA / "nzcp" / "did.json"), TrustSource("NZCP example")))


@fuzz(300)
@given(st.one_of(st.text(max_size=300).map(lambda s: "NZCP:/1/" + s),
                 st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=400).map(lambda s: "NZCP:/1/" + s)))
def test_nzcp_random_text(text: str) -> None:
    decides(NZCP_VERIFIER, text, SHC_NOW)


@fuzz(300)
@given(st.data())
def test_nzcp_mutated_text(data: st.DataObject) -> None:
    decides(NZCP_VERIFIER, mutate(NZCP_TEXT, data, "ABCXYZ2347=/\n"), SHC_NOW)
