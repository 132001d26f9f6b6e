"""The signed policy bundle: origin risk levels, the rule per level and category, the minimum station
software version and notices, from the centre (format: docs/policy.md).

The bundle travels in the signed lists' envelope (:mod:`checkpoint.trust._signed`): a COSE_Sign1 by a
pinned root key, ``type: "cp1-policy-bundle"``, growing ``version``, ``issued`` and ``expires``. Nothing in
the payload is read before the signature verified; every field is then checked, so a bundle that loads is
one the pure :func:`checkpoint.policy.apply_policy` can use without further checks. Pure: no files, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from checkpoint.errors import ListFormatError
from checkpoint.model import CATEGORIES
from checkpoint.policy._units import UnitTable
from checkpoint.trust import keys, open_list, sign_list, ts

DOC_TYPE = "cp1-policy-bundle"
WHAT = "policy bundle"

#: What a rule tells the officer to do with a person from a unit of a level.
ACTIONS = ("admit", "test", "vaccination", "medical", "quarantine")
#: The level key of the rule for an origin that matches no unit (or a pass without an origin).
UNKNOWN = "unknown"
ANY_CATEGORY = "*"
SEVERITIES = ("info", "warning", "urgent")
BELOW_MIN = ("warn", "refuse")
MAX_LEVEL = 9
MAX_NOTICES = 100
MAX_NOTICE_TEXT = 2000
MAX_HOURS = 24 * 30


@dataclass(frozen=True)
class PolicyRule:
    """What to do with a person from a unit of ``level`` (``"unknown"``: no unit matched) of ``category``
    (``"*"``: any category without a rule of its own)."""

    level: str  # "1".."9" or "unknown"
    category: str
    action: str  # one of ACTIONS
    max_hours: int = 0  # action "test": the negative test's greatest age

    @property
    def name(self) -> str:
        """The rule as a crossing records it: ``L4:worker:test72`` (level, category, action)."""
        action = f"test{self.max_hours}" if self.action == "test" else self.action
        level = f"L{self.level}" if self.level != UNKNOWN else UNKNOWN
        return f"{level}:{self.category}:{action}"


@dataclass(frozen=True)
class Notice:
    id: str
    severity: str  # info / warning / urgent
    vi: str
    en: str
    valid_from: datetime
    valid_until: datetime

    def active(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_until


@dataclass(frozen=True)
class PolicyBundle:
    version: int
    issued: datetime
    expires: datetime
    units: UnitTable
    levels: Mapping[str, int]  # unit code -> risk level (a ward without one takes its province's)
    rules: Mapping[tuple[str, str], PolicyRule]  # (level, category) -> rule
    min_station_version: str | None = None
    below_min: str = "warn"  # what a station below min_station_version does: warn / refuse
    notices: tuple[Notice, ...] = ()
    raw: bytes = field(default=b"", repr=False)  # the exact signed bytes, to install as they came

    def expired(self, now: datetime) -> bool:
        return now >= self.expires

    def rule_for(self, level: str, category: str) -> PolicyRule | None:
        return self.rules.get((level, category)) or self.rules.get((level, ANY_CATEGORY))

    def active_notices(self, now: datetime) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.active(now))


def load_policy_bundle(
    data: bytes, roots: Sequence[keys.PublicKey], now: datetime | None, *, previous: PolicyBundle | None = None
) -> PolicyBundle:
    """Verify and parse a signed policy bundle; refuse a rollback against ``previous`` (``now`` None: no
    expiry check, as for the other lists' installed copies)."""
    opened = open_list(data, roots, DOC_TYPE, now, what=WHAT, previous=previous)
    doc, version = opened.doc, opened.version
    where = f"{WHAT} v{version}"
    units = UnitTable.from_payload(doc.get("units"), doc.get("renamed", {}), _text(doc, "units_edition", where),
                                   where)
    levels = _levels(doc.get("levels"), units, where)
    rules = _rules(doc.get("rules"), where)
    min_version = doc.get("min_station_version")
    if min_version is not None and (not isinstance(min_version, str) or _version_tuple(min_version) is None):
        raise ListFormatError(f"{where}: 'min_station_version' is not a version like '0.2.0'")
    below = doc.get("below_min", "warn")
    if below not in BELOW_MIN:
        raise ListFormatError(f"{where}: 'below_min' must be one of {', '.join(BELOW_MIN)}")
    notices = _notices(doc.get("notices", []), where)
    return PolicyBundle(version, opened.issued, opened.expires, units, levels, rules, min_version, below, notices,
                        data)


def _text(doc: Mapping[str, Any], name: str, where: str, max_chars: int = 200) -> str:
    v = doc.get(name)
    if not isinstance(v, str) or not v or len(v) > max_chars:
        raise ListFormatError(f"{where}: {name!r} is missing or not a text of at most {max_chars} characters")
    return v


def _levels(value: Any, units: UnitTable, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ListFormatError(f"{where}: 'levels' is missing or not a map of unit code to level")
    out: dict[str, int] = {}
    for code, level in value.items():
        if not isinstance(code, str) or code not in units:
            raise ListFormatError(f"{where}: level for {code!r}, which is not a unit of the bundle")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LEVEL:
            raise ListFormatError(f"{where}: the level of {code} is not a number from 1 to {MAX_LEVEL}")
        out[code] = level
    return out


def _rules(value: Any, where: str) -> dict[tuple[str, str], PolicyRule]:
    if not isinstance(value, list | tuple):
        raise ListFormatError(f"{where}: 'rules' is missing or not a list")
    out: dict[tuple[str, str], PolicyRule] = {}
    for i, r in enumerate(value):
        at = f"{where}: rule #{i}"
        if not isinstance(r, Mapping):
            raise ListFormatError(f"{at} is not a map")
        rule = make_rule(r.get("level"), r.get("category", ANY_CATEGORY), r.get("action"), r.get("max_hours", 0), at)
        if (rule.level, rule.category) in out:
            raise ListFormatError(f"{at}: a second rule for level {rule.level}, category {rule.category}")
        out[(rule.level, rule.category)] = rule
    return out


def make_rule(level: Any, category: Any, action: Any, max_hours: Any, at: str) -> PolicyRule:
    """One rule, checked (shared with the authoring tool, which names the file and line in ``at``)."""
    if isinstance(level, int) and not isinstance(level, bool):
        level = str(level)
    if not isinstance(level, str) or not (level == UNKNOWN or (level.isdigit() and 1 <= int(level) <= MAX_LEVEL)):
        raise ListFormatError(f"{at}: level must be 1 to {MAX_LEVEL} or '{UNKNOWN}', not {level!r}")
    if category != ANY_CATEGORY and category not in CATEGORIES:
        raise ListFormatError(f"{at}: category must be '*' or one of {', '.join(CATEGORIES)}, not {category!r}")
    if action not in ACTIONS:
        raise ListFormatError(f"{at}: action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not isinstance(max_hours, int) or isinstance(max_hours, bool) or not 0 <= max_hours <= MAX_HOURS:
        raise ListFormatError(f"{at}: max_hours must be a whole number of hours from 0 to {MAX_HOURS}")
    if action == "test" and max_hours == 0:
        raise ListFormatError(f"{at}: action 'test' needs max_hours (the test's greatest age, e.g. 72)")
    return PolicyRule(str(int(level)) if level != UNKNOWN else UNKNOWN, category, action,
                      max_hours if action == "test" else 0)


def _notices(value: Any, where: str) -> tuple[Notice, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_NOTICES:
        raise ListFormatError(f"{where}: 'notices' is not a list of at most {MAX_NOTICES}")
    out = []
    seen: set[str] = set()
    for i, n in enumerate(value):
        at = f"{where}: notice #{i}"
        if not isinstance(n, Mapping):
            raise ListFormatError(f"{at} is not a map")
        notice = Notice(_text(n, "id", at, 64), n.get("severity", "info"), _text(n, "vi", at, MAX_NOTICE_TEXT),
                        _text(n, "en", at, MAX_NOTICE_TEXT), ts(n.get("valid_from"), at, "valid_from"),
                        ts(n.get("valid_until"), at, "valid_until"))
        if notice.severity not in SEVERITIES:
            raise ListFormatError(f"{at}: severity must be one of {', '.join(SEVERITIES)}")
        if notice.valid_until <= notice.valid_from:
            raise ListFormatError(f"{at}: valid_until is not after valid_from")
        if notice.id in seen:
            raise ListFormatError(f"{at}: a second notice with id {notice.id!r}")
        seen.add(notice.id)
        out.append(notice)
    return tuple(out)


def _version_tuple(text: str) -> tuple[int, ...] | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def version_below(running: str, minimum: str) -> bool:
    """Whether the running software ``running`` is older than ``minimum`` (a pre-release suffix is ignored)."""
    head = running.split("+")[0].split("-")[0]
    mine, least = _version_tuple(head), _version_tuple(minimum)
    if mine is None or least is None:
        return True  # a version that cannot be compared fails closed: the bundle's rule applies
    width = max(len(mine), len(least))
    return mine + (0,) * (width - len(mine)) < least + (0,) * (width - len(least))


def build_policy_bundle(
    *,
    version: int,
    issued: datetime,
    expires: datetime,
    units: UnitTable,
    levels: Mapping[str, int],
    rules: Iterable[PolicyRule],
    root: keys.PrivateKey,
    min_station_version: str | None = None,
    below_min: str = "warn",
    notices: Iterable[Notice] = (),
) -> bytes:
    content: dict[str, Any] = {
        "units_edition": units.edition,
        "units": units.to_payload(),
        "renamed": dict(units.renamed),
        "levels": dict(levels),
        "rules": [{"level": r.level, "category": r.category, "action": r.action, "max_hours": r.max_hours}
                  for r in rules],
        "below_min": below_min,
        "notices": [{"id": n.id, "severity": n.severity, "vi": n.vi, "en": n.en,
                     "valid_from": int(n.valid_from.timestamp()), "valid_until": int(n.valid_until.timestamp())}
                    for n in notices],
    }
    if min_station_version is not None:
        content["min_station_version"] = min_station_version
    return sign_list(DOC_TYPE, content, version=version, issued=issued, expires=expires, root=root)
