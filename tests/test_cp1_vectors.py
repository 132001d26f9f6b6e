"""Every CP1 vector gets its expected verdict at its own validation time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checkpoint.clock import parse_instant
from checkpoint.trust_files import load_key_folder
from checkpoint.verify import Verifier
from tests.conftest import DATA

CASES = sorted((DATA / "cp1" / "cases").glob("*.json"))


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(load_key_folder(DATA / "cp1" / "trust"))


def test_all_vectors_present() -> None:
    assert len(CASES) == 24


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_vector(path: Path, verifier: Verifier) -> None:
    case = json.loads(path.read_text())
    decision = verifier.verify(case["payload"], parse_instant(case["validation_time"]))
    assert decision.verdict.value == case["expected"]["verdict"], decision.detail
    assert (decision.reason.value if decision.reason else None) == case["expected"]["reason"], decision.detail


@pytest.mark.parametrize("ending", ["\n", "\r", "\r\n"])
def test_one_trailing_line_ending_is_accepted(ending: str, verifier: Verifier) -> None:
    case = json.loads((DATA / "cp1" / "cases" / "valid_ed25519.json").read_text())
    assert verifier.verify(case["payload"] + ending, parse_instant(case["validation_time"])).accepted


@pytest.mark.parametrize("wrap", [" {}", "{} ", "{}\n\n", "\n{}", "{}\t", "{}\r\n\r\n"])
def test_nothing_else_around_the_text(wrap: str, verifier: Verifier) -> None:
    case = json.loads((DATA / "cp1" / "cases" / "valid_ed25519.json").read_text())
    decision = verifier.verify(wrap.format(case["payload"]), parse_instant(case["validation_time"]))
    assert not decision.accepted
