"""The checkpoint's own rules: what a verified, valid pass must also satisfy here.

Each rule has a name (recorded on the crossing as "rules applied") and refuses with typed grounds
(:class:`checkpoint.decision.Grounds`: which check, with its values). ``RuleOutcome`` is the one
outcome type of these rules and the health-certificate rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from checkpoint import hc_rules
from checkpoint.decision import Grounds, RuleOutcome, Why
from checkpoint.hc_rules import HealthRules
from checkpoint.model import CATEGORIES, Pass


@dataclass(frozen=True)
class Rules:
    """Defaults are documented in ``config/station.example.toml``."""

    categories: frozenset[str] = frozenset(CATEGORIES)  # categories admitted
    max_test_age_hours: int = 0  # 0: no test required; else a negative test no older than this
    test_exempt_categories: frozenset[str] = frozenset({"emergency"})
    refuse_symptoms: bool = True
    refuse_positive_test: bool = True
    clock_skew_seconds: int = 300  # tolerance for issuer clocks ahead (nbf) and the clock guard
    max_validity_days: int = 30  # a CP1 pass valid for longer (exp - nbf) is refused: VALIDITY_TOO_LONG
    health: HealthRules = field(default_factory=HealthRules)  # for health certificates (HC1, SHC, NZCP)
    # The driver of a freight vehicle is judged by these instead (``[rules.freight_driver]``), None: as anyone
    freight_driver: Rules | None = None

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew_seconds)

    @property
    def max_validity(self) -> timedelta:
        return timedelta(days=self.max_validity_days)


def evaluate(p: Pass, rules: Rules, now: datetime) -> RuleOutcome:
    """A pass with a health certificate gets the health-certificate rules; a CP1 pass the rules below."""
    if p.certificate is not None:
        return hc_rules.evaluate(p.certificate, rules.health, now, rules.clock_skew, issued=p.issued_at,
                                 expires=p.expires)
    applied: list[str] = ["category"]
    if p.subject.category not in rules.categories:
        return RuleOutcome(False, tuple(applied), "category", Grounds.of(Why.CATEGORY, category=p.subject.category))
    if rules.refuse_symptoms:
        applied.append("symptoms")
        if p.health.symptoms:
            return RuleOutcome(False, tuple(applied), "symptoms", Grounds(Why.SYMPTOMS))
    test = p.health.test
    if rules.refuse_positive_test:
        applied.append("positive_test")
        if test is not None and test.result != "negative":
            positive = Grounds.of(Why.POSITIVE_TEST, result=test.result)
            return RuleOutcome(False, tuple(applied), "positive_test", positive)
    if rules.max_test_age_hours > 0 and p.subject.category not in rules.test_exempt_categories:
        applied.append("test_age")
        if test is None:
            missing = Grounds.of(Why.TEST_MISSING, max_hours=rules.max_test_age_hours)
            return RuleOutcome(False, tuple(applied), "test_age", missing)
        problem = hc_rules.test_age_problem(test.sampled_at, now, rules.max_test_age_hours, rules.clock_skew)
        if problem:
            return RuleOutcome(False, tuple(applied), "test_age", problem)
    return RuleOutcome(True, tuple(applied))
