"""The CertLogic evaluator against the specification's test suite (``../shared/vectors/certlogic``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checkpoint.certlogic import CertLogicError, evaluate, parse_date_time, plus_time
from tests.conftest import SHARED, shared_path

SUITE = SHARED / "vectors" / "certlogic" / "testSuite"


def _assertions() -> list[Any]:
    out = []
    for path in sorted(SUITE.glob("*.json")) if SUITE.is_dir() else []:
        suite = json.loads(path.read_text())
        for case in suite["cases"]:
            for i, a in enumerate(case["assertions"]):
                expr = a.get("certLogicExpression", case.get("certLogicExpression"))
                skip = "skip" in (case.get("directive"), a.get("directive"))
                marks = [pytest.mark.skip(reason="marked 'skip' in the suite itself")] if skip else []
                out.append(
                    pytest.param(expr, a.get("data"), a["expected"], id=f"{path.stem}:{case['name']}#{i}", marks=marks)
                )
    return out or [pytest.param(None, None, None, id="certlogic-suite-absent")]


@pytest.mark.parametrize(("expr", "data", "expected"), _assertions())
def test_suite(expr: Any, data: Any, expected: Any) -> None:
    shared_path("vectors", "certlogic", "testSuite")
    assert evaluate(expr, data) == expected


def test_js_date_offsets() -> None:
    leap = parse_date_time("2020-02-29")
    assert plus_time(leap, 1, "day").isoformat() == "2020-03-01T00:00:00+00:00"
    assert plus_time(leap, 1, "month").isoformat() == "2020-03-29T00:00:00+00:00"
    assert plus_time(leap, 1, "year").isoformat() == "2021-03-01T00:00:00+00:00"
    assert parse_date_time("2021-06").isoformat() == "2021-06-30T00:00:00+00:00"
    assert parse_date_time("2021-06-01T10:00:00.123456+5").isoformat() == "2021-06-01T05:00:00.123000+00:00"


@pytest.mark.parametrize(
    "expr",
    [
        {"nope": [1]},
        {"if": [True, 1]},
        {"+": ["1", 2]},
        {"<": [1, "2"]},
        {"and": [1, {"plusTime": ["2021", 0, "day"]}]},
        None,
        {"a": 1, "b": 2},
        {"in": [1, 2]},
        {"plusTime": ["2021", 1, "week"]},
        {"!": [{"plusTime": ["2021", 0, "day"]}]},
    ],
)
def test_invalid_expressions_raise(expr: Any) -> None:
    with pytest.raises(CertLogicError):
        evaluate(expr, {"x": {"y": 1}})
