"""The columns of an export, their headers in Vietnamese and English, and one row's values.

Every word (headers, results, reasons, directions, categories, notes) comes from the station's one
catalogue, :mod:`checkpoint.words`: an export says what the app and the report say.

CSV and XLSX are for people (headers and verdicts in the station's language, times in local time);
JSON Lines is for programs (machine keys and codes, ISO-8601 times with their offset). Both come from
the same column list, so the formats never drift apart.

Which personal columns appear depends on the export's :class:`PersonalMode`:

- ``SEALED``: no supervisor key was given, so personal data stays sealed and its columns are left out;
- ``MASKED``: the key opened the records, but only initials and the id number's last four digits go out;
- ``FULL``: every personal field, in clear (the export is recorded in the log's audit trail).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Literal

from checkpoint.crossing import PERSONAL_FIELDS, PersonalData
from checkpoint.crossing.disposition import Disposition
from checkpoint.decision import Flag
from checkpoint.export._masking import MASKED_FIELDS
from checkpoint.export._source import ExportRow
from checkpoint.model import CATEGORIES
from checkpoint.words import CATALOGS, Texts

Cell = int | str | datetime | None
Kind = Literal["int", "time", "text"]


class PersonalMode(StrEnum):
    SEALED = "sealed"
    MASKED = "masked"
    FULL = "full"


@dataclass(frozen=True)
class Column:
    key: str  # JSON Lines key; its header is ``column.<key>`` in the catalogue
    kind: Kind = "text"
    width: int = 14  # characters, for spreadsheets
    typed: bool = False  # free text someone typed (officer id, pass fields): defused in CSV

    def header(self, language: str) -> str:
        return Texts(language)(f"column.{self.key}")


BASE_COLUMNS = (
    Column("seq", "int", 10),
    Column("time", "time", 20),
    Column("station", width=14, typed=True),
    Column("lane", width=6, typed=True),
    Column("direction", width=9),
    Column("officer", width=12, typed=True),
    Column("result", width=12),
    Column("reason", width=30),
    Column("category", width=12, typed=True),
    Column("format", width=8),
    Column("notes", width=24),
    Column("crossing_id", width=38),
)
#: Columns added since, after the personal ones (so those keep their places in every released layout).
#: Vehicles (checkpoint.vehicle): the occupants of one vehicle share its id; empty for anyone on foot.
LATER_COLUMNS = (
    Column("vehicle_id", width=38),
    Column("vehicle_role", width=12),
    # lane figures (issue 15 item 6): the centre's policy applied, as in JSON Lines (empty without a bundle)
    # (texts of the bundle a provincial office wrote: defused in CSV like typed ones)
    Column("origin_level", width=10, typed=True),
    Column("policy_rule", width=18, typed=True),
)
#: Lane dispositions: the latest disposition recorded for the crossing, the last column (after the personal ones).
DISPOSITION_COLUMN = Column("disposition", width=22)

PERSONAL_COLUMNS = {
    "name": Column("name", width=24, typed=True),
    "id_number": Column("id_number", width=15, typed=True),
    "birth_date": Column("birth_date", width=11, typed=True),
    "phone": Column("phone", width=13, typed=True),
    "vehicle": Column("vehicle", width=12, typed=True),
    "origin": Column("origin", width=18, typed=True),
    "destination": Column("destination", width=18, typed=True),
    "purpose": Column("purpose", width=18, typed=True),
    # The pass's own id (HC1 UVCI, CP1 cti): not a citizen's id, so never in the id-number column.
    "document_id": Column("document_id", width=32, typed=True),
    # the manual entry's declaration (lane cccd)
    "address": Column("address", width=30, typed=True),
    "places_visited": Column("places_visited", width=30, typed=True),
    "case_contact": Column("case_contact", width=10, typed=True),
    "symptoms": Column("symptoms", width=18, typed=True),
}
assert tuple(PERSONAL_COLUMNS) == PERSONAL_FIELDS

DISPLAYS = ("ACCEPT", "REJECT", "CHECK")
# The catalogue's words, looked up once per language (a million rows per export).
RESULTS = {lang: {d: Texts(lang).result(d) for d in DISPLAYS} for lang in CATALOGS}
DIRECTION_NAMES = {lang: {d: Texts(lang).direction(d) for d in ("in", "out")} for lang in CATALOGS}
ROLE_NAMES = {lang: {r: Texts(lang)(f"vehicle_role.{r}") for r in ("driver", "passenger")} for lang in CATALOGS}
CATEGORY_NAMES = {lang: {c: Texts(lang).category(c) for c in (*CATEGORIES, "manual")} for lang in CATALOGS}
FLAG_NAMES = {lang: {f.value: Texts(lang).flag_short(f.value) for f in Flag} for lang in CATALOGS}
#: An origin's level as people read it: "1".."9" as they are, an unknown origin in words (lane figures).
LEVEL_NAMES = {lang: {"unknown": Texts(lang)("report.level_unknown")} for lang in CATALOGS}
DISPOSITION_NAMES = {lang: {d.value: Texts(lang)(f"disposition.{d.value}") for d in Disposition} for lang in CATALOGS}


def columns(mode: PersonalMode) -> tuple[Column, ...]:
    if mode is PersonalMode.SEALED:
        return (*BASE_COLUMNS, *LATER_COLUMNS, DISPOSITION_COLUMN)
    keys = MASKED_FIELDS if mode is PersonalMode.MASKED else PERSONAL_FIELDS
    return (*BASE_COLUMNS, *(PERSONAL_COLUMNS[k] for k in keys), *LATER_COLUMNS, DISPOSITION_COLUMN)


def headers(cols: Sequence[Column], language: str, tz_label: str) -> list[str]:
    return [f"{c.header(language)} ({tz_label})" if c.kind == "time" else c.header(language) for c in cols]


def reason_text(reason: str | None, rule: str | None, language: str) -> str | None:
    """A crossing's reason (and the rule that refused) in words, as every surface says it."""
    return Texts(language).reason(reason, rule, short=True) if reason is not None else None


def flag_names(flags_json: str, manual: int, clock_suspect: int) -> tuple[str, ...]:
    """A crossing's flags, sorted; ``manual`` and ``clock_suspect`` are also columns of their own."""
    flags = set(json.loads(flags_json))
    if manual:
        flags.add("manual")
    if clock_suspect:
        flags.add("clock_suspect")
    return tuple(sorted(flags))


class RowMaker:
    """Turns crossings into rows for one export (language, time zone and personal mode fixed).

    Hot path: a million rows per export, so the lookups are prepared once here.
    """

    def __init__(self, mode: PersonalMode, language: str, tz: tzinfo, *, time_text: bool = False) -> None:
        """``time_text``: the time column as ``YYYY-MM-DD HH:MM:SS`` text (CSV) instead of a datetime."""
        self.mode, self.language, self.tz, self.time_text = mode, language, tz, time_text
        self._local_hours: dict[str, str | None] = {}
        self._texts = Texts(language)
        self._results = RESULTS[language]
        self._directions = DIRECTION_NAMES[language]
        self._categories = CATEGORY_NAMES[language]
        self._roles = ROLE_NAMES[language]
        self._reasons: dict[tuple[str, str | None], str] = {}
        self._flags = FLAG_NAMES[language]
        self._dispositions = DISPOSITION_NAMES[language]
        self._levels = LEVEL_NAMES[language]
        self._personal_keys = () if mode is PersonalMode.SEALED else (
            MASKED_FIELDS if mode is PersonalMode.MASKED else PERSONAL_FIELDS)
        self._empty: list[Cell] = [None] * len(self._personal_keys)
        self._notes_cache: dict[tuple[str, int, int], str | None] = {}

    def _notes(self, r: ExportRow) -> str | None:
        key = (r.flags, r.manual, r.clock_suspect)
        notes = self._notes_cache.get(key, "")
        if notes == "":
            names = flag_names(*key)
            notes = ", ".join(self._flags.get(f, f) for f in names) if names else None
            self._notes_cache[key] = notes
        return notes

    def local_text(self, utc_text: str, at: datetime) -> str:
        """Local ``YYYY-MM-DD HH:MM:SS`` of a UTC ISO time; the date and hour are worked out once per UTC hour
        (every zone with whole-hour offsets, Vietnam's among them, keeps minutes and seconds as they are)."""
        key = utc_text[:13]
        prefix = self._local_hours.get(key, "")
        if prefix == "":
            local = at.astimezone(self.tz)
            offset = local.utcoffset()
            whole = offset is not None and offset.total_seconds() % 3600 == 0 and utc_text[13:14] == ":" and (
                utc_text.endswith("Z") or utc_text.endswith("+00:00"))
            prefix = self._local_hours[key] = local.strftime("%Y-%m-%d %H") if whole else None
        if prefix is None:
            return at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")
        return prefix + utc_text[13:19]

    def human(self, r: ExportRow, at: datetime, personal: PersonalData | None) -> list[Cell]:
        """A row for CSV/XLSX: translated values, naive local time (spreadsheets have no time zones)."""
        reason = r.reason
        if reason is not None:
            key = (reason, r.rule)
            reason = self._reasons.get(key)
            if reason is None:
                reason = self._reasons[key] = self._texts.reason(*key, short=True)
        row: list[Cell] = [
            r.seq,
            self.local_text(r.recorded_at, at) if self.time_text else at.astimezone(self.tz).replace(tzinfo=None),
            r.station_id,
            r.lane,
            self._directions.get(r.direction, r.direction),
            r.officer_id,
            self._results.get(r.display, r.display),
            reason,
            self._categories.get(r.category, r.category) if r.category is not None else None,
            r.format,
            self._notes(r) if r.flags != "[]" or r.manual or r.clock_suspect else None,
            r.id,
        ]
        if self._personal_keys:
            row += self._empty if personal is None else [getattr(personal, k) for k in self._personal_keys]
        row += [r.vehicle_id, self._roles.get(r.vehicle_role, r.vehicle_role) if r.vehicle_role is not None else None]
        level = r.origin_level
        row += [self._levels.get(level, level) if level is not None else None, r.policy_rule]
        row.append(self._dispositions.get(r.disposition, r.disposition) if r.disposition is not None else None)
        return row

    def machine(self, r: ExportRow, at: datetime, personal: PersonalData | None) -> dict[str, object]:
        """A JSON Lines object: machine keys and codes, time with its offset, flags as a list."""
        doc: dict[str, object] = {
            "seq": r.seq,
            "time": at.astimezone(self.tz).isoformat(),
            "station": r.station_id,
            "lane": r.lane,
            "direction": r.direction,
            "officer": r.officer_id,
            "result": r.display,
            "verdict": r.verdict,
            "reason": r.reason,
            "rule": r.rule,
            "category": r.category,
            "format": r.format,
            "flags": list(flag_names(r.flags, r.manual, r.clock_suspect)),
            "crossing_id": r.id,
            "hash": r.hash.hex(),
            "vehicle_id": r.vehicle_id,
            "vehicle_role": r.vehicle_role,
            # lane policy: the centre's policy applied (null without a bundle); CSV/XLSX carry the level and the rule
            "origin_level": r.origin_level,
            "policy_rule": r.policy_rule,
            "policy_version": r.policy_version,
            "disposition": r.disposition,
        }
        for k in self._personal_keys:
            doc[k] = getattr(personal, k) if personal is not None else None
        return doc
