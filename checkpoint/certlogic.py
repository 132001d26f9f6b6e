"""CertLogic 1.3.3: the EU's restricted JsonLogic for DCC business rules (``shared/vectors/certlogic``).

``evaluate(expression, data)`` gives the expression's value, or raises :class:`CertLogicError` for an
expression that breaks the specification (unknown operation, wrong operand types, a guard neither
truthy nor falsy). Date-times exist only as values of ``plusTime`` and ``dccDateOfBirth``; they are
aware UTC datetimes at millisecond precision, offset as JavaScript's ``Date.setUTC*`` does.

Written here: no maintained Python CertLogic implementation exists, and generic JsonLogic evaluators
have other truthiness and no ``plusTime``, ``dccDateOfBirth`` or ``extractFromUVCI``.
"""

from __future__ import annotations

import calendar
import itertools
import operator
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
DATE_COMPARISONS = {"before": "<", "after": ">", "not-after": "<=", "not-before": ">="}
TIME_UNITS = ("year", "month", "day", "hour")
MAX_DEPTH = 200
_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-]\d{1,2}(?::?\d{2})?)?)?)?)?"
)
_UVCI_SEPARATORS = re.compile(r"[/#:]")


class CertLogicError(Exception):
    """The expression is not valid CertLogic, or its operands have the wrong types."""


def is_truthy(v: Any) -> bool:
    """true, a non-empty string, array or object, a non-zero integer. A date-time is neither."""
    return v is True or (isinstance(v, str | list | dict) and len(v) > 0) or (_is_int(v) and v != 0)


def is_falsy(v: Any) -> bool:
    return v is False or v is None or (isinstance(v, str | list | dict) and len(v) == 0) or (_is_int(v) and v == 0)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def evaluate(expr: Any, data: Any, _depth: int = 0) -> Any:
    if _depth > MAX_DEPTH:
        raise CertLogicError("expression nested too deeply")
    if isinstance(expr, str | bool) or _is_int(expr):
        return expr
    if isinstance(expr, list):
        return [evaluate(e, data, _depth + 1) for e in expr]
    if not isinstance(expr, Mapping) or len(expr) != 1:
        raise CertLogicError(f"not a CertLogic expression: {expr!r}")
    ((op, args),) = expr.items()
    if op == "var":
        return _var(args, data)
    if not isinstance(args, list):
        raise CertLogicError(f"operation {op!r} needs an array of operands")

    def ev(e: Any, context: Any = data) -> Any:
        return evaluate(e, context, _depth + 1)

    if op == "if":
        _arity(op, args, 3)
        guard = ev(args[0])
        return ev(args[1]) if is_truthy(guard) else ev(args[2])
    if op == "===":
        _arity(op, args, 2)
        return _equal(ev(args[0]), ev(args[1]))
    if op == "and":
        if len(args) < 2:
            raise CertLogicError("'and' needs at least 2 operands")
        value = None
        for e in args:
            value = ev(e)
            if is_falsy(value):
                return value
            if not is_truthy(value):
                raise CertLogicError(f"'and' operand {value!r} is neither truthy nor falsy")
        return value
    if op == "!":
        _arity(op, args, 1)
        value = ev(args[0])
        if is_falsy(value):
            return True
        if is_truthy(value):
            return False
        raise CertLogicError(f"'!' operand {value!r} is neither truthy nor falsy")
    if op in COMPARISONS or op in DATE_COMPARISONS:
        return _compare(op, [ev(e) for e in args])
    if op == "in":
        _arity(op, args, 2)
        item, within = ev(args[0]), ev(args[1])
        if not isinstance(within, list):
            raise CertLogicError("'in' needs an array as its second operand")
        return any(_equal(item, w) for w in within)
    if op == "+":
        _arity(op, args, 2)
        a, b = ev(args[0]), ev(args[1])
        if not (_is_int(a) and _is_int(b)):
            raise CertLogicError("'+' adds integers only")
        return a + b
    if op == "reduce":
        _arity(op, args, 3)
        items, initial = ev(args[0]), ev(args[2])
        if items is None:
            return initial
        if not isinstance(items, list):
            raise CertLogicError("'reduce' needs an array")
        acc = initial
        for current in items:
            acc = ev(args[1], {"current": current, "accumulator": acc, "data": data})
        return acc
    if op == "plusTime":
        _arity(op, args, 3)
        text, amount, unit = ev(args[0]), args[1], args[2]
        if not isinstance(text, str) or not _is_int(amount) or unit not in TIME_UNITS:
            raise CertLogicError("'plusTime' needs a date(-time) string, an integer and a time unit")
        return plus_time(parse_date_time(text), amount, unit)
    if op == "dccDateOfBirth":
        _arity(op, args, 1)
        text = ev(args[0])
        if not isinstance(text, str):
            raise CertLogicError("'dccDateOfBirth' needs a string")
        return parse_date_time(text)
    if op == "extractFromUVCI":
        _arity(op, args, 2)
        uvci, index = ev(args[0]), args[1]
        if not _is_int(index) or not (uvci is None or isinstance(uvci, str)):
            raise CertLogicError("'extractFromUVCI' needs a string (or null) and an integer index")
        return extract_from_uvci(uvci, index)
    raise CertLogicError(f"unknown operation {op!r}")


def _arity(op: str, args: list[Any], n: int) -> None:
    if len(args) != n:
        raise CertLogicError(f"'{op}' needs {n} operand(s), not {len(args)}")


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def _var(path: Any, data: Any) -> Any:
    if _is_int(path):
        path = str(path)
    if not isinstance(path, str):
        raise CertLogicError("'var' needs a path string")
    if path == "":
        return data
    value = data
    for fragment in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(fragment)
        elif isinstance(value, list) and fragment.isdigit():
            i = int(fragment)
            value = value[i] if i < len(value) else None
        else:
            return None
    return value


def _compare(op: str, values: list[Any]) -> bool:
    if len(values) not in (2, 3):
        raise CertLogicError(f"'{op}' needs 2 or 3 operands")
    if op in DATE_COMPARISONS:
        if not all(isinstance(v, datetime) for v in values):
            raise CertLogicError(f"'{op}' compares date-times only")
        test = COMPARISONS[DATE_COMPARISONS[op]]
    else:
        if not all(_is_int(v) for v in values):
            raise CertLogicError(f"'{op}' compares integers only")
        test = COMPARISONS[op]
    return all(test(a, b) for a, b in itertools.pairwise(values))


def parse_date_time(text: str) -> datetime:
    """A date(-time) in one of the allowed formats; a partial date is its last possible day."""
    m = _DATE.fullmatch(text)
    if m is None:
        raise CertLogicError(f"{text!r} is not a date(-time) CertLogic allows")
    year, month, day, hh, mm, ss, fraction, zone = m.groups()
    y = int(year)
    mo = int(month) if month else 12
    d = int(day) if day else calendar.monthrange(y, mo)[1]
    ms = int((fraction or "0")[:3].ljust(3, "0"))
    try:
        value = datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0), ms * 1000, tzinfo=_zone(zone))
    except ValueError:
        raise CertLogicError(f"{text!r} is not a valid date(-time)") from None
    return value.astimezone(UTC)


def _zone(zone: str | None) -> timezone:
    if zone is None or zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def plus_time(t: datetime, amount: int, unit: str) -> datetime:
    """``t`` offset as JavaScript's ``Date.setUTC<unit>(getUTC<unit>() + amount)`` does."""
    if unit == "hour":
        return t + timedelta(hours=amount)
    if unit == "day":
        return t + timedelta(days=amount)
    months = t.year * 12 + t.month - 1 + (amount * 12 if unit == "year" else amount)
    year, month0 = divmod(months, 12)
    # Day overflow rolls into the next month, as in JavaScript (2020-02-29 + 1 year = 2021-03-01).
    try:
        first = t.replace(year=year, month=month0 + 1, day=1)
    except ValueError:
        raise CertLogicError("plusTime: date out of range") from None
    return first + timedelta(days=t.day - 1)


def extract_from_uvci(uvci: str | None, index: int) -> str | None:
    if uvci is None:
        return None
    fragments = _UVCI_SEPARATORS.split(uvci[len("URN:UVCI:") :] if uvci.startswith("URN:UVCI:") else uvci)
    return fragments[index] if 0 <= index < len(fragments) else None
