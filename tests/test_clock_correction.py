"""A wrong high-water mark is corrected by a supervisor (PIN), recorded in the crossing log's hash chain,
with the old and new mark kept in clock.json; ``checkpoint log verify`` stays intact."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.clockguard import ClockGuard
from checkpoint.config import load_config
from checkpoint.decision import Display, Reason
from checkpoint.isotime import iso_z
from checkpoint.station import TRUST_LIST_FILE, Station
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from tests import factories
from tests.factories import T0, make_pass
from tests.test_trusted_state import config_file

NOW = T0 + timedelta(hours=2)
FUTURE = NOW + timedelta(days=365)


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


def pin(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(value + "\n"))


def add_officers(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, "482913")
    assert main(["officers", "--config", str(cfg), "add", "--id", "CH01", "--name", "Lê Thị Hoa", "--supervisor"]) == 0
    pin(monkeypatch, "112233")
    assert main(["officers", "--config", str(cfg), "add", "--id", "CB01", "--name", "Trần Văn Bình"]) == 0


def wrong_mark_station(tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey) -> Station:
    """A station whose mark went a year ahead, as main's stations did after a list issued in the future."""
    st = Station(load_config(config_file(tmp_path, root)), FixedClock(NOW))
    st.install_trust_list(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=T0))
    # what an older station did with a correctly signed list issued a year ahead: installed it, moved the mark
    future = factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), version=2, issued=FUTURE,
                                  valid_for=timedelta(days=400))
    (tmp_path / "data" / "trust" / TRUST_LIST_FILE).write_bytes(future)
    st.guard.observe(FUTURE, TRUST_LIST_FILE)
    return st


def test_a_supervisor_corrects_a_wrong_mark_and_the_log_records_it(
        tmp_path: Path, root: keys.PrivateKey, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    issuer = factories.ed25519()
    cfg = config_file(tmp_path, root)
    add_officers(cfg, monkeypatch)
    wrong_mark_station(tmp_path, root, issuer)
    st = Station(load_config(cfg), FixedClock(NOW))
    valid = make_pass(issuer, at=NOW - timedelta(hours=1))
    assert st.decide(valid)[0].reason is Reason.EXPIRED  # judged a year ahead
    at = ["--config", str(cfg), "--at", NOW.isoformat()]

    pin(monkeypatch, "112233")  # an officer, not a supervisor
    assert main(["clock", "reset", *at, "--supervisor", "CB01"]) == 2
    pin(monkeypatch, "000000")  # a wrong PIN
    assert main(["clock", "reset", *at, "--supervisor", "CH01"]) == 2
    assert "not a supervisor" in capsys.readouterr().err
    assert ClockGuard(tmp_path / "data" / "clock.json", FixedClock(NOW), timedelta(0)).high_water == FUTURE

    pin(monkeypatch, "482913")
    assert main(["clock", "reset", *at, "--supervisor", "CH01"]) == 0
    assert "recorded in the crossing log" in capsys.readouterr().out
    doc = json.loads((tmp_path / "data" / "clock.json").read_text())
    assert doc["high_water"] == iso_z(NOW)
    assert doc["history"][-1]["old"] == iso_z(FUTURE) and doc["history"][-1]["new"] == iso_z(NOW)
    assert doc["history"][-1]["by"] == "CH01"

    with sqlite3.connect(tmp_path / "data" / "crossings.sqlite") as db:
        action, officer, details = db.execute("SELECT action, officer_id, details FROM actions").fetchall()[-1]
    assert (action, officer) == ("clock_reset", "CH01")
    assert json.loads(details)["old_mark"] == iso_z(FUTURE)
    assert main(["log", "verify", "--config", str(cfg)]) == 0

    # the running station takes in the correction (within its check interval), and so does a restart:
    # the installed list issued in the future stays in force but no longer moves the mark
    st.guard.check_interval = 0
    st.guard._next_check = 0
    assert st.decide(valid)[0].display is Display.ACCEPT
    again = Station(load_config(cfg), FixedClock(NOW))
    assert again.guard.high_water == NOW
    assert again.decide(valid)[0].display is Display.ACCEPT
    assert any("does not move the clock guard" in p.message for p in again.problems)
    assert main(["clock", "status", *at]) == 0
    assert "CH01" in capsys.readouterr().out


def test_a_correction_that_cannot_be_logged_is_not_made(tmp_path: Path, root: keys.PrivateKey,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.clockguard import correct_mark
    from checkpoint.errors import CheckpointError

    guard = ClockGuard(tmp_path / "clock.json", FixedClock(NOW), timedelta(minutes=5))
    guard.observe(FUTURE, "trust list")

    def failing(action: str, officer: str | None, details: object) -> None:
        raise CheckpointError("log is full")

    with pytest.raises(CheckpointError):
        correct_mark(guard, failing, "CH01", NOW, "app")
    assert guard.high_water == FUTURE and guard.history == []


def test_a_plain_write_of_an_older_mark_by_another_process_does_not_lower_ours(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    mine = ClockGuard(path, FixedClock(NOW), timedelta(minutes=5), check_interval=0)
    mine.observe(NOW, "crossing")
    other = ClockGuard(path, FixedClock(NOW), timedelta(minutes=5), check_interval=3600)
    other.assess()  # it will not look at the file again for an hour
    mine.observe(NOW + timedelta(minutes=10), "crossing")
    other.observe(NOW + timedelta(minutes=2), "crossing")  # behind ours, not a correction
    assert mine.assess().high_water == NOW + timedelta(minutes=10)
    other.reset(NOW - timedelta(days=1), by="CH01", via="cli")  # a correction is taken as it is
    assert mine.assess().high_water == NOW - timedelta(days=1)


def test_a_correction_is_followed_even_once_the_history_is_full(tmp_path: Path) -> None:
    """The history keeps the last 100 corrections: the 101st must still reach a running station."""
    from checkpoint.clockguard import MAX_HISTORY

    path = tmp_path / "clock.json"
    app = ClockGuard(path, FixedClock(NOW), timedelta(minutes=5), check_interval=0)
    app.observe(FUTURE, "a list issued a year ahead")
    cli = ClockGuard(path, FixedClock(NOW), timedelta(minutes=5), check_interval=0)
    for _ in range(MAX_HISTORY):
        cli.reset(FUTURE, by="CH01", via="cli")
    assert app.assess().high_water == FUTURE
    cli.reset(NOW, by="CH01", via="cli")
    assert len(json.loads(path.read_text())["history"]) == MAX_HISTORY
    t = app.assess()
    assert t.high_water == NOW and not t.suspect


def test_a_mark_written_before_the_times_were_merged_still_loads(tmp_path: Path) -> None:
    """clock.json used to carry ``+00:00``; it now carries ``Z`` (checkpoint.isotime): both read the same."""
    for text in (FUTURE.isoformat(), iso_z(FUTURE)):
        (tmp_path / "clock.json").write_text(json.dumps({"high_water": text, "source": "trust list"}))
        assert ClockGuard(tmp_path / "clock.json", FixedClock(NOW), timedelta(0)).high_water == FUTURE
