"""Applying the centre's policy at the station, offline: a pure function of the bundle's content, the
decision the verifier made for a pass, and the time.

The pass's origin (a unit code or a place name, :meth:`UnitTable.resolve`) selects the risk level (the
unit's own, else its province's); the level and the pass's category select the rule; the rule's action
decides:

- ``admit``: the decision stands;
- ``test``: a negative test sampled at most ``max_hours`` ago is needed, else REJECT (RULE_FAILED);
- ``vaccination``: a vaccination (a CP1 pass's doses, a certificate's vaccination entry), else REJECT;
- ``medical`` / ``quarantine``: admitted as CHECK (flag ``policy_referral``) with the instruction.

An origin that matches no unit, a unit without a level, or a pass without an origin take the rules of
level ``unknown`` (their own configurable outcome). A refused pass keeps its refusal; the level and rule
are still recorded. Every outcome carries a :class:`~checkpoint.decision.PolicyMark` with typed grounds
("from Phường X, level 4: a negative test of at most 72 h is needed"). The place named is the unit's
name from the bundle (public data), never the pass's own text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from checkpoint import hc_rules
from checkpoint.decision import Decision, Flag, Grounds, PolicyMark, Reason, Verdict, Why
from checkpoint.model import Pass
from checkpoint.policy._bundle import ANY_CATEGORY, UNKNOWN, PolicyBundle, PolicyRule, version_below
from checkpoint.words import english

UNKNOWN_PLACE = "?"
RULE_OUTDATED = "policy_version"


def origin_level(bundle: PolicyBundle, origin: str | None) -> tuple[str, str]:
    """The origin's (level, place name): ``("unknown", "?")`` when it matches no unit with a level."""
    unit = bundle.units.resolve(origin).unit
    if unit is None:
        return UNKNOWN, UNKNOWN_PLACE
    level = bundle.levels.get(unit.code)
    if level is None:
        level = bundle.levels.get(bundle.units.province_of(unit).code)
    return (str(level), unit.name) if level is not None else (UNKNOWN, unit.name)


def apply_policy(bundle: PolicyBundle | None, decision: Decision, now: datetime, *, running_version: str,
                 skew: timedelta = timedelta(minutes=5)) -> Decision:
    """The decision under ``bundle`` at ``now`` (unchanged without a bundle)."""
    if bundle is None:
        return decision
    if (decision.accepted and bundle.min_station_version is not None and bundle.below_min == "refuse"
            and version_below(running_version, bundle.min_station_version)):
        outdated = Grounds.of(Why.POLICY_STATION_OUTDATED, version=running_version,
                              minimum=bundle.min_station_version)
        mark = PolicyMark(bundle.version, UNKNOWN, RULE_OUTDATED, outdated)
        return _refuse(decision, outdated, RULE_OUTDATED, mark)
    p = decision.pass_
    if p is None:
        return decision
    level, place = origin_level(bundle, p.subject.origin)
    rule = bundle.rule_for(level, p.subject.category) or PolicyRule(level, "*", "admit")
    grounds = _grounds(rule, place, p, now, skew)
    mark = PolicyMark(bundle.version, level, rule.name, grounds)
    if not decision.accepted:
        return replace(decision, policy=mark)
    if grounds.why in (Why.POLICY_TEST_NEEDED, Why.POLICY_VACCINATION_NEEDED):
        return _refuse(decision, grounds, f"policy_{rule.action}", mark)
    out = replace(decision, policy=mark, rules_applied=(*decision.rules_applied, "policy"))
    return out.with_flag(Flag.POLICY_REFERRAL) if rule.action in ("medical", "quarantine") else out


def apply_policy_declared(bundle: PolicyBundle | None, decision: Decision, origin: str | None) -> Decision:
    """A manual entry (the officer declares for someone without a pass) under ``bundle``: the declared origin
    selects the level and the rule, shown to the officer and recorded like a pass's. Nothing is refused
    automatically: the person's test or vaccination papers are checked by the officer (a manual entry is CHECK
    already), and the grounds say what is needed ("from Phường X, level 4: a negative test of at most 72 h is
    needed"); a referral to the medical desk or to quarantine is flagged as for a pass."""
    if bundle is None:
        return decision
    level, place = origin_level(bundle, origin)
    rule = bundle.rule_for(level, ANY_CATEGORY) or PolicyRule(level, ANY_CATEGORY, "admit")
    shown_level = rule.level if rule.level != UNKNOWN else UNKNOWN_PLACE
    if rule.action == "test":
        grounds = Grounds.of(Why.POLICY_TEST_NEEDED, place=place, level=shown_level, max_hours=rule.max_hours)
    elif rule.action == "vaccination":
        grounds = Grounds.of(Why.POLICY_VACCINATION_NEEDED, place=place, level=shown_level)
    else:
        why = {"medical": Why.POLICY_MEDICAL, "quarantine": Why.POLICY_QUARANTINE}.get(rule.action, Why.POLICY_ADMIT)
        grounds = Grounds.of(why, place=place, level=shown_level)
    out = replace(decision, policy=PolicyMark(bundle.version, level, rule.name, grounds),
                  rules_applied=(*decision.rules_applied, "policy"))
    return out.with_flag(Flag.POLICY_REFERRAL) if rule.action in ("medical", "quarantine") else out


def _refuse(decision: Decision, grounds: Grounds, rule: str, mark: PolicyMark) -> Decision:
    return replace(decision, verdict=Verdict.REJECT, reason=Reason.RULE_FAILED, detail=english(grounds),
                   grounds=grounds, rule=rule, rules_applied=(*decision.rules_applied, "policy"), policy=mark)


def _grounds(rule: PolicyRule, place: str, p: Pass, now: datetime, skew: timedelta) -> Grounds:
    level = rule.level if rule.level != UNKNOWN else UNKNOWN_PLACE
    if rule.action == "test":
        hours = _negative_test_hours(p, now, rule.max_hours, skew)
        if hours is None:
            return Grounds.of(Why.POLICY_TEST_NEEDED, place=place, level=level, max_hours=rule.max_hours)
        return Grounds.of(Why.POLICY_TEST_OK, place=place, level=level, hours=hours, max_hours=rule.max_hours)
    if rule.action == "vaccination":
        why = Why.POLICY_VACCINATED if _vaccinated(p) else Why.POLICY_VACCINATION_NEEDED
        return Grounds.of(why, place=place, level=level)
    why = {"medical": Why.POLICY_MEDICAL, "quarantine": Why.POLICY_QUARANTINE}.get(rule.action, Why.POLICY_ADMIT)
    return Grounds.of(why, place=place, level=level)


def _negative_test_hours(p: Pass, now: datetime, max_hours: int, skew: timedelta) -> int | None:
    """The age in hours of the pass's youngest negative test within ``max_hours``, or None."""
    sampled = []
    if p.health.test is not None and p.health.test.result == "negative":
        sampled.append(p.health.test.sampled_at)
    if p.certificate is not None:
        sampled += [t.sampled_at for t in p.certificate.tests if t.negative]
    ages = [int((now - at).total_seconds() // 3600) for at in sampled
            if hc_rules.test_age_problem(at, now, max_hours, skew) is None]
    return max(min(ages), 0) if ages else None


def _vaccinated(p: Pass) -> bool:
    return bool(p.health.vaccine_doses) or (p.certificate is not None and bool(p.certificate.vaccinations))


def policy_fields(decision: Decision) -> dict[str, str | int | None]:
    """The crossing's extension fields for the policy applied (all None without a bundle: the crossing then
    hashes and travels as before these fields existed)."""
    mark = decision.policy
    if mark is None:
        return {"origin_level": None, "policy_rule": None, "policy_version": None}
    return {"origin_level": mark.level, "policy_rule": mark.rule, "policy_version": mark.version}
