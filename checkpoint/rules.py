"""The checkpoint's own rules: what a verified, valid pass must also satisfy here.

Each rule has a name (recorded on the crossing as "rules applied") and refuses with plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from checkpoint import hc_rules
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

    @property
    def clock_skew(self) -> timedelta:
        return timedelta(seconds=self.clock_skew_seconds)

    @property
    def max_validity(self) -> timedelta:
        return timedelta(days=self.max_validity_days)


@dataclass(frozen=True)
class RuleOutcome:
    ok: bool
    applied: tuple[str, ...]
    rule: str | None = None
    detail: str = ""  # refused: why; accepted: what satisfied the rules, when worth showing


def evaluate(p: Pass, rules: Rules, now: datetime) -> RuleOutcome:
    """A pass with a health certificate gets the health-certificate rules; a CP1 pass the rules below."""
    if p.certificate is not None:
        o = hc_rules.evaluate(p.certificate, rules.health, now, rules.clock_skew, issued=p.issued_at,
                              expires=p.expires)
        return RuleOutcome(o.ok, o.applied, o.rule, o.detail)
    applied: list[str] = ["category"]
    if p.subject.category not in rules.categories:
        detail = f"category '{p.subject.category}' is not admitted at this checkpoint"
        return RuleOutcome(False, tuple(applied), "category", detail)
    if rules.refuse_symptoms:
        applied.append("symptoms")
        if p.health.symptoms:
            detail = "symptoms declared: send to the medical desk"
            return RuleOutcome(False, tuple(applied), "symptoms", detail)
    test = p.health.test
    if rules.refuse_positive_test:
        applied.append("positive_test")
        if test is not None and test.result != "negative":
            return RuleOutcome(False, tuple(applied), "positive_test", f"test result is '{test.result}'")
    if rules.max_test_age_hours > 0 and p.subject.category not in rules.test_exempt_categories:
        applied.append("test_age")
        if test is None:
            return RuleOutcome(
                False, tuple(applied), "test_age",
                f"a negative test no older than {rules.max_test_age_hours} h is required; the pass has none",
            )
        problem = hc_rules.test_age_problem(test.sampled_at, now, rules.max_test_age_hours, rules.clock_skew)
        if problem:
            return RuleOutcome(False, tuple(applied), "test_age", problem)
    return RuleOutcome(True, tuple(applied))
