"""EU DCC business rules (CertLogic), beside the checkpoint's own health-certificate rules.

The EU gateway publishes rules as JSON objects (``Identifier``, ``Type``, ``Country``,
``CertificateType``, ``ValidFrom``, ``ValidTo``, ``Description``, ``Logic``) and value sets (e.g. the
vaccine products recognised). A station may hold a copy of the rules it applies and the value sets
they read (``[health_certificates] eu_rules`` and ``value_sets``). A rule applies to an HC1
certificate when its CertificateType is ``General`` or the certificate's kind and it is in force at
the verification time; it passes when its logic evaluates to ``true`` on the data context the EU
specifies (``payload`` = the certificate, ``external`` = value sets, validation clock, country,
``iat``/``exp``). A rule whose evaluation fails counts as not passed (the specification's advice).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from checkpoint import certlogic
from checkpoint.errors import ConfigError
from checkpoint.isotime import iso_z
from checkpoint.model import HealthCertificate

KINDS = ("General", "Vaccination", "Test", "Recovery")


@dataclass(frozen=True)
class EuRule:
    identifier: str
    kind: str  # CertificateType: General, Vaccination, Test or Recovery
    valid_from: datetime
    valid_to: datetime
    description: str
    logic_json: str  # the CertLogic expression, as JSON (kept as text: the rule stays hashable)

    @cached_property
    def logic(self) -> Any:
        return json.loads(self.logic_json)

    def applies(self, cert: HealthCertificate, now: datetime) -> bool:
        return self.kind in ("General", cert.kind.capitalize()) and self.valid_from <= now < self.valid_to


def rules_from(data: Any, path: Path, *, key: str, config: str) -> tuple[EuRule, ...]:
    """Rules from a parsed JSON file (read from ``path``): one rule object or an array of them (the gateway's
    format)."""
    items = data if isinstance(data, list) else [data]
    return tuple(_rule(r, i, path, key, config) for i, r in enumerate(items))


def _rule(r: Any, i: int, path: Path, key: str, config: str) -> EuRule:
    def bad(message: str) -> ConfigError:
        return ConfigError(f"{path}: rule #{i}: {message}", path=config, key=key)

    if not isinstance(r, Mapping):
        raise bad("not a JSON object")
    ident, kind = r.get("Identifier"), r.get("CertificateType")
    if not isinstance(ident, str) or not ident:
        raise bad("no Identifier")
    if kind not in KINDS:
        raise bad(f"CertificateType must be one of {', '.join(KINDS)}")
    if "Logic" not in r:
        raise bad("no Logic")
    try:
        valid_from = certlogic.parse_date_time(str(r.get("ValidFrom")))
        valid_to = certlogic.parse_date_time(str(r.get("ValidTo")))
    except certlogic.CertLogicError:
        raise bad("ValidFrom/ValidTo are not date-times") from None
    descriptions = r.get("Description") or []
    english = [d.get("desc") for d in descriptions if isinstance(d, Mapping) and d.get("lang") == "en"]
    description = str(english[0]) if english else ident
    return EuRule(ident, kind, valid_from, valid_to, description, json.dumps(r["Logic"]))


def value_sets_from(data: Any, path: Path, *, key: str, config: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Value sets from a parsed JSON file (read from ``path``): ``{"id": ["code", ...]}``, or the gateway's
    ``{"id": {"valueSetValues": {...}}}``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path} must map value set ids to codes", path=config, key=key)
    out = []
    for ident, value in data.items():
        codes = value.get("valueSetValues", {}) if isinstance(value, Mapping) else value
        if not isinstance(codes, list | Mapping) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: value set {ident!r} is not a list of codes", path=config, key=key)
        out.append((str(ident), tuple(codes)))
    return tuple(out)


def failing_rule(
    rules: tuple[EuRule, ...],
    value_sets: tuple[tuple[str, tuple[str, ...]], ...],
    cert: HealthCertificate,
    *,
    now: datetime,
    country: str,
    issued: datetime | None,
    expires: datetime | None,
) -> EuRule | None:
    """The first applicable rule the certificate does not pass, or None."""
    applicable = [r for r in rules if r.applies(cert, now)]
    if not applicable or not cert.payload_json:
        return None
    external = {
        "valueSets": {ident: list(codes) for ident, codes in value_sets},
        "validationClock": iso_z(now),
        "countryCode": country,
        "iat": iso_z(issued) if issued else None,
        "exp": iso_z(expires) if expires else None,
    }
    data = {"payload": json.loads(cert.payload_json), "external": external}
    for rule in applicable:
        try:
            if certlogic.evaluate(rule.logic, data) is not True:
                return rule
        except (certlogic.CertLogicError, RecursionError, TypeError, ValueError, OverflowError):
            return rule
    return None
