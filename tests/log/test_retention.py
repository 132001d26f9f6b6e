"""Retention: personal fields of old, synced crossings are erased; counts, verdicts and the chain stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.log import CrossingLog, open_personal
from tests.factories import PERSON
from tests.log.conftest import NOW, Passes, ctx, open_log


def _aged(log: CrossingLog, passes: Passes, days_ago: list[int]) -> None:
    d = passes.decide()
    for days in days_ago:
        log.record(replace(d, evaluated_at=NOW - timedelta(days=days)), ctx())


def test_erases_only_old_synced_crossings(log: CrossingLog, passes: Passes, supervisor: X25519PrivateKey,
                                          log_path: Path) -> None:
    _aged(log, passes, [40, 35, 31, 29, 1, 45])
    log.acknowledge(5)  # seq 6 (45 days old) is not synced yet: it must stay
    before = list(log.crossings())
    assert log.erase_expired_personal_data(NOW) == 3
    rows = list(log.crossings())
    erased = [c.seq for c in rows if c.erased_at is not None]
    assert erased == [1, 2, 3]
    for c in rows[:3]:
        assert (c.sealed, c.pass_id_hash, c.id_number_hash) == (None, None, None)
        assert open_personal(c, supervisor) is None and c.verdict == "accept" and c.personal_digest
    assert all(open_personal(c, supervisor) is not None for c in rows[3:])
    assert log.lookup_id_number(PERSON.id_number) == rows[3:]
    assert log.verify_chain().ok and log.count() == 6
    assert log.erase_expired_personal_data(NOW) == 0
    log.close()
    raw = log_path.read_bytes() + b"".join(p.read_bytes() for p in log_path.parent.glob("*-wal"))
    for c in before[:3]:
        assert c.sealed is not None and c.sealed[4:40] not in raw  # overwritten, not left in free pages


def test_retention_age_is_configurable(log_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                                       clock: FixedClock) -> None:
    with open_log(log_path, supervisor, clock, retention=timedelta(days=7)) as log:
        _aged(log, passes, [8, 6])
        log.acknowledge(2)
        assert log.erase_expired_personal_data(NOW) == 1


def test_erases_in_batches(log: CrossingLog, passes: Passes, monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.log import _retention as retention

    monkeypatch.setattr(retention, "BATCH", 3)
    _aged(log, passes, [60] * 10)
    log.acknowledge(10)
    assert log.erase_expired_personal_data(NOW) == 10
    assert log.verify_chain().ok
