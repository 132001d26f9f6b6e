from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
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
