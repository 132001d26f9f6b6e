"""The lists in force (checkpoint.trust._state, checkpoint.station): an expired list stays in force and is
flagged stale, a list installed by another process takes effect without a restart, a list from the future
is refused without moving the clock, and problems are kept one per source."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.config import load_config
from checkpoint.decision import Display, Flag, Reason
from checkpoint.errors import ListExpiredError, ListFromFutureError, ListRollbackError
from checkpoint.isotime import iso_z
from checkpoint.station import REVOCATION_FILE, TRUST_LIST_FILE, Station, StationProblem
from checkpoint.trust import keys
from checkpoint.trust._state import REVOCATIONS, TRUST, TrustedState
from checkpoint.trust._trustlist import KeyEntry
from tests import factories
from tests.factories import T0, make_pass

NOW = T0 + timedelta(hours=2)
WEEK = timedelta(days=7)


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def issuer() -> keys.PrivateKey:
    return factories.ed25519()


def config_file(tmp_path: Path, root: keys.PrivateKey) -> Path:
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n[trust]\nroot_keys = ["root.pub.pem"]\n'
                   '[rules]\nclock_skew_seconds = 300\n')
    return cfg


def station(tmp_path: Path, root: keys.PrivateKey, clock: FixedClock) -> Station:
    cfg = config_file(tmp_path, root)
    st = Station(load_config(cfg), clock)
    st.reload_interval = 0
    st.guard.check_interval = 0
    return st


def setup_lists(st: Station, root: keys.PrivateKey, issuer: keys.PrivateKey, revoked: list[bytes]) -> None:
    st.install_trust_list(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=T0,
                                               valid_for=timedelta(days=30)))
    st.install_revocation_list(factories.revocation_list(root, revoked, issued=T0, valid_for=WEEK))


# -- an expired list stays in force, stale ---------------------------------------------------------------
def test_an_expired_revocation_list_still_revokes_after_a_restart(tmp_path: Path, root: keys.PrivateKey,
                                                                  issuer: keys.PrivateKey) -> None:
    pid = os.urandom(16)
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock)
    setup_lists(st, root, issuer, [pid])
    later = T0 + WEEK + timedelta(days=2)  # the revocation list expired two days ago; the station was offline
    clock.set(later)
    revoked = make_pass(issuer, pass_id=pid, at=later - timedelta(hours=1))
    d, _ = st.decide(revoked)
    assert d.reason is Reason.PASS_REVOKED and Flag.LISTS_STALE in d.flags
    again = station(tmp_path, root, clock)  # a restart
    assert again.revocations is not None and again.revocations.version == 1
    d, _ = again.decide(revoked)
    assert d.reason is Reason.PASS_REVOKED and Flag.LISTS_STALE in d.flags
    assert again.stale_lists(later) == (REVOCATIONS,)
    other = make_pass(issuer, at=later - timedelta(hours=1))
    d, _ = again.decide(other)
    assert d.accepted and d.display is Display.CHECK and Flag.LISTS_STALE in d.flags


def test_verify_command_keeps_an_expired_revocation_list(tmp_path: Path, root: keys.PrivateKey,
                                                         issuer: keys.PrivateKey,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    pid = os.urandom(16)
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [pid])
    later = T0 + WEEK + timedelta(days=2)
    revoked = make_pass(issuer, pass_id=pid, at=later - timedelta(hours=1))
    cfg = str(tmp_path / "station.toml")
    code = main(["verify", "--config", cfg, "--at", later.isoformat(), "--json", revoked])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["reason"] == "PASS_REVOKED" and "lists_stale" in doc["flags"]
    fine = make_pass(issuer, at=later - timedelta(hours=1))
    code = main(["verify", "--config", cfg, "--at", later.isoformat(), fine])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("CHECK") and "out of date" in out


def test_an_expired_trust_list_still_refuses_revoked_and_unknown_keys(tmp_path: Path, root: keys.PrivateKey,
                                                                      issuer: keys.PrivateKey) -> None:
    bad = factories.ed25519()
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock)
    st.install_trust_list(factories.trust_list(
        root, KeyEntry(issuer.public_key(), "VN-LCI"), KeyEntry(bad.public_key(), "VN-LCI", revoked_at=T0),
        issued=T0, valid_for=timedelta(days=30)))
    much_later = T0 + timedelta(days=400)  # expired for a year: still used, flagged
    clock.set(much_later)
    st = station(tmp_path, root, clock)
    at = much_later - timedelta(hours=1)
    assert st.decide(make_pass(bad, at=at))[0].reason is Reason.KEY_REVOKED
    assert st.decide(make_pass(factories.ed25519(), at=at))[0].reason is Reason.UNKNOWN_KEY
    d, _ = st.decide(make_pass(issuer, at=at))
    assert d.accepted and d.display is Display.CHECK and Flag.LISTS_STALE in d.flags
    assert st.stale_lists(much_later) == (TRUST,)


def test_current_lists_are_not_stale(tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [])
    d, _ = st.decide(make_pass(issuer, at=NOW - timedelta(hours=1)))
    assert d.display is Display.ACCEPT and not d.flags and st.stale_lists(NOW) == ()


def test_an_expired_new_list_is_still_refused_and_a_rollback_too(tmp_path: Path, root: keys.PrivateKey,
                                                                 issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [bytes(16)])
    with pytest.raises(ListExpiredError):
        st.install_revocation_list(factories.revocation_list(root, [bytes(16)], version=2,
                                                             issued=T0 - timedelta(days=9), valid_for=WEEK))
    with pytest.raises(ListRollbackError):
        st.install_revocation_list(factories.revocation_list(root, [], version=2, issued=T0))
    assert st.revocations is not None and st.revocations.version == 1


# -- time --------------------------------------------------------------------------------------------
def test_a_list_issued_in_the_future_is_refused_and_the_mark_stays(tmp_path: Path, root: keys.PrivateKey,
                                                                   issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [])
    mark = st.guard.high_water
    future = factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), version=2,
                                  issued=NOW + timedelta(days=365))
    with pytest.raises(ListFromFutureError, match="later than the station's trusted time"):
        st.install_trust_list(future)
    assert st.guard.high_water == mark and st.trust_list is not None and st.trust_list.version == 1
    assert json.loads((tmp_path / "data" / "clock.json").read_text())["high_water"] == iso_z(mark)
    # within the allowed skew is fine, and newer correct lists still install
    st.install_trust_list(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), version=3,
                                               issued=NOW + timedelta(seconds=200)))
    assert st.decide(make_pass(issuer, at=NOW - timedelta(hours=1)))[0].display is Display.ACCEPT


def test_a_stale_system_clock_judges_lists_against_the_mark(tmp_path: Path, root: keys.PrivateKey,
                                                            issuer: keys.PrivateKey) -> None:
    """A Pi boots in 2020: a list issued after the last trusted time (plus skew) cannot be checked against
    anything, so it waits; one issued before the mark installs although the system clock is far behind."""
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock)
    setup_lists(st, root, issuer, [])
    st.guard.observe(NOW, "server")
    clock.set(T0 - timedelta(days=500))
    st = station(tmp_path, root, clock)
    assert st.guard.assess().suspect
    st.install_revocation_list(factories.revocation_list(root, [], version=2, issued=NOW - timedelta(minutes=1)))
    with pytest.raises(ListFromFutureError):
        st.install_revocation_list(factories.revocation_list(root, [], version=3, issued=NOW + timedelta(hours=1)))
    assert st.guard.high_water == NOW


def test_the_state_is_pure_and_needs_no_mark(root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    state = TrustedState((root.public_key(),))
    data = factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=NOW)
    with pytest.raises(ListFromFutureError):
        state.update_trust_list(data, NOW - timedelta(minutes=6), timedelta(minutes=5))
    new = state.update_trust_list(data, NOW - timedelta(minutes=4), timedelta(minutes=5))
    assert new is not state and state.trust_list is None and new.trust_list is not None
    assert new.update_trust_list(data, NOW, timedelta(0)) is new  # the same list again changes nothing


# -- hot reload ----------------------------------------------------------------------------------------
def test_a_list_installed_by_another_process_takes_effect_without_a_restart(
        tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey, capsys: pytest.CaptureFixture[str]) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [])
    pid = os.urandom(16)
    p = make_pass(issuer, pass_id=pid, at=NOW - timedelta(hours=1))
    assert st.decide(p)[0].accepted
    rl = tmp_path / "rl.cose"
    rl.write_bytes(factories.revocation_list(root, [pid], version=2, issued=NOW - timedelta(minutes=5)))
    assert main(["trust", "install", "--config", str(tmp_path / "station.toml"), "--at", NOW.isoformat(),
                 "revocation-list", str(rl)]) == 0
    capsys.readouterr()
    assert st.decide(p)[0].reason is Reason.PASS_REVOKED
    assert st.revocations is not None and st.revocations.version == 2


def test_an_older_file_put_in_place_is_refused_on_reload(tmp_path: Path, root: keys.PrivateKey,
                                                         issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [bytes(16)])
    old = (tmp_path / "data" / "trust" / REVOCATION_FILE).read_bytes()
    st.install_revocation_list(factories.revocation_list(root, [bytes(16), b"\1" * 16], version=2, issued=NOW))
    (tmp_path / "data" / "trust" / REVOCATION_FILE).write_bytes(old)
    st.refresh(force=True)
    assert st.revocations is not None and st.revocations.version == 2
    assert any("not newer" in p.message for p in st.problems)
    (tmp_path / "data" / "trust" / TRUST_LIST_FILE).write_bytes(b"garbage")
    st.refresh(force=True)
    assert st.trust_list is not None and st.trust_list.version == 1


def test_the_files_are_checked_at_most_once_per_interval(tmp_path: Path, root: keys.PrivateKey,
                                                         issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    st.reload_interval = 3600
    st.refresh(force=True)
    factories_rl = factories.revocation_list(root, [], issued=NOW)
    other = Station(st.config, FixedClock(NOW))
    other.install_revocation_list(factories_rl)
    assert not st.refresh() and st.revocations is None  # not yet: the next check is an hour away
    assert st.refresh(force=True) and st.revocations is not None


# -- problems ------------------------------------------------------------------------------------------
def test_problems_are_kept_per_source_and_thread_safe(tmp_path: Path, root: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))

    def report(n: int) -> None:
        for i in range(500):
            st.problems.append(StationProblem(f"source {n % 3}", f"round {i}"))
            list(st.problems)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.source for p in st.problems) == ["source 0", "source 1", "source 2"]
    st.problems.clear("source 1")
    assert len(st.problems) == 2


# -- what the supervisor reads ---------------------------------------------------------------------------
def test_doctor_and_trust_status_say_a_list_expired(tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [bytes(16)])
    later = (T0 + WEEK + timedelta(days=1)).isoformat()
    cfg = str(tmp_path / "station.toml")
    assert main(["trust", "status", "--config", cfg, "--at", later]) == 0
    out = capsys.readouterr().out
    assert "STALE: the revocation list in force has expired; it is still applied" in out
    assert "revocation list: v1" in out and "age 192.0 h" in out
    main(["doctor", "--json", "--config", cfg, "--at", later])
    doc = json.loads(capsys.readouterr().out)["station"]
    assert doc["lists"]["revocation list"]["expired"] is True and doc["lists"]["trust list"]["expired"] is False
    assert doc["revocation_list_age_hours"] == 192.0
    main(["doctor", "--config", cfg, "--at", later])
    text = capsys.readouterr().out
    assert "revocation list: v1, 192.0 h old  EXPIRED at" in text and "still applied" in text


def test_a_scan_never_waits_behind_a_long_reload(tmp_path: Path, root: keys.PrivateKey,
                                                 issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [])
    held, release = threading.Event(), threading.Event()

    def long_reload() -> None:  # another thread verifying a big list holds the station's lock
        with st._lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=long_reload)
    holder.start()
    assert held.wait(30)
    done: list[Display] = []
    scan = threading.Thread(target=lambda: done.append(st.decide(make_pass(issuer, at=NOW))[0].display))
    scan.start()
    scan.join(30)  # a loaded machine's slow decide fits; a decide waiting for the lock (60 s) does not
    release.set()
    holder.join()
    assert done == [Display.ACCEPT]  # decided with the lists in force, without waiting for the lock


def test_trusted_time_is_the_mark_when_the_clock_is_a_little_behind(tmp_path: Path, root: keys.PrivateKey,
                                                                    issuer: keys.PrivateKey) -> None:
    """Four minutes behind the mark is within the tolerance (not suspect), but lists are still judged
    against the mark: one issued two minutes after it is within the skew (and moves the mark)."""
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock)
    setup_lists(st, root, issuer, [])
    st.guard.observe(NOW, "server")
    clock.set(NOW - timedelta(minutes=4))
    assert not st.guard.assess().suspect and st.trusted_now() == NOW
    st.install_revocation_list(factories.revocation_list(root, [], version=2, issued=NOW + timedelta(minutes=2)))
    with pytest.raises(ListFromFutureError):
        st.install_revocation_list(factories.revocation_list(root, [], version=3, issued=NOW + timedelta(minutes=8)))


def test_an_older_file_put_in_place_is_refused_after_a_restart_too(tmp_path: Path, root: keys.PrivateKey,
                                                                   issuer: keys.PrivateKey) -> None:
    """Nothing in memory remembers v2 after a restart: the station's record of the versions in force does."""
    pid = os.urandom(16)
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [bytes(16)])
    old = (tmp_path / "data" / "trust" / REVOCATION_FILE).read_bytes()
    st.install_revocation_list(factories.revocation_list(root, [bytes(16), pid], version=2, issued=NOW))
    (tmp_path / "data" / "trust" / REVOCATION_FILE).write_bytes(old)
    again = station(tmp_path, root, FixedClock(NOW))  # a restart with the v1 copy in place
    assert again.revocations is None
    assert any("older than v2" in p.message for p in again.problems)
    d, _ = again.decide(make_pass(issuer, pass_id=pid, at=NOW))  # revoked in v2: never a plain ACCEPT
    assert d.display is not Display.ACCEPT and Flag.LISTS_STALE in d.flags


def test_a_list_missing_after_a_restart_flags_every_verdict(tmp_path: Path, root: keys.PrivateKey,
                                                            issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    setup_lists(st, root, issuer, [bytes(16)])
    (tmp_path / "data" / "trust" / REVOCATION_FILE).unlink()
    again = station(tmp_path, root, FixedClock(NOW))
    assert again.revocations is None and again.missing_lists() == (REVOCATIONS,)
    assert any("is missing" in p.message for p in again.problems)
    d, _ = again.decide(make_pass(issuer, at=NOW))
    assert d.accepted and d.display is Display.CHECK and Flag.LISTS_STALE in d.flags
    again.install_revocation_list(factories.revocation_list(root, [bytes(16)], version=2, issued=NOW))
    d, _ = again.decide(make_pass(issuer, at=NOW))
    assert d.display is Display.ACCEPT
