"""Checkpoint rules, and the clock guard for a station whose clock cannot be trusted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock, assess
from checkpoint.clockguard import ClockGuard
from checkpoint.config import parse_config
from checkpoint.decision import Display, Flag, Reason
from checkpoint.model import Health, Subject, TestResult
from checkpoint.rules import Rules
from checkpoint.station import Station
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.verify import Verifier
from tests.factories import PERSON, T0, ed25519, make_pass

NOW = T0 + timedelta(hours=2)


@pytest.fixture
def issuer() -> keys.PrivateKey:
    return ed25519()


def verifier(issuer: keys.PrivateKey, rules: Rules) -> Verifier:
    pk = issuer.public_key()
    return Verifier(TrustStore([TrustedKey(keys.kid_of(pk), pk, "test")], TrustSource("test")), rules=rules)


def test_category_not_admitted(issuer: keys.PrivateKey) -> None:
    v = verifier(issuer, Rules(categories=frozenset({"freight"})))
    d = v.verify(make_pass(issuer), NOW)
    assert d.reason is Reason.RULE_FAILED and d.rule == "category" and "worker" in d.detail


def test_symptoms_refused_only_when_configured(issuer: keys.PrivateKey) -> None:
    text = make_pass(issuer, health=Health(symptoms=True))
    assert verifier(issuer, Rules()).verify(text, NOW).rule == "symptoms"
    assert verifier(issuer, Rules(refuse_symptoms=False)).verify(text, NOW).accepted


def test_test_age_rule(issuer: keys.PrivateKey) -> None:
    rules = Rules(max_test_age_hours=72)
    v = verifier(issuer, rules)
    fresh = Health(False, TestResult("PCR", NOW - timedelta(hours=71), "negative"))
    stale = Health(False, TestResult("RAT", NOW - timedelta(hours=73), "negative"))
    positive = Health(False, TestResult("PCR", NOW - timedelta(hours=1), "positive"))
    assert v.verify(make_pass(issuer, health=fresh), NOW).accepted
    d = v.verify(make_pass(issuer, health=stale), NOW)
    assert d.rule == "test_age" and "73 h" in d.detail
    assert v.verify(make_pass(issuer), NOW).rule == "test_age"  # no test at all
    assert v.verify(make_pass(issuer, health=positive), NOW).rule == "positive_test"
    future = Health(False, TestResult("PCR", NOW + timedelta(hours=2), "negative"))
    d = v.verify(make_pass(issuer, health=future), NOW)
    assert d.rule == "test_age" and "future" in d.detail
    medic = Subject("Lê Văn B", "1", "1990", "emergency")
    ok = v.verify(make_pass(issuer, subject=medic), NOW)
    assert ok.accepted and "test_age" not in ok.rules_applied


def test_skew_tolerance_applies_to_not_before(issuer: keys.PrivateKey) -> None:
    v = verifier(issuer, Rules(clock_skew_seconds=300))
    soon = make_pass(issuer, not_before=NOW + timedelta(seconds=200))
    later = make_pass(issuer, not_before=NOW + timedelta(seconds=400))
    assert v.verify(soon, NOW).accepted
    assert v.verify(later, NOW).reason is Reason.NOT_YET_VALID


def test_assess_rule() -> None:
    tol = timedelta(minutes=5)
    assert not assess(NOW, None, tol).suspect
    assert not assess(NOW - timedelta(minutes=4), NOW, tol).suspect
    t = assess(NOW - timedelta(days=400), NOW, tol)
    assert t.suspect and t.effective == NOW


def test_stale_clock_after_reboot_is_suspect_and_evaluates_at_high_water(
    tmp_path: Path, issuer: keys.PrivateKey
) -> None:
    """A Pi that lost power boots in 2020: a pass valid 'now' must be judged at trusted time."""
    guard_file = tmp_path / "clock.json"
    clock = FixedClock(NOW)
    guard = ClockGuard(guard_file, clock, timedelta(minutes=5))
    guard.observe(NOW, "server")
    assert guard_file.exists()

    clock.set(T0 - timedelta(days=500))  # the reboot: RTC-less clock far in the past
    guard = ClockGuard(guard_file, clock, timedelta(minutes=5))
    t = guard.assess()
    assert t.suspect and t.effective == NOW

    (tmp_path / "data").mkdir()
    cfg = parse_config({"station": {"data_dir": str(tmp_path)}})
    st = Station(cfg, clock)
    st.folder_store = TrustStore([TrustedKey(keys.kid_of(issuer.public_key()), issuer.public_key(), "t")],
                                 TrustSource("t"))
    expired_by_now = make_pass(issuer, at=NOW - timedelta(days=4))
    d, t = st.decide(expired_by_now)
    assert t.suspect
    assert d.reason is Reason.EXPIRED  # judged at the high-water mark, not at the stale 2020 clock
    valid = make_pass(issuer, at=NOW - timedelta(hours=1))
    d, _ = st.decide(valid)
    assert d.accepted and Flag.CLOCK_SUSPECT in d.flags and d.display is Display.CHECK


def test_corrupt_guard_file_is_survivable(tmp_path: Path) -> None:
    f = tmp_path / "clock.json"
    f.write_text("{not json")
    guard = ClockGuard(f, FixedClock(NOW), timedelta(minutes=5))
    assert guard.high_water is None and not guard.assess().suspect
    guard.observe(NOW, "crossing")
    assert ClockGuard(f, FixedClock(NOW), timedelta(minutes=5)).high_water == NOW


def test_subject_masks_id() -> None:
    assert PERSON.masked_id.endswith("2345") and PERSON.id_number[:8] not in PERSON.masked_id


def test_recorded_crossings_raise_the_high_water_mark(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    st = Station(parse_config({"station": {"data_dir": str(tmp_path)}}), clock)
    _, t = st.decide("not a pass")
    st.crossing_recorded(t)
    assert st.guard.high_water == NOW
    clock.set(NOW - timedelta(days=30))  # the clock jumps back: a later crossing is judged at NOW
    _, t = st.decide("not a pass")
    assert t.suspect and t.effective == NOW
    st.crossing_recorded(t)
    assert st.guard.high_water == NOW
