"""The EU Digital COVID Certificate payload (``eu_dgc_v1``, claim -260/1) as a :class:`HealthCertificate`.

Only what the station shows or its rules read is taken; every value read is type-checked (a wrong type
is MALFORMED, naming the field), unknown fields are ignored. The full JSON schema is not enforced: a
checkpoint needs the name, birth date and the entry a rule reads, and the signature vouches for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from checkpoint.errors import MalformedPass
from checkpoint.formats import _claims as claims
from checkpoint.model import HealthCertificate, HealthTest, Recovery, Vaccination

RESULT_NOT_DETECTED = "260415000"
RESULT_DETECTED = "260373001"
MAX_ENTRIES = 32


def certificate(dgc: Mapping[Any, Any]) -> HealthCertificate:
    nam = claims.get(dgc, "nam", Mapping, "dgc.nam", required=True)

    def name(key: str) -> str | None:
        value: str | None = claims.get(nam, key, str, f"dgc.nam.{key}", required=False)
        return value

    if name("fnt") is None:
        raise MalformedPass("claim dgc.nam.fnt (transliterated family name) is missing")
    entries = {key: _entries(dgc, key) for key in ("v", "t", "r")}
    if not any(entries.values()):
        raise MalformedPass("the certificate holds no vaccination, test or recovery entry")
    return HealthCertificate(
        family_name=name("fn"),
        given_name=name("gn"),
        family_name_icao=name("fnt"),
        given_name_icao=name("gnt"),
        birth_date=claims.get(dgc, "dob", str, "dgc.dob", required=True),
        vaccinations=tuple(_vaccination(e, i) for i, e in enumerate(entries["v"])),
        tests=tuple(_test(e, i) for i, e in enumerate(entries["t"])),
        recoveries=tuple(_recovery(e, i) for i, e in enumerate(entries["r"])),
        schema_version=claims.get(dgc, "ver", str, "dgc.ver", required=True),
        payload_json=json.dumps(_jsonable(dgc), ensure_ascii=False, sort_keys=True),
    )


def _jsonable(value: Any) -> Any:
    """The certificate as the JSON it was made from (a CBOR date-time back to RFC 3339 text)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _entries(dgc: Mapping[Any, Any], key: str) -> list[Mapping[Any, Any]]:
    value = claims.get(dgc, key, list, f"dgc.{key}", required=False) or []
    if len(value) > MAX_ENTRIES:
        raise MalformedPass(f"claim dgc.{key} has more than {MAX_ENTRIES} entries")
    for i, e in enumerate(value):
        if not isinstance(e, Mapping):
            raise MalformedPass(f"claim dgc.{key}[{i}] is not a map")
    return value


def _text(e: Mapping[Any, Any], key: str, where: str, *, required: bool = True) -> Any:
    return claims.get(e, key, str, f"{where}.{key}", required=required)


def _int(e: Mapping[Any, Any], key: str, where: str) -> int:
    value: int = claims.get(e, key, int, f"{where}.{key}", required=True)
    if not 0 <= value < 1000:
        raise MalformedPass(f"claim {where}.{key} is out of range")
    return value


def _date(e: Mapping[Any, Any], key: str, where: str) -> date:
    text = _text(e, key, where)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MalformedPass(f"claim {where}.{key} is not a date") from None


def _datetime(e: Mapping[Any, Any], key: str, where: str) -> datetime:
    """An RFC 3339 text, or a CBOR date-time (tag 0), which some issuers write."""
    raw = claims.get(e, key, (str, datetime), f"{where}.{key}", required=True)
    try:
        value: datetime = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise MalformedPass(f"claim {where}.{key} is not a date and time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _common(e: Mapping[Any, Any], where: str) -> dict[str, Any]:
    return {
        "disease": _text(e, "tg", where),
        "country": _text(e, "co", where),
        "issuer": _text(e, "is", where),
        "cert_id": _text(e, "ci", where),
    }


def _vaccination(e: Mapping[Any, Any], i: int) -> Vaccination:
    where = f"dgc.v[{i}]"
    return Vaccination(
        vaccine=_text(e, "vp", where),
        product=_text(e, "mp", where),
        manufacturer=_text(e, "ma", where),
        dose=_int(e, "dn", where),
        doses_total=_int(e, "sd", where),
        date=_date(e, "dt", where),
        **_common(e, where),
    )


def _test(e: Mapping[Any, Any], i: int) -> HealthTest:
    where = f"dgc.t[{i}]"
    result = _text(e, "tr", where)  # an unknown code counts as not negative
    return HealthTest(
        test_type=_text(e, "tt", where),
        sampled_at=_datetime(e, "sc", where),
        negative=result == RESULT_NOT_DETECTED,
        name=_text(e, "nm", where, required=False),
        device=_text(e, "ma", where, required=False),
        centre=_text(e, "tc", where, required=False),
        **_common(e, where),
    )


def _recovery(e: Mapping[Any, Any], i: int) -> Recovery:
    where = f"dgc.r[{i}]"
    return Recovery(
        first_positive=_date(e, "fr", where),
        valid_from=_date(e, "df", where),
        valid_until=_date(e, "du", where),
        **_common(e, where),
    )
