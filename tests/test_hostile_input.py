"""Hostile inputs (tests/hostile.py) for every format: a verdict, MALFORMED or UNKNOWN_FORMAT, never an
exception, and bounded memory. Time is measured by bench/hostile_input.py, never asserted here.

Before the bounded decoder, ``HC1:cycle*`` raised RecursionError, ``CP1:bignum-v-20000-digits`` raised
ValueError, the ``dup-*`` cases were accepted or read past, and ``*:dag-24`` took ~40 s and ~2 GB.
"""

from __future__ import annotations

import tracemalloc

import pytest

from checkpoint.decision import Reason, Verdict
from checkpoint.errors import MalformedPass
from checkpoint.verify import FORMATS, format_of
from tests import hostile

CASES = hostile.corpus()
VERIFIER = hostile.verifier()
MAX_PEAK = 20 * 1024 * 1024


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_gets_a_verdict_in_bounded_memory(case: hostile.Case) -> None:
    VERIFIER.verify("CP1:" + case.text[4:40], hostile.NOW)  # lazy imports (NumPy) out of the measure
    tracemalloc.start()
    try:
        d = VERIFIER.verify(case.text, hostile.NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert d.verdict is Verdict.REJECT
    assert d.reason in (Reason.MALFORMED, Reason.UNKNOWN_FORMAT), (d.reason, d.detail)
    assert peak < MAX_PEAK, f"{case.name}: {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("case", [c for c in CASES if len(c.text) <= hostile.MAX_TEXT], ids=lambda c: c.name)
def test_the_parser_itself_refuses_with_malformed_pass(case: hostile.Case) -> None:
    """Under the verifier's safety net: the parser raises only MalformedPass (anything else is a bug)."""
    entry = format_of(case.text, FORMATS)
    assert entry is not None
    with pytest.raises(MalformedPass):
        entry[1](case.text)


def test_every_format_and_attack_class_is_covered() -> None:
    attacks = {f: {c.attack for c in CASES if c.fmt == f} for f in ("CP1", "HC1", "SHC", "NZCP")}
    for fmt in ("CP1", "HC1", "NZCP"):
        assert {"dag-22", "dag-24", "cycle", "deep-nesting", "bigfloat", "dup-protected-header"} <= {
            a.removesuffix("-4000") for a in attacks[fmt]}, fmt
    for fmt in ("CP1", "HC1"):
        assert {"zlib-bomb", "base45-8k", "long-string", "many-items", "bignum-8305-bytes"} <= attacks[fmt]
    assert {"deflate-bomb", "deep-nesting", "nesting-40", "long-string", "bignum-20000-digits",
            "dup-header"} <= attacks["SHC"]
