"""The EU DCC public test data (``../shared/vectors/dgc-testdata``, Apache-2.0), every case.

Each case is run at its own ``TESTCTX.VALIDATIONCLOCK`` and every ``EXPECTED*`` flag this station can
check is compared: unprefix, Base45, compression, decode, verify, expiration, key usage, and the
picture (PNG decoded with zxing-cpp, the scanner's main decoder: the ``scanner`` package is not on
main yet). Schema validation and JSON equality are not checked (see docs/formats.md). Vectors known
to be wrong upstream (the test data's ``tests/known_issues.csv``) are skipped with the upstream issue as
the reason; so are the few where the station follows the EU verifier apps rather than a flag (this
project's ``tests/known_issues.csv``, same columns, each with its reason).

Besides flag by flag, each case is checked whole: the station accepts it (every check on the pass
passes; the checkpoint's own rules aside) exactly when every decision flag it sets is true.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED, shared_path
from tests.formats import dgc_cases

ROOT = SHARED / "vectors" / "dgc-testdata"
#: The station's own known-wrong list: cases where it follows the EU rule rather than a flag.
STATION_ISSUES = Path(__file__).resolve().parents[1] / "known_issues.csv"


@cache
def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _params() -> list[Any]:
    if not ROOT.is_dir():
        return [pytest.param(None, None, id="dgc-testdata-absent")]
    out = []
    for path in sorted(ROOT.glob("**/2DCode/[rR]aw/*.json")):
        expected = _load(path).get("EXPECTEDRESULTS", {})
        rel = path.relative_to(ROOT)
        case = _load(path)
        for flag in dgc_cases.CHECKS:
            # A flag whose input fields the case lacks is not a case of that check.
            if flag in expected and all(f in case for f in dgc_cases.NEEDS[flag]):
                out.append(pytest.param(path, flag, id=f"{'/'.join(rel.parts[:-3])}/{path.stem}-{flag[8:]}"))
    return out


def _decision_params() -> list[Any]:
    if not ROOT.is_dir():
        return [pytest.param(None, id="dgc-testdata-absent")]
    out = []
    for path in sorted(ROOT.glob("**/2DCode/[rR]aw/*.json")):
        if dgc_cases.decision_flags(_load(path)):
            out.append(pytest.param(path, id="/".join(path.relative_to(ROOT).parts[:-3]) + "/" + path.stem))
    return out


@cache
def _issues() -> dict[tuple[str, str, str], str]:
    upstream = dgc_cases.known_issues(shared_path("vectors", "dgc-testdata", "tests", "known_issues.csv"))
    return {**upstream, **dgc_cases.known_issues(STATION_ISSUES)}


def _case_issue(path: Path) -> str | None:
    """Why the whole case is skipped: a known-wrong flag it sets, or the station's own entry."""
    country = path.relative_to(ROOT).parts[0]
    for flag in (dgc_cases.DECISION_TEST, *dgc_cases.decision_flags(_load(path))):
        if issue := dgc_cases.known_issue(_issues(), flag, country, path.stem):
            return issue
    return None


def test_all_cases_present() -> None:
    root = shared_path("vectors", "dgc-testdata")
    assert len(list(root.glob("**/2DCode/[rR]aw/*.json"))) == 581


@pytest.mark.parametrize(("path", "flag"), _params())
def test_case(path: Path | None, flag: str | None) -> None:
    shared_path("vectors", "dgc-testdata")
    assert path is not None and flag is not None
    case = _load(path)
    country = path.relative_to(ROOT).parts[0]
    issue = dgc_cases.known_issue(_issues(), flag, country, path.stem)
    if issue:
        pytest.skip(f"known wrong: {issue}")
    expected = case["EXPECTEDRESULTS"][flag]
    assert dgc_cases.CHECKS[flag][1](case) is expected, case["TESTCTX"].get("DESCRIPTION")


@pytest.mark.parametrize("path", _decision_params())
def test_case_decision(path: Path | None) -> None:
    """Accepted exactly when every decision flag the case sets is true (EXPECTEDVERIFY,
    EXPECTEDEXPIRATIONCHECK, EXPECTEDKEYUSAGE, EXPECTEDDECODE, ...)."""
    shared_path("vectors", "dgc-testdata")
    assert path is not None
    if issue := _case_issue(path):
        pytest.skip(f"known wrong: {issue}")
    case = _load(path)
    flags = dgc_cases.decision_flags(case)
    d = dgc_cases.decision(case)
    accepted = d.reason in dgc_cases.TECHNICALLY_ACCEPTED
    assert accepted is all(flags.values()), f"{case['TESTCTX'].get('DESCRIPTION')}: {d.reason} {d.detail}; {flags}"
