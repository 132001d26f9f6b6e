"""Health-certificate rules: settings from the config table, and the rule table itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from checkpoint.config import parse_config
from checkpoint.errors import ConfigError
from checkpoint.hc_rules import HealthRules, evaluate
from checkpoint.model import HealthCertificate, HealthTest, Recovery, Vaccination

NOW = datetime(2022, 6, 1, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def cert(*entries: Vaccination | HealthTest | Recovery) -> HealthCertificate:
    return HealthCertificate(
        family_name="Nguyễn", given_name="Văn An", family_name_icao="NGUYEN", given_name_icao="VAN<AN",
        birth_date="1990-01-02",
        vaccinations=tuple(e for e in entries if isinstance(e, Vaccination)),
        tests=tuple(e for e in entries if isinstance(e, HealthTest)),
        recoveries=tuple(e for e in entries if isinstance(e, Recovery)),
    )


def vac(dose: int, total: int, days_ago: int) -> Vaccination:
    return Vaccination("840539006", "1119349007", "EU/1/20/1528", "ORG-100030215", dose, total,
                       NOW.date() - timedelta(days=days_ago), "VN", "Bộ Y tế", "URN:UVCI:01:VN:1")


def sample(hours_ago: float, negative: bool = True, kind: str = "LP6464-4") -> HealthTest:
    sampled = NOW - timedelta(hours=hours_ago)
    return HealthTest("840539006", kind, sampled, negative, "VN", "BYT", "URN:UVCI:2")


def rec(days_ago: int) -> Recovery:
    fr = NOW.date() - timedelta(days=days_ago)
    return Recovery("840539006", fr, fr, fr + timedelta(days=180), "VN", "BYT", "URN:UVCI:3")


R = HealthRules()


def test_full_vaccination_14_days() -> None:
    assert evaluate(cert(vac(2, 2, 14)), R, NOW, SKEW).ok
    o = evaluate(cert(vac(2, 2, 13)), R, NOW, SKEW)
    assert not o.ok and o.rule == "hc_vaccination" and "13 days ago" in o.detail
    assert not evaluate(cert(vac(1, 2, 100)), R, NOW, SKEW).ok
    assert evaluate(cert(vac(1, 2, 100)), HealthRules(require_complete_series=False), NOW, SKEW).ok
    assert not evaluate(cert(vac(3, 3, 400)), HealthRules(vaccination_max_days=270), NOW, SKEW).ok


def test_negative_test_72_hours() -> None:
    o = evaluate(cert(sample(71)), R, NOW, SKEW)
    assert o.ok and o.detail == "negative NAAT (PCR) test sampled 71 h ago"
    assert evaluate(cert(sample(73)), R, NOW, SKEW).rule == "hc_test"
    assert "not negative" in evaluate(cert(sample(1, negative=False)), R, NOW, SKEW).detail
    assert "future" in evaluate(cert(sample(-1)), R, NOW, SKEW).detail
    assert not evaluate(cert(sample(1, kind="other")), R, NOW, SKEW).ok


def test_recovery_180_days() -> None:
    assert evaluate(cert(rec(180)), R, NOW, SKEW).ok
    assert not evaluate(cert(rec(181)), R, NOW, SKEW).ok
    assert not evaluate(cert(rec(5)), R, NOW, SKEW).ok


def test_any_satisfying_entry_admits_and_is_named() -> None:
    o = evaluate(cert(vac(1, 2, 100), sample(2)), R, NOW, SKEW)
    assert o.ok and "test" in o.detail and o.applied == ("hc_vaccination", "hc_test")


def test_kinds_can_be_switched_off() -> None:
    o = evaluate(cert(sample(2)), HealthRules(accept_test=False), NOW, SKEW)
    assert not o.ok and "not admitted" in o.detail


def test_other_disease_admits_nothing() -> None:
    v = vac(2, 2, 30)
    other = Vaccination("123", v.vaccine, v.product, v.manufacturer, 2, 2, v.date, "VN", "BYT", "x")
    assert "disease 123" in evaluate(cert(other), R, NOW, SKEW).detail


def test_unknown_series_length_counts_doses() -> None:
    v = vac(2, 0, 30)
    assert evaluate(cert(v), R, NOW, SKEW).ok
    assert not evaluate(cert(vac(1, 0, 30)), R, NOW, SKEW).ok
    expected = f"vaccination dose 2 (EU/1/20/1528) on {date(2022, 5, 2)}"
    assert evaluate(cert(v), R, NOW, SKEW).detail == expected


def from_table(table: dict[str, object], path: str) -> HealthRules:
    return parse_config({"health_certificates": table}, path).rules.health


def test_from_table_defaults_and_values() -> None:
    assert from_table({}, "station.toml") == HealthRules()
    table = {"test_max_hours": 48, "accept_recovery": False, "test_types": ["LP6464-4"]}
    r = from_table(table, "s.toml")
    assert r.test_max_hours == 48 and not r.accept_recovery and r.test_types == frozenset({"LP6464-4"})


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"test_max_hours": -1}, "test_max_hours"),
        ({"test_max_hours": "72"}, "test_max_hours"),
        ({"accept_test": 1}, "accept_test"),
        ({"test_types": "LP6464-4"}, "test_types"),
        ({"disease": ""}, "disease"),
        ({"max_test_hours": 1}, "max_test_hours"),
    ],
)
def test_from_table_names_the_bad_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as e:
        from_table(table, "station.toml")
    assert e.value.key == f"health_certificates.{key}" and "station.toml" in str(e.value)
