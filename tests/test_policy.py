"""The centre's policy bundle: envelope guarantees, origin -> level -> rule, applied offline (docs/policy.md)."""

from __future__ import annotations

import os
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Decision, Display, Flag, Reason, Why
from checkpoint.errors import (
    ListExpiredError,
    ListFormatError,
    ListFromFutureError,
    ListRollbackError,
    ListSignatureError,
)
from checkpoint.model import Health, Subject, TestResult
from checkpoint.policy import Notice, PolicyRule, load_policy_bundle, normalise, version_below
from checkpoint.policy_station import POLICY_FILE
from checkpoint.station import Station
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from checkpoint.verify import Verifier
from checkpoint.words import Texts
from tests.factories import PERSON, T0, ed25519, make_pass, trust_list
from tests.policy_helpers import UNITS, bundle

NOW = T0 + timedelta(hours=1)
Key = keys.PrivateKey


@pytest.fixture
def root() -> keys.PrivateKey:
    return ed25519()


@pytest.fixture
def issuer() -> keys.PrivateKey:
    return ed25519()


def _from(origin: str | None, category: str = "worker") -> Subject:
    return Subject(PERSON.name, PERSON.id_number, PERSON.birth_date, category, None, origin, "Bắc Ninh")


# -- units: codes, old codes, names ----------------------------------------------------------------------
def test_origin_resolves_by_code_old_code_and_normalised_name() -> None:
    assert UNITS.resolve("00070").unit.name == "Phường Hoàn Kiếm"  # type: ignore[union-attr]
    r = UNITS.resolve("001")  # a pre-2025 district code: mapped to the unit that replaced it
    assert r.via == "old_code" and r.unit is not None and r.unit.code == "00004"
    assert UNITS.resolve("27").unit.code == "24"  # type: ignore[union-attr]  # an old province code
    for text in ("Phường Hoàn Kiếm", "phường  hoàn kiếm", "HOÀN KIẾM", "P. Hoàn Kiếm", "Hoàn Kiếm",
                 unicodedata.normalize("NFD", "Phường Hoàn Kiếm")):
        assert UNITS.resolve(text).unit.code == "00070", text  # type: ignore[union-attr]
    plain = UNITS.resolve("Phuong Hoan Kiem")
    assert plain.via == "name_plain" and plain.unit is not None and plain.unit.code == "00070"
    assert normalise("Thành phố Hồ Chí Minh") == "hồ chí minh"


def test_an_ambiguous_name_is_not_guessed_but_the_province_narrows_it() -> None:
    assert UNITS.resolve("Phường Tân Phong").via == "ambiguous"
    assert UNITS.resolve("Phường Tân Phong, Lai Châu").unit.code == "03388"  # type: ignore[union-attr]
    assert UNITS.resolve("Phường Tân Phong, TP Hồ Chí Minh").unit.code == "26740"  # type: ignore[union-attr]
    assert UNITS.resolve("Atlantis").unit is None and UNITS.resolve(None).via == "none"


# -- applying the policy (pure) ----------------------------------------------------------------------------
def _verifier(issuer: keys.PrivateKey) -> Verifier:
    from checkpoint.trust import TrustSource, TrustStore
    from checkpoint.trust._store import TrustedKey
    tk = TrustedKey(kid=keys.kid_of(issuer.public_key()), public_key=issuer.public_key(), source="t", issuer="VN-LCI")
    return Verifier(TrustStore([tk], TrustSource("t")))


def _decide(root: keys.PrivateKey, issuer: keys.PrivateKey, origin: str | None, health: Health | None = None,
            **kw: Any) -> Decision:
    from checkpoint.policy import apply_policy
    b = load_policy_bundle(bundle(root, **kw), [root.public_key()], NOW)
    d = _verifier(issuer).verify(make_pass(issuer, subject=_from(origin), health=health), NOW)
    assert d.accepted
    return apply_policy(b, d, NOW, running_version="0.1.0")


def test_level_4_needs_a_recent_negative_test_and_the_officer_sees_why(root: Key, issuer: Key) -> None:
    d = _decide(root, issuer, "Phường Hoàn Kiếm")
    assert d.display is Display.REJECT and d.reason is Reason.RULE_FAILED and d.rule == "policy_test"
    assert d.grounds is not None and d.grounds.why is Why.POLICY_TEST_NEEDED
    assert d.detail == "from Phường Hoàn Kiếm, level 4: a negative test of at most 72 h is needed"
    assert Texts("vi").why(d.grounds).startswith("Đến từ Phường Hoàn Kiếm, mức 4")
    assert d.policy is not None and d.policy.level == "4" and d.policy.rule == "L4:*:test72" and d.policy.version == 1
    old = TestResult("PCR", NOW - timedelta(hours=80), "negative")
    assert _decide(root, issuer, "00070", Health(symptoms=False, test=old)).grounds.why is Why.POLICY_TEST_NEEDED  # type: ignore[union-attr]
    fresh = TestResult("PCR", NOW - timedelta(hours=20), "negative")
    ok = _decide(root, issuer, "00070", Health(symptoms=False, test=fresh))
    assert ok.display is Display.ACCEPT and ok.policy is not None
    assert ok.policy.grounds.why is Why.POLICY_TEST_OK and ok.policy.grounds["hours"] == 20


def test_a_ward_without_a_level_takes_its_provinces_and_referral_is_a_check(root: Key, issuer: Key) -> None:
    d = _decide(root, issuer, "Phường Bắc Giang")  # province 24 is level 3: medical desk
    assert d.display is Display.CHECK and Flag.POLICY_REFERRAL in d.flags
    assert d.policy is not None and d.policy.level == "3" and d.policy.grounds.why is Why.POLICY_MEDICAL
    assert _decide(root, issuer, "Phường Ba Đình").display is Display.ACCEPT  # Hà Nội level 1: admit


def test_an_unknown_origin_is_its_own_configurable_outcome(root: Key, issuer: Key) -> None:
    assert _decide(root, issuer, "Atlantis").policy.level == "unknown"  # type: ignore[union-attr]
    assert _decide(root, issuer, "Atlantis").display is Display.ACCEPT
    strict = [PolicyRule("unknown", "*", "quarantine")]
    d = _decide(root, issuer, "Atlantis", rule_list=strict)
    assert d.display is Display.CHECK and d.policy is not None and d.policy.grounds.why is Why.POLICY_QUARANTINE
    assert _decide(root, issuer, None, rule_list=strict).display is Display.CHECK  # no origin on the pass
    d = _decide(root, issuer, "Phường Tân Phong", rule_list=strict)  # ambiguous: not guessed
    assert d.policy is not None and d.policy.level == "unknown"


def test_a_rule_per_category_wins_over_the_levels_rule(root: Key, issuer: Key) -> None:
    rl = [PolicyRule("4", "*", "test", 72), PolicyRule("4", "worker", "vaccination")]
    d = _decide(root, issuer, "00070", rule_list=rl)
    assert d.grounds is not None and d.grounds.why is Why.POLICY_VACCINATION_NEEDED and d.rule == "policy_vaccination"
    ok = _decide(root, issuer, "00070", Health(symptoms=False, vaccine_doses=2), rule_list=rl)
    assert ok.accepted and ok.policy is not None and ok.policy.rule == "L4:worker:vaccination"


def test_minimum_station_version_refuses_or_warns_per_the_bundle(root: Key, issuer: Key) -> None:
    d = _decide(root, issuer, "Phường Ba Đình", min_version="9.0", below_min="refuse")
    assert d.display is Display.REJECT and d.rule == "policy_version"
    assert _decide(root, issuer, "Phường Ba Đình", min_version="9.0").accepted  # "warn": the status bar says it
    assert version_below("0.1.0", "0.2") and not version_below("0.2.0", "0.2") and version_below("junk", "0.1")


def test_a_station_below_the_minimum_version_says_so(tmp_path: Path, root: Key, issuer: Key) -> None:
    st = _station(tmp_path, root, issuer)
    st.install_policy_bundle(bundle(root, min_version="99.0"))
    assert st.policy.outdated() == ("0.1.0", "99.0")
    assert any("older than the minimum 99.0" in p.message and "update the station" in p.message for p in st.problems)
    st.install_policy_bundle(bundle(root, version=2, min_version="0.1"))
    assert st.policy.outdated() is None and not any("minimum" in p.message for p in st.problems)


# -- the envelope: same guarantees as the other lists --------------------------------------------------------
def test_bundle_is_refused_unsigned_by_the_root_rolled_back_or_broken(root: keys.PrivateKey) -> None:
    with pytest.raises(ListSignatureError):
        load_policy_bundle(bundle(ed25519()), [root.public_key()], NOW)
    v2 = load_policy_bundle(bundle(root, version=2), [root.public_key()], NOW)
    with pytest.raises(ListRollbackError):
        load_policy_bundle(bundle(root, version=1), [root.public_key()], NOW, previous=v2)
    with pytest.raises(ListExpiredError):
        load_policy_bundle(bundle(root, valid_for=timedelta(minutes=30)), [root.public_key()], NOW)
    with pytest.raises(ListFormatError, match="not a unit of the bundle"):
        load_policy_bundle(bundle(root, levels={"99999": 4}), [root.public_key()], NOW)
    from checkpoint.trust import sign_document
    tl = sign_document({"type": "cp1-trust-list", "version": 5, "issued": 0, "expires": 2**31, "keys": []}, root)
    with pytest.raises(ListFormatError, match="not a 'cp1-policy-bundle'"):
        load_policy_bundle(tl, [root.public_key()], NOW)


def _station(tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey, at: datetime = NOW) -> Station:
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = parse_config({"station": {"data_dir": str(tmp_path / "data")}, "trust": {"root_keys": ["root.pub.pem"]}},
                       str(tmp_path / "station.toml"))
    st = Station(cfg, FixedClock(at))
    if st.trust_list is None:
        st.install_trust_list(trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI")))
    return st


def test_station_applies_the_bundle_and_refuses_rollback_expired_and_future(
    tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey
) -> None:
    st = _station(tmp_path, root, issuer)
    scan = make_pass(issuer, subject=_from("Phường Hoàn Kiếm"))
    assert st.decide(scan)[0].display is Display.ACCEPT and st.decide(scan)[0].policy is None
    st.install_policy_bundle(bundle(root, version=2))
    d = st.decide(scan)[0]
    assert d.display is Display.REJECT and d.policy is not None and d.policy.version == 2
    with pytest.raises(ListRollbackError):
        st.install_policy_bundle(bundle(root, version=1, rule_list=[PolicyRule("4", "*", "admit")]))
    with pytest.raises(ListExpiredError):
        st.install_policy_bundle(bundle(root, version=3, issued=NOW - timedelta(days=8)))
    with pytest.raises(ListFromFutureError):
        st.install_policy_bundle(bundle(root, version=4, issued=NOW + timedelta(days=2)))
    assert st.policy.bundle is not None and st.policy.bundle.version == 2
    assert st.decide(scan)[0].display is Display.REJECT


def test_expired_bundle_stays_stale_and_an_old_copy_is_refused_after_restart(
    tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey
) -> None:
    st = _station(tmp_path, root, issuer)
    st.install_policy_bundle(bundle(root, version=2, rule_list=[PolicyRule("1", "*", "admit")]))
    later = _station(tmp_path, root, issuer, at=NOW + timedelta(days=30))  # a restart, a month offline
    d = later.decide(make_pass(issuer, at=NOW + timedelta(days=30), subject=_from("Phường Ba Đình")))[0]
    assert d.policy is not None and d.policy.version == 2 and Flag.LISTS_STALE in d.flags and d.display is Display.CHECK
    # an older copy put in place by hand is refused across a restart; the missing bundle flags every verdict
    (tmp_path / "data" / "trust" / POLICY_FILE).write_bytes(bundle(root, version=1))
    again = _station(tmp_path, root, issuer)
    assert again.policy.bundle is None and again.policy.stale(NOW)
    assert any("older than v2" in p.message for p in again.problems)
    d = again.decide(make_pass(issuer, subject=_from("Phường Ba Đình")))[0]
    assert Flag.LISTS_STALE in d.flags


def test_a_bundle_installed_by_another_process_takes_effect_without_a_restart(
    tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey
) -> None:
    st = _station(tmp_path, root, issuer)
    scan = make_pass(issuer, subject=_from("00070"))
    assert st.decide(scan)[0].accepted
    other = _station(tmp_path, root, issuer)  # e.g. `checkpoint policy install` while the app runs
    other.install_policy_bundle(bundle(root, version=5))
    st.refresh(force=True)
    assert not st.decide(scan)[0].accepted and st.policy.bundle is not None and st.policy.bundle.version == 5
    os.utime(tmp_path / "data" / "trust" / POLICY_FILE)


def test_notices_are_carried_with_their_validity(root: keys.PrivateKey) -> None:
    n = Notice("n1", "urgent", "Tạm dừng qua chốt từ 18h", "Crossing closed from 18:00", T0, T0 + timedelta(days=1))
    b = load_policy_bundle(bundle(root, notices=(n,)), [root.public_key()], NOW)
    assert b.active_notices(NOW) == (n,) and b.active_notices(T0 + timedelta(days=2)) == ()


# -- reports and exports count by origin level and rule ---------------------------------------------------------
def test_report_and_jsonl_export_count_by_origin_level_and_rule(
    tmp_path: Path, root: Key, issuer: Key, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from checkpoint.cli import main
    from checkpoint.log import open_station_log
    from checkpoint.service import Outcome, Post, StationService

    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\nid = "ST-R"\ndata_dir = "{tmp_path / "data"}"\n'
                   f'[trust]\nroot_keys = ["{tmp_path / "root.pub.pem"}"]\n[export]\ntimezone = "UTC"\n')
    from checkpoint.config import load_config
    config = load_config(cfg)
    clock = FixedClock(NOW)
    station = Station(config, clock)
    service = StationService(station, open_station_log(config, clock, None))
    try:
        station.install_trust_list(trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI")))
        service.check(make_pass(issuer, subject=_from("Ba Đình")), Post("CB01", "1", "in"))  # before any bundle
        station.install_policy_bundle(bundle(root))
        for origin in ("Phường Hoàn Kiếm", "00070", "Phường Ba Đình", "Atlantis"):
            out = service.check(make_pass(issuer, subject=_from(origin)), Post("CB01", "1", "in"))
            assert isinstance(out, Outcome) and out.crossing is not None
    finally:
        service.close()
    assert main(["report", "--config", str(cfg), "--day", "2021-07-24", "--at", NOW.isoformat(),
                 "--language", "en"]) == 0
    text = capsys.readouterr().out
    by_level = text[text.index("By origin risk level"):text.index("By rule applied")]
    assert [line.split()[-1] for line in by_level.splitlines()[1:] if line.strip()] == ["1", "2", "1", "1"]
    assert "Level 1" in by_level and "Level 4" in by_level and "Origin unknown" in by_level and "No policy" in by_level
    assert "L4:*:test72" in text and "unknown:*:admit" in text
    out_file = tmp_path / "x.jsonl"
    assert main(["export", "--config", str(cfg), "--day", "2021-07-24", "--at", NOW.isoformat(),
                 "--format", "jsonl", "--out", str(out_file)]) == 0
    docs = [json.loads(line) for line in out_file.read_text().splitlines() if line.startswith("{")]
    rows = [(d["origin_level"], d["policy_rule"], d["policy_version"]) for d in docs if "seq" in d]
    assert rows == [(None, None, None), ("4", "L4:*:test72", 1), ("4", "L4:*:test72", 1), ("1", "L1:*:admit", 1),
                    ("unknown", "unknown:*:admit", 1)]
    # lane figures: CSV (and XLSX, the same columns) carry the level and the rule too, after the vehicle's columns
    import csv

    csv_file = tmp_path / "x.csv"
    assert main(["export", "--config", str(cfg), "--day", "2021-07-24", "--at", NOW.isoformat(),
                 "--format", "csv", "--language", "en", "--out", str(csv_file)]) == 0
    with open(csv_file, encoding="utf-8-sig", newline="") as f:
        header, *table = list(csv.reader(f))
    assert header[-5:] == ["Vehicle id", "Role in vehicle", "Origin risk level", "Rule applied", "Disposition"]
    assert [tuple(r[-3:-1]) for r in table] == [("", ""), ("4", "L4:*:test72"), ("4", "L4:*:test72"),
                                                ("1", "L1:*:admit"), ("Origin unknown", "unknown:*:admit")]


def test_a_manual_entry_is_judged_by_its_declared_origin_without_refusing_its_papers(
    tmp_path: Path, root: Key, issuer: Key
) -> None:
    # The officer declares for someone with no pass: the declared origin selects the level and the rule, shown
    # and recorded like a pass's; the papers (a test, a vaccination card) are the officer's to check, so a
    # manual entry stays CHECK, never an automatic REJECT for a test the station cannot see.
    from checkpoint.log import open_station_log
    from checkpoint.service import ManualForm, Post, StationService

    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = parse_config({"station": {"id": "ST-M", "data_dir": str(tmp_path / "data")},
                        "trust": {"root_keys": ["root.pub.pem"]}}, str(tmp_path / "station.toml"))
    clock = FixedClock(NOW)
    station = Station(cfg, clock)
    service = StationService(station, open_station_log(cfg, clock, None))
    form = ManualForm("Nguyễn Văn An", "001090001234", "1990", origin="Phường Hoàn Kiếm")
    try:
        before = service.manual(form, Post("CB01", "1", "in"), "declared by the officer")
        assert before.decision.policy is None and before.crossing is not None and before.crossing.origin_level is None
        station.install_policy_bundle(bundle(root))
        out = service.manual(form, Post("CB01", "1", "in"), "declared by the officer")
        assert out.decision.display is Display.CHECK and out.decision.policy is not None
        assert out.decision.policy.level == "4" and out.decision.policy.grounds.why is Why.POLICY_TEST_NEEDED
        assert "72" in Texts("en").why(out.decision.policy.grounds)
        assert out.crossing is not None and out.crossing.origin_level == "4"
        assert out.crossing.policy_rule == out.decision.policy.rule and out.crossing.policy_version == 1
        nowhere = service.manual(ManualForm("Trần Thị B", "001090005678", "1991", origin="Atlantis"),
                                 Post("CB01", "1", "in"), "declared by the officer")
        assert nowhere.decision.policy is not None and nowhere.decision.policy.level == "unknown"
    finally:
        service.close()
