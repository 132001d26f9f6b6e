"""Administrative units as a policy bundle names them: codes, names, the province a ward is in, and the
codes of the units abolished or merged by a reorganisation (the 2025 one: 63 provinces into 34, districts
abolished, from 1 July 2025) mapped to the units that replaced them.

A pass's origin is a unit code (the General Statistics Office's codes: 2 digits for a province, 5 for a
ward or commune; 3 for a pre-2025 district) or a place name. :meth:`UnitTable.resolve` turns either into a
unit of the bundle's edition. Names are compared normalised: Unicode NFC, case folded, the unit's kind
("Phường", "Xã", "Tỉnh", "Thành phố", ...) dropped, punctuation and spaces collapsed; and then, only when
that finds nothing, without diacritics (an officer's or an issuer's keyboard may drop them). A name that
fits several units is not guessed: "Phường Tân Phong, Lai Châu" narrows it by the province. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checkpoint.errors import ListFormatError

MAX_UNITS = 20_000  # 3,321 wards and 34 provinces in the 2025 edition
MAX_NAME = 120
_CODE = re.compile(r"^[0-9]{2,5}$")
#: Kinds of unit, longest first (so "thành phố" is removed before "phố" could be).
_KINDS = ("thành phố trực thuộc trung ương", "thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "tỉnh",
          "quận", "huyện", "xã", "tp", "p")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    parent: str | None  # the province's code for a ward or commune; None for a province


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d")) if not unicodedata.combining(c))


_PLAIN_KINDS = tuple(dict.fromkeys(_plain(k) for k in _KINDS))


def normalise(text: str, *, keep_marks: bool = True) -> str:
    """A place name as names are compared: NFC, case folded, the kind of unit dropped, no punctuation."""
    t = unicodedata.normalize("NFC", text).casefold().strip()
    if not keep_marks:
        t = _plain(t)
    for kind in _KINDS if keep_marks else _PLAIN_KINDS:
        if t.startswith(kind + " ") or t.startswith(kind + "."):
            t = t[len(kind):]
            break
    t = re.sub(r"[^\w]+", " ", t)
    return " ".join(t.split())


@dataclass(frozen=True)
class Resolved:
    """What an origin text came to: the unit (None: not found or ambiguous) and how."""

    unit: Unit | None
    via: str  # "code", "old_code", "name", "name_plain", "ambiguous", "none"


@dataclass(frozen=True)
class UnitTable:
    edition: str  # e.g. "VN-2025-07" (the units in force from 1 July 2025)
    units: Mapping[str, Unit]
    renamed: Mapping[str, str] = field(default_factory=dict)  # an old code -> the code of its unit now
    _by_name: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _by_plain: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __contains__(self, code: object) -> bool:
        return code in self.units

    @classmethod
    def build(cls, edition: str, units: list[Unit], renamed: Mapping[str, str]) -> UnitTable:
        by_name: dict[str, list[str]] = {}
        by_plain: dict[str, list[str]] = {}
        for u in units:
            by_name.setdefault(normalise(u.name), []).append(u.code)
            by_plain.setdefault(normalise(u.name, keep_marks=False), []).append(u.code)
        return cls(edition, {u.code: u for u in units}, dict(renamed),
                   {k: tuple(v) for k, v in by_name.items()}, {k: tuple(v) for k, v in by_plain.items()})

    @classmethod
    def from_payload(cls, units: Any, renamed: Any, edition: str, where: str) -> UnitTable:
        if not isinstance(units, list | tuple) or not units or len(units) > MAX_UNITS:
            raise ListFormatError(f"{where}: 'units' is not a list of 1 to {MAX_UNITS} units")
        out: list[Unit] = []
        for i, u in enumerate(units):
            if not (isinstance(u, list | tuple) and len(u) == 3 and all(isinstance(x, str) for x in u)):
                raise ListFormatError(f"{where}: unit #{i} is not [code, name, province code]")
            out.append(check_unit(u[0], u[1], u[2] or None, f"{where}: unit #{i}"))
        codes = {u.code for u in out}
        if len(codes) != len(out):
            raise ListFormatError(f"{where}: a unit code appears twice")
        for u in out:
            if u.parent is not None and u.parent not in codes:
                raise ListFormatError(f"{where}: unit {u.code} names province {u.parent}, which is not in the bundle")
        if not isinstance(renamed, Mapping) or len(renamed) > MAX_UNITS:
            raise ListFormatError(f"{where}: 'renamed' is not a map of old code to new code")
        for old, new in renamed.items():
            if not (isinstance(old, str) and _CODE.match(old)) or new not in codes:
                raise ListFormatError(f"{where}: renamed {old!r} -> {new!r}: the new code is not a unit of the bundle")
        return cls.build(edition, out, renamed)

    def to_payload(self) -> list[list[str]]:
        return [[u.code, u.name, u.parent or ""] for u in self.units.values()]

    def province_of(self, unit: Unit) -> Unit:
        return self.units[unit.parent] if unit.parent is not None else unit

    def resolve(self, origin: str | None) -> Resolved:
        """A pass's origin (a code, an old code or a place name, optionally ", province") -> a unit."""
        if origin is None or not origin.strip():
            return Resolved(None, "none")
        text = origin.strip()
        if _CODE.match(text):
            if text in self.units:
                return Resolved(self.units[text], "code")
            if text in self.renamed:
                return Resolved(self.units[self.renamed[text]], "old_code")
            return Resolved(None, "none")
        name, _, province = text.rpartition(",") if "," in text else (text, "", "")
        for index, marks, via in ((self._by_name, True, "name"), (self._by_plain, False, "name_plain")):
            codes = index.get(normalise(name, keep_marks=marks), ())
            if province.strip():
                wanted = normalise(province, keep_marks=marks)
                codes = tuple(c for c in codes if self.units[c].parent is not None
                              and normalise(self.units[self.units[c].parent or ""].name, keep_marks=marks) == wanted)
            if len(codes) == 1:
                return Resolved(self.units[codes[0]], via)
            if len(codes) > 1:
                return Resolved(None, "ambiguous")
        return Resolved(None, "none")


def check_unit(code: Any, name: Any, parent: Any, at: str) -> Unit:
    """One unit, checked (shared with the authoring tool, which names the file and line in ``at``)."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise ListFormatError(f"{at}: unit code {code!r} is not 2 to 5 digits")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ListFormatError(f"{at}: unit {code} has no name (or one over {MAX_NAME} characters)")
    if parent is not None and (not isinstance(parent, str) or not _CODE.match(parent)):
        raise ListFormatError(f"{at}: unit {code}'s province code {parent!r} is not 2 digits")
    return Unit(code, unicodedata.normalize("NFC", name.strip()), parent)
