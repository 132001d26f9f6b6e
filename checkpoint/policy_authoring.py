"""Building a policy bundle from files a provincial office edits (``checkpoint policy build``).

A folder holds:

- ``policy.toml``: ``[bundle]`` (``units_edition``, ``min_station_version``, ``below_min``), ``[[rule]]`` tables
  (``level`` 1-9 or ``"unknown"``, ``category`` or ``"*"``, ``action``, ``max_hours`` for a test) and
  ``[[notice]]`` tables (``id``, ``severity``, ``vi``, ``en``, ``valid_from``, ``valid_until``);
- ``levels.csv``: ``code,level[,name]``: the risk level of a province (2-digit code) or a ward/commune (5-digit);
  a name, when given, must be that unit's (a typo in a code is caught);
- ``renamed.csv`` (optional): ``old_code,new_code``: units abolished or merged by the 2025 reorganisation (old
  provinces, districts, wards) mapped to the unit that replaced them, so passes carrying old codes resolve;
- ``units.csv`` (optional): ``code,name,province_code``: units beside (or instead of) the package's table.

The unit table is the ``vietnam-provinces`` package's (the 34 provinces and 3,321 wards and communes in force
from 1 July 2025) when it is installed, plus ``units.csv``. Every error names the file and the line.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from checkpoint.capped import STATION_FILE, read_capped
from checkpoint.errors import CheckpointError, ListFormatError
from checkpoint.policy import (
    BELOW_MIN,
    MAX_LEVEL,
    SEVERITIES,
    Notice,
    PolicyRule,
    Unit,
    UnitTable,
    check_unit,
    make_rule,
    normalise,
)

POLICY_TOML, LEVELS_CSV, RENAMED_CSV, UNITS_CSV = "policy.toml", "levels.csv", "renamed.csv", "units.csv"
PACKAGE_EDITION = "VN-2025-07"


class PolicySourceError(CheckpointError):
    """A policy source file is wrong; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class PolicySource:
    units: UnitTable
    levels: dict[str, int]
    rules: list[PolicyRule]
    notices: list[Notice]
    min_station_version: str | None
    below_min: str


def package_units() -> tuple[list[Unit], str] | None:
    """The 2025 edition from the ``vietnam-provinces`` package (None when it is not installed)."""
    try:
        import vietnam_provinces  # optional: only the authoring tool needs it
    except ImportError:
        return None
    import json

    out: list[Unit] = []
    for p in json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_bytes()):
        code = f"{int(p['code']):02d}"
        out.append(Unit(code, p["name"], None))
        out += [Unit(f"{int(w['code']):05d}", w["name"], code) for w in p.get("wards", [])]
    return out, f"vietnam-provinces {vietnam_provinces.__version__} (data {vietnam_provinces.__data_version__})"


def read_source(folder: Path, *, use_package: bool = True) -> tuple[PolicySource, str]:
    """The policy in ``folder``, checked; and where its unit table came from."""
    toml_path = folder / POLICY_TOML
    text = _read(toml_path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line = re.search(r"at line (\d+)", str(e))
        raise PolicySourceError(f"{toml_path}:{line.group(1) if line else 1}: not valid TOML ({e})") from None
    head = doc.get("bundle", {})
    if not isinstance(head, dict):
        raise PolicySourceError(f"{toml_path}:{_line_of(text, r'bundle')}: [bundle] must be a table")
    units, origin = _units(folder, use_package, head.get("units_edition"))
    levels = _levels(folder / LEVELS_CSV, units)
    rules = [_rule(r, i, toml_path, text) for i, r in enumerate(_tables(doc, "rule", toml_path, text))]
    seen: dict[tuple[str, str], int] = {}
    for i, r in enumerate(rules):
        key = (r.level, r.category)
        if key in seen:
            first = _table_line(text, "rule", seen[key])
            raise PolicySourceError(f"{toml_path}:{_table_line(text, 'rule', i)}: a second rule for level {r.level}, "
                                    f"category {r.category} (the first is at line {first})")
        seen[key] = i
    notices = [_notice(n, i, toml_path, text) for i, n in enumerate(_tables(doc, "notice", toml_path, text))]
    min_version = head.get("min_station_version")
    if min_version is not None and (not isinstance(min_version, str)
                                    or not re.fullmatch(r"\d{1,6}(\.\d{1,6}){0,3}", min_version)):
        raise PolicySourceError(f"{toml_path}:{_line_of(text, 'min_station_version')}: min_station_version must be "
                                "a version like \"0.2.0\"")
    below = head.get("below_min", "warn")
    if below not in BELOW_MIN:
        raise PolicySourceError(f"{toml_path}:{_line_of(text, 'below_min')}: below_min must be one of "
                                f"{', '.join(BELOW_MIN)}")
    return PolicySource(units, levels, rules, notices, min_version, below), origin


def _read(path: Path) -> str:
    try:
        return read_capped(path, STATION_FILE, path.name).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicySourceError(f"{path}:1: not UTF-8 text (save it as UTF-8)") from None


def _line_of(text: str, key: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*\[?{re.escape(key)}\b", line):
            return n
    return 1


def _table_line(text: str, name: str, index: int) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if re.match(rf"\s*\[\[\s*{name}\s*\]\]", line)]
    return lines[index] if index < len(lines) else 1


def _tables(doc: dict[str, Any], name: str, path: Path, text: str) -> list[dict[str, Any]]:
    v = doc.get(name, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise PolicySourceError(f"{path}:{_line_of(text, name)}: '{name}' must be written as [[{name}]] tables")
    return v


def _rule(r: dict[str, Any], i: int, path: Path, text: str) -> PolicyRule:
    at = f"{path}:{_table_line(text, 'rule', i)}"
    unknown = sorted(set(r) - {"level", "category", "action", "max_hours"})
    if unknown:
        raise PolicySourceError(f"{at}: unknown key {unknown[0]!r} (known: level, category, action, max_hours)")
    try:
        return make_rule(r.get("level"), r.get("category", "*"), r.get("action"), r.get("max_hours", 0), at)
    except ListFormatError as e:
        raise PolicySourceError(str(e)) from None


def _when(v: Any, at: str, name: str) -> datetime:
    if isinstance(v, datetime):
        return v if v.tzinfo is not None else v.replace(tzinfo=UTC)
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day, tzinfo=UTC)
    raise PolicySourceError(f"{at}: {name} must be a date or time, e.g. 2026-12-01T18:00:00+07:00")


def _notice(n: dict[str, Any], i: int, path: Path, text: str) -> Notice:
    at = f"{path}:{_table_line(text, 'notice', i)}"
    for key in ("id", "vi", "en"):
        if not isinstance(n.get(key), str) or not n[key].strip():
            raise PolicySourceError(f"{at}: notice needs '{key}' (text)")
    severity = n.get("severity", "info")
    if severity not in SEVERITIES:
        raise PolicySourceError(f"{at}: severity must be one of {', '.join(SEVERITIES)}")
    start, end = _when(n.get("valid_from"), at, "valid_from"), _when(n.get("valid_until"), at, "valid_until")
    if end <= start:
        raise PolicySourceError(f"{at}: valid_until is not after valid_from")
    return Notice(n["id"], severity, n["vi"].strip(), n["en"].strip(), start, end)


def _csv_rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_read(path)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise PolicySourceError(f"{path}:1: the header must name {', '.join(columns + optional)}; "
                                f"'{missing[0]}' is missing")
    reader.fieldnames = header
    out = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        out.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}))
    return out


def _units(folder: Path, use_package: bool, edition: Any) -> tuple[UnitTable, str]:
    units: dict[str, Unit] = {}
    origin = []
    pkg = package_units() if use_package else None
    if pkg is not None:
        units = {u.code: u for u in pkg[0]}
        origin.append(pkg[1])
    extra = folder / UNITS_CSV
    if extra.exists():
        for line, row in _csv_rows(extra, ("code", "name", "province_code")):
            try:
                u = check_unit(row["code"], row["name"], row["province_code"] or None, f"{extra}:{line}")
            except ListFormatError as e:
                raise PolicySourceError(str(e)) from None
            units[u.code] = u
        origin.append(str(extra))
    if not units:
        raise PolicySourceError(f"{folder / UNITS_CSV}:1: no unit table: install the vietnam-provinces package "
                                "(pip install vietnam-provinces) or give units.csv (code,name,province_code)")
    for u in units.values():
        if u.parent is not None and u.parent not in units:
            raise PolicySourceError(f"{extra}:1: unit {u.code} names province {u.parent}, which is not a unit")
    renamed: dict[str, str] = {}
    path = folder / RENAMED_CSV
    if path.exists():
        for line, row in _csv_rows(path, ("old_code", "new_code"), ("note",)):
            old, new = row["old_code"], row["new_code"]
            if not re.fullmatch(r"[0-9]{2,5}", old):
                raise PolicySourceError(f"{path}:{line}: old code {old!r} is not 2 to 5 digits")
            if new not in units:
                raise PolicySourceError(f"{path}:{line}: new code {new!r} is not a unit of the table")
            if old in renamed:
                raise PolicySourceError(f"{path}:{line}: old code {old} is mapped twice")
            renamed[old] = new
    if edition is not None and (not isinstance(edition, str) or not edition.strip()):
        raise PolicySourceError(f"{folder / POLICY_TOML}:1: units_edition must be a text")
    return UnitTable.build(edition or PACKAGE_EDITION, list(units.values()), renamed), " + ".join(origin)


def _levels(path: Path, units: UnitTable) -> dict[str, int]:
    out: dict[str, int] = {}
    for line, row in _csv_rows(path, ("code", "level"), ("name",)):
        code, level = row["code"], row["level"]
        if code not in units:
            hint = f" (an old code? {code} -> {units.renamed[code]}: use the new one)" if code in units.renamed else ""
            raise PolicySourceError(f"{path}:{line}: {code!r} is not a unit code of edition {units.edition}{hint}")
        if not level.isdigit() or not 1 <= int(level) <= MAX_LEVEL:
            raise PolicySourceError(f"{path}:{line}: level {level!r} is not a number from 1 to {MAX_LEVEL}")
        name = row.get("name", "")
        if name and normalise(name, keep_marks=False) != normalise(units.units[code].name, keep_marks=False):
            raise PolicySourceError(f"{path}:{line}: code {code} is {units.units[code].name}, not {name!r}")
        if code in out:
            raise PolicySourceError(f"{path}:{line}: unit {code} is given a level twice")
        out[code] = int(level)
    return out
