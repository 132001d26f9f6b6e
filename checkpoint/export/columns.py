"""The columns of an export, their headers in Vietnamese and English, and one row's values.

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
from checkpoint.export.masking import MASKED_FIELDS
from checkpoint.export.source import ExportRow

Cell = int | str | datetime | None
Kind = Literal["int", "time", "text"]


class PersonalMode(StrEnum):
    SEALED = "sealed"
    MASKED = "masked"
    FULL = "full"


@dataclass(frozen=True)
class Column:
    key: str  # JSON Lines key
    vi: str
    en: str
    kind: Kind = "text"
    width: int = 14  # characters, for spreadsheets
    typed: bool = False  # free text someone typed (officer id, pass fields): defused in CSV

    def header(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


BASE_COLUMNS = (
    Column("seq", "Số thứ tự", "Seq", "int", 10),
    Column("time", "Thời gian", "Time", "time", 20),
    Column("station", "Trạm", "Station", width=14, typed=True),
    Column("lane", "Làn", "Lane", width=6, typed=True),
    Column("direction", "Chiều", "Direction", width=9),
    Column("officer", "Cán bộ", "Officer", width=12, typed=True),
    Column("result", "Kết quả", "Result", width=12),
    Column("reason", "Lý do", "Reason", width=30),
    Column("category", "Đối tượng", "Category", width=12, typed=True),
    Column("format", "Loại mã", "Pass format", width=8),
    Column("notes", "Ghi chú", "Notes", width=24),
    Column("crossing_id", "Mã lượt qua", "Crossing ID", width=38),
)

PERSONAL_COLUMNS = {
    "name": Column("name", "Họ và tên", "Name", width=24, typed=True),
    "id_number": Column("id_number", "Số CCCD/CMND", "ID number", width=15, typed=True),
    "birth_date": Column("birth_date", "Ngày sinh", "Birth date", width=11, typed=True),
    "phone": Column("phone", "Số điện thoại", "Phone", width=13, typed=True),
    "vehicle": Column("vehicle", "Biển số xe", "Vehicle", width=12, typed=True),
    "origin": Column("origin", "Nơi đi", "From", width=18, typed=True),
    "destination": Column("destination", "Nơi đến", "To", width=18, typed=True),
    "purpose": Column("purpose", "Mục đích", "Purpose", width=18, typed=True),
    # The pass's own id (HC1 UVCI, CP1 cti): not a citizen's id, so never in the id-number column.
    "document_id": Column("document_id", "Số giấy tờ", "Document no.", width=32, typed=True),
}
assert tuple(PERSONAL_COLUMNS) == PERSONAL_FIELDS

RESULTS = {
    "vi": {"ACCEPT": "Cho qua", "REJECT": "Từ chối", "CHECK": "Kiểm tra lại"},
    "en": {"ACCEPT": "Accepted", "REJECT": "Rejected", "CHECK": "Check"},
}
DIRECTION_NAMES = {"vi": {"in": "Vào", "out": "Ra"}, "en": {"in": "In", "out": "Out"}}
REASONS = {
    "vi": {
        "UNKNOWN_FORMAT": "Không phải mã thông hành",
        "MALFORMED": "Mã bị hỏng",
        "UNKNOWN_KEY": "Nơi cấp không được tin cậy",
        "BAD_SIGNATURE": "Chữ ký không hợp lệ (mã giả)",
        "KEY_REVOKED": "Khóa cấp mã đã bị thu hồi",
        "KEY_NOT_ALLOWED": "Khóa ký không được phép cho loại giấy này",
        "VALIDITY_TOO_LONG": "Thời hạn quá dài",
        "NOT_YET_VALID": "Chưa đến hạn hiệu lực",
        "EXPIRED": "Hết hạn",
        "PASS_REVOKED": "Giấy thông hành đã bị thu hồi",
        "RULE_FAILED": "Không đáp ứng quy định",
        "CANNOT_RECORD": "Không ghi được nhật ký",
    },
    "en": {
        "UNKNOWN_FORMAT": "Not a pass",
        "MALFORMED": "Damaged code",
        "UNKNOWN_KEY": "Issuer not trusted",
        "BAD_SIGNATURE": "Invalid signature (forged)",
        "KEY_REVOKED": "Issuer key revoked",
        "KEY_NOT_ALLOWED": "Signer not allowed for this certificate type",
        "VALIDITY_TOO_LONG": "Valid for too long",
        "NOT_YET_VALID": "Not yet valid",
        "EXPIRED": "Expired",
        "PASS_REVOKED": "Pass revoked",
        "RULE_FAILED": "Fails a checkpoint rule",
        "CANNOT_RECORD": "Could not be recorded",
    },
}
FLAG_NAMES = {
    "vi": {"duplicate": "Trùng lặp", "manual": "Nhập tay", "clock_suspect": "Nghi đồng hồ sai",
           "lists_stale": "Danh sách hết hạn", "id_implausible": "Số giấy tờ không hợp lệ",
           "hidden_chars": "Có ký tự ẩn"},
    "en": {"duplicate": "Duplicate", "manual": "Manual entry", "clock_suspect": "Clock suspect",
           "lists_stale": "Lists out of date", "id_implausible": "Implausible id number",
           "hidden_chars": "Hidden characters"},
}


def columns(mode: PersonalMode) -> tuple[Column, ...]:
    if mode is PersonalMode.SEALED:
        return BASE_COLUMNS
    keys = MASKED_FIELDS if mode is PersonalMode.MASKED else PERSONAL_FIELDS
    return BASE_COLUMNS + tuple(PERSONAL_COLUMNS[k] for k in keys)


def headers(cols: Sequence[Column], language: str, tz_label: str) -> list[str]:
    return [f"{c.header(language)} ({tz_label})" if c.kind == "time" else c.header(language) for c in cols]


def reason_text(reason: str | None, rule: str | None, language: str) -> str | None:
    if reason is None:
        return None
    text = REASONS[language].get(reason, reason)
    return f"{text}: {rule}" if rule else text


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
        self._results = RESULTS[language]
        self._directions = DIRECTION_NAMES[language]
        self._reasons = REASONS[language]
        self._flags = FLAG_NAMES[language]
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
            reason = self._reasons.get(reason, reason)
            if r.rule:
                reason = f"{reason}: {r.rule}"
        row: list[Cell] = [
            r.seq,
            self.local_text(r.recorded_at, at) if self.time_text else at.astimezone(self.tz).replace(tzinfo=None),
            r.station_id,
            r.lane,
            self._directions.get(r.direction, r.direction),
            r.officer_id,
            self._results.get(r.display, r.display),
            reason,
            r.category,
            r.format,
            self._notes(r) if r.flags != "[]" or r.manual or r.clock_suspect else None,
            r.id,
        ]
        if self._personal_keys:
            row += self._empty if personal is None else [getattr(personal, k) for k in self._personal_keys]
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
        }
        for k in self._personal_keys:
            doc[k] = getattr(personal, k) if personal is not None else None
        return doc
