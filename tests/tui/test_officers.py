"""Officer PINs: argon2id hashes, lock-out after wrong PINs that survives a restart, and expiry."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock
from checkpoint.errors import CheckpointError
from checkpoint.officers import OfficerPolicy, OfficerStore
from tests.tui.conftest import NOW, cheap_hasher


def store(tmp_path: Path, clock: FixedClock, max_failures: int = 3) -> OfficerStore:
    return OfficerStore.open(tmp_path, clock, OfficerPolicy(max_failures=max_failures, lockout_minutes=10),
                             cheap_hasher())


def test_pin_is_stored_only_as_an_argon2id_hash(tmp_path: Path) -> None:
    s = store(tmp_path, FixedClock(NOW))
    s.add("CB01", "Trần Văn Bình", "482913")
    text = (tmp_path / "officers.json").read_text(encoding="utf-8")
    assert "482913" not in text
    assert json.loads(text)["officers"][0]["pin_hash"].startswith("$argon2id$")
    assert (tmp_path / "officers.json").stat().st_mode & 0o077 == 0
    assert s.sign_in("CB01", "482913").ok


def test_wrong_pins_lock_the_account_even_for_the_right_pin_and_survive_restart(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    s = store(tmp_path, clock)
    s.add("CB01", "Bình", "1234")
    assert s.sign_in("CB01", "0000").tries_left == 2
    assert s.sign_in("CB01", "1111").tries_left == 1
    locked = s.sign_in("CB01", "2222")
    assert locked.locked_until == NOW + timedelta(minutes=10)
    assert not s.sign_in("CB01", "1234").ok
    reopened = store(tmp_path, clock)  # a restart does not clear the lock
    assert not reopened.sign_in("CB01", "1234").ok
    clock.advance(timedelta(minutes=10, seconds=1))
    assert reopened.sign_in("CB01", "1234").ok
    assert reopened.get("CB01").failures == 0  # type: ignore[union-attr]


def test_a_right_pin_resets_the_failure_count(tmp_path: Path) -> None:
    s = store(tmp_path, FixedClock(NOW))
    s.add("CB01", "Bình", "1234")
    s.sign_in("CB01", "0000")
    s.sign_in("CB01", "0001")
    assert s.sign_in("CB01", "1234").ok
    assert s.sign_in("CB01", "0000").tries_left == 2


def test_unknown_ids_and_bad_input(tmp_path: Path) -> None:
    s = store(tmp_path, FixedClock(NOW))
    assert not s.sign_in("NOBODY", "1234").ok
    with pytest.raises(CheckpointError, match="PIN"):
        s.add("CB02", "An", "12")
    with pytest.raises(CheckpointError, match="PIN"):
        s.add("CB02", "An", "12ab")
    with pytest.raises(CheckpointError, match="officer id"):
        s.add("CB 02", "An", "1234")
    s.add("CB02", "An", "1234")
    with pytest.raises(CheckpointError, match="already exists"):
        s.add("CB02", "An", "1234")


def test_unlock_and_set_pin(tmp_path: Path) -> None:
    s = store(tmp_path, FixedClock(NOW), max_failures=1)
    s.add("CB01", "Bình", "1234")
    assert s.sign_in("CB01", "0000").locked_until is not None
    s.unlock("CB01")
    assert s.sign_in("CB01", "1234").ok
    s.set_pin("CB01", "5678")
    assert not s.sign_in("CB01", "1234").ok
    s.unlock("CB01")
    assert s.sign_in("CB01", "5678").ok


def test_a_damaged_file_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "officers.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckpointError, match="damaged; restore it from backup"):
        store(tmp_path, FixedClock(NOW))


def test_a_change_by_another_process_is_kept_when_this_store_writes(tmp_path: Path) -> None:
    """The running app and the CLI share the file: the app's next write must not undo the CLI's change."""
    clock = FixedClock(NOW)
    app_store = store(tmp_path, clock)
    app_store.add("CB01", "Bình", "1234")
    cli_store = store(tmp_path, clock)
    cli_store.add("CB02", "An", "5678")
    app_store.sign_in("CB01", "0000")  # a failure: the app writes the file
    assert store(tmp_path, clock).get("CB02") is not None
    assert app_store.sign_in("CB02", "5678").ok
