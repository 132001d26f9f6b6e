from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

DATA = Path(__file__).parent / "data"

# Hypothesis times examples too: its 200 ms deadline per example and its "too slow" health check fail a test
# on a loaded CI machine with nothing wrong. Neither, for every test (a test's own @settings sets the rest).
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test saying why (a clone without the shared folder)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent: this suite needs the shared folder beside the project (CI has it)")
    return p


#: The id index's Argon2id cost for logs the suite creates: the production cost (64 MiB, ~0.2 s a hash)
#: would make every test that records a person take seconds. Tests of the cost itself use
#: ``checkpoint.log._idindex.PRODUCTION_PARAMS``; logs made by subprocesses keep the production cost.
@pytest.fixture(autouse=True)
def _cheap_id_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.log import _idindex as idindex

    monkeypatch.setattr(idindex, "DEFAULT_PARAMS", idindex.IdHashParams(time_cost=1, memory_kib=8, lanes=1))
