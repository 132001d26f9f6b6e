"""Coverage-guided fuzzing in the suite, per format (tests/fuzz_harness.py): every input atheris kept in
``tests/data/fuzz/<format>/`` is replayed, and a short Hypothesis run steered by ``target()`` (how far
the parser got before refusing) looks for new failures. The long run is ``scripts/fuzz FORMAT SECONDS``.
A failure here: the input is in the message; add it to the corpus once fixed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from tests import fuzz_harness
from tests.fuzz_harness import FORMATS, check, corpus_files, seeds


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_kept_fuzz_corpus_gets_a_verdict_for_every_input(fmt: str) -> None:
    files = corpus_files(fmt)
    assert files, f"tests/data/fuzz/{fmt} is empty: run scripts/fuzz {fmt} 60"
    for path in files:
        try:
            check(fmt, path.read_bytes())
        except Exception as e:
            raise AssertionError(f"{path.name}: {type(e).__name__}: {e}") from e


def _mutated(fmt: str) -> st.SearchStrategy[bytes]:
    def mutate(seed: bytes, data: st.DataObject) -> bytes:
        b = bytearray(seed)
        for _ in range(data.draw(st.integers(1, 6))):
            op = data.draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
            i = data.draw(st.integers(0, max(0, len(b) - 1)))
            if op == "flip" and b:
                b[i] = data.draw(st.integers(0, 255))
            elif op == "insert":
                b[i:i] = data.draw(st.binary(min_size=1, max_size=8))
            elif op == "delete" and b:
                del b[i : i + data.draw(st.integers(1, 8))]
            else:
                b[i:] = data.draw(st.binary(max_size=32)) + bytes(b[i:])[:64]
        return bytes(b)

    return st.builds(mutate, st.sampled_from(seeds(fmt)), st.data())


FUZZ = settings(max_examples=120, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("fmt", FORMATS)
def test_hypothesis_targeted_fuzz(fmt: str) -> None:
    @FUZZ
    @given(st.one_of(st.binary(max_size=fuzz_harness.MAX_LEN), _mutated(fmt)))
    def run(data: bytes) -> None:
        target(float(check(fmt, data)), label=f"{fmt}: layers passed")

    run()
