"""The checkpoint's rules for health certificates (HC1, SHC): which vaccination, test or recovery admits.

A certificate is admitted when one of its entries satisfies the rule for its kind, judged at the
injected time; the decision then says which entry did (shown to the officer). Otherwise the first
entry's refusal is the reason: typed grounds with their values (the dose and the series, the test's
age and the limit, the EU rule's id), with the rule's name. Settings come from the station
config's ``[health_certificates]`` table (read by :func:`checkpoint.config.health_rules_from`); the
defaults are below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from checkpoint import eu_rules
from checkpoint.decision import Grounds, RuleOutcome, Why
from checkpoint.eu_rules import EuRule
from checkpoint.model import HealthCertificate, HealthTest, Recovery, Vaccination

COVID_19 = "840539006"  # SNOMED CT
TEST_TYPES = {"LP6464-4": "NAAT (PCR)", "LP217198-3": "rapid antigen"}
TABLE = "health_certificates"


@dataclass(frozen=True)
class HealthRules:
    """What admits a health certificate here. 0 in a ``max`` setting means no limit."""

    disease: str = COVID_19  # entries for another disease admit nothing
    accept_vaccination: bool = True
    vaccination_min_days: int = 14  # days since the dose that completed the series
    vaccination_max_days: int = 0
    require_complete_series: bool = True  # dose number >= doses in the series (2/2, 1/1, 3/3 ...)
    doses_when_series_unknown: int = 2  # SMART Health Cards do not state the series length
    accept_test: bool = True
    test_max_hours: int = 72  # a negative test, sampled no longer ago than this
    test_types: frozenset[str] = frozenset(TEST_TYPES)
    accept_recovery: bool = True
    recovery_max_days: int = 180  # days since the first positive test
    recovery_min_days: int = 11  # a recovery certificate is valid from day 11 (EU rule)
    accept_attestations: bool = True  # passes that attest status without entries (NZ COVID Pass)
    # EU business rules (CertLogic) applied to HC1 certificates as well, and the value sets they read.
    eu_rules: tuple[EuRule, ...] = ()
    value_sets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    country: str = "VN"  # the country code the EU rules see as the checkpoint's (external.countryCode)


def evaluate(
    cert: HealthCertificate,
    rules: HealthRules,
    now: datetime,
    skew: timedelta,
    *,
    issued: datetime | None = None,
    expires: datetime | None = None,
) -> RuleOutcome:
    outcome = _checkpoint_rules(cert, rules, now, skew)
    if not outcome.ok or not rules.eu_rules:
        return outcome
    failed = eu_rules.failing_rule(
        rules.eu_rules, rules.value_sets, cert, now=now, country=rules.country, issued=issued, expires=expires
    )
    applied = (*outcome.applied, "eu_business_rules")
    if failed is not None:
        grounds = Grounds.of(Why.EU_RULE_FAILED, rule_id=failed.identifier, description=failed.description)
        return RuleOutcome(False, applied, f"eu:{failed.identifier}", grounds)
    return RuleOutcome(True, applied, None, outcome.grounds)


def _checkpoint_rules(cert: HealthCertificate, rules: HealthRules, now: datetime, skew: timedelta) -> RuleOutcome:
    if cert.attestation is not None and not cert.entries:
        if rules.accept_attestations:
            return RuleOutcome(True, ("hc_attestation",), None, Grounds.of(Why.ATTESTED, attestation=cert.attestation))
        return RuleOutcome(False, ("hc_attestation",), "hc_attestation", Grounds(Why.ATTESTATION_REFUSED))
    if not cert.entries:
        return RuleOutcome(False, ("hc_content",), "hc_content", Grounds(Why.NO_ENTRIES))
    applied: list[str] = []
    first_refusal: tuple[str, Grounds] | None = None
    for entry in _latest_first(cert):
        rule, refusal, satisfied = _judge(entry, rules, now, skew)
        if rule not in applied:
            applied.append(rule)
        if refusal is None:
            return RuleOutcome(True, tuple(applied), None, satisfied)
        first_refusal = first_refusal or (rule, refusal)
    assert first_refusal is not None  # a certificate has at least one entry
    return RuleOutcome(False, tuple(applied), first_refusal[0], first_refusal[1])


def _latest_first(cert: HealthCertificate) -> list[Vaccination | HealthTest | Recovery]:
    """Entries in the order they are judged: latest vaccination, latest test, latest recovery first."""
    return [
        *sorted(cert.vaccinations, key=lambda v: v.date, reverse=True),
        *sorted(cert.tests, key=lambda t: t.sampled_at, reverse=True),
        *sorted(cert.recoveries, key=lambda r: r.first_positive, reverse=True),
    ]


def _judge(
    entry: Vaccination | HealthTest | Recovery, rules: HealthRules, now: datetime, skew: timedelta
) -> tuple[str, Grounds | None, Grounds]:
    """(rule name, refusal or None, what was satisfied)."""
    if isinstance(entry, Vaccination):
        return "hc_vaccination", _vaccination(entry, rules, now.date()), _describe_vaccination(entry)
    if isinstance(entry, HealthTest):
        return "hc_test", _test(entry, rules, now, skew), _describe_test(entry, now)
    satisfied = Grounds.of(Why.RECOVERED, first_positive=entry.first_positive)
    return "hc_recovery", _recovery(entry, rules, now.date()), satisfied


def _admitted(accepted: bool, kind: str, disease: str, rules: HealthRules) -> Grounds | None:
    """Why no entry of this kind or disease can admit here, or None."""
    if not accepted:
        return Grounds.of(Why.KIND_NOT_ADMITTED, kind=kind)
    if disease != rules.disease:
        return Grounds.of(Why.WRONG_DISEASE, disease=disease, admitted=rules.disease)
    return None


def _days(too_recent: Why, too_old: Why, days: int, minimum: int, maximum: int) -> Grounds | None:
    """Outside the window of days (``maximum`` 0: no upper limit), with the days and the limit, or None."""
    if days < minimum:
        return Grounds.of(too_recent, days=days, min_days=minimum)
    if maximum and days > maximum:
        return Grounds.of(too_old, days=days, max_days=maximum)
    return None


def _vaccination(v: Vaccination, rules: HealthRules, today: date) -> Grounds | None:
    refusal = _admitted(rules.accept_vaccination, "vaccination", v.disease, rules)
    if refusal:
        return refusal
    total = v.doses_total or rules.doses_when_series_unknown
    if rules.require_complete_series and v.dose < total:
        return Grounds.of(Why.SERIES_INCOMPLETE, dose=v.dose, total=total)
    return _days(Why.DOSE_TOO_RECENT, Why.DOSE_TOO_OLD, (today - v.date).days, rules.vaccination_min_days,
                 rules.vaccination_max_days)


def _test(t: HealthTest, rules: HealthRules, now: datetime, skew: timedelta) -> Grounds | None:
    refusal = _admitted(rules.accept_test, "test", t.disease, rules)
    if refusal:
        return refusal
    if not t.negative:
        return Grounds(Why.TEST_NOT_NEGATIVE)
    if t.test_type not in rules.test_types:
        return Grounds.of(Why.TEST_TYPE_NOT_ADMITTED, test_type=t.test_type)
    return test_age_problem(t.sampled_at, now, rules.test_max_hours, skew)


def test_age_problem(sampled_at: datetime, now: datetime, max_hours: int, skew: timedelta) -> Grounds | None:
    """A test sampled in the future, or longer ago than ``max_hours`` (0: no limit), with its age, or None."""
    if sampled_at > now + skew:
        return Grounds(Why.TEST_IN_FUTURE)
    age = now - sampled_at
    if max_hours and age > timedelta(hours=max_hours):
        return Grounds.of(Why.TEST_TOO_OLD, hours=int(age.total_seconds() // 3600), max_hours=max_hours)
    return None


def _recovery(r: Recovery, rules: HealthRules, today: date) -> Grounds | None:
    refusal = _admitted(rules.accept_recovery, "recovery", r.disease, rules)
    if refusal:
        return refusal
    days = (today - r.first_positive).days
    return _days(Why.RECOVERY_TOO_RECENT, Why.RECOVERY_TOO_OLD, days, rules.recovery_min_days,
                 rules.recovery_max_days)


def _describe_vaccination(v: Vaccination) -> Grounds:
    if v.doses_total:
        return Grounds.of(Why.VACCINATED_SERIES, dose=v.dose, total=v.doses_total, product=v.product, date=v.date)
    return Grounds.of(Why.VACCINATED, dose=v.dose, product=v.product, date=v.date)


def _describe_test(t: HealthTest, now: datetime) -> Grounds:
    hours = max(0, int((now - t.sampled_at).total_seconds() // 3600))
    return Grounds.of(Why.TESTED, test_type=TEST_TYPES.get(t.test_type, t.test_type), hours=hours)
