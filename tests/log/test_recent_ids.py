"""The in-memory tags of id numbers recently entered by hand (manual-entry duplicates): expired tags leave
from the front, the map never grows past its cap, and a re-seen id moves to the newest end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkpoint.log import CrossingLog
from checkpoint.log import _store as store
from tests.log.conftest import NOW


def test_expired_tags_leave_and_the_newest_stay(log: CrossingLog) -> None:
    window = log.duplicate_window
    for i in range(10):
        log._remember_id(bytes([i]) * 32, NOW)
    log._remember_id(b"\x00" * 32, NOW + window / 2)  # seen again: now the newest
    log._remember_id(b"new" * 10 + b"!!", NOW + window + timedelta(seconds=1))
    assert list(log._recent_ids) == [b"\x00" * 32, b"new" * 10 + b"!!"]


def test_the_map_is_capped_oldest_first(log: CrossingLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "MAX_RECENT_IDS", 5)
    tags = [i.to_bytes(32, "big") for i in range(12)]
    for i, tag in enumerate(tags):  # all inside the window: only the cap removes any
        log._remember_id(tag, NOW + timedelta(seconds=i))
    assert list(log._recent_ids) == tags[-5:]
