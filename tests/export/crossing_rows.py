"""Crossing values built directly (no log), with real sealed personal data, for export and report tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.export._source import ExportRow, rows_of
from checkpoint.log._personal import id_number_hash, seal_personal

HMAC_KEY = b"k" * 32
T0 = datetime(2021, 7, 24, 0, 0, tzinfo=UTC)  # 07:00 in Vietnam

PEOPLE = (
    PersonalData("Nguyễn Văn An", "001085012345", "1985-03-02", "0912345678", "29A-123.45", "Hà Nội", "Bắc Ninh",
                 "công tác"),
    PersonalData("Trần Thị Bích Ngọc", "079190000123", "1990-11-30", None, "51F-987.65", "TP. Hồ Chí Minh",
                 "Đồng Nai", "chở hàng"),
    PersonalData("Lê Đức Thọ", "034201009876", "2001-01-15", "0987000111", None, "Thái Bình", "Hải Phòng", None),
)
REASONS = (None, "EXPIRED", None, "BAD_SIGNATURE", None, "RULE_FAILED", None, "UNKNOWN_KEY")


def crossing(seq: int, *, at: datetime | None = None, personal: PersonalData | None = None,
             seal_to: X25519PublicKey | None = None, **kw: object) -> Crossing:
    at = at or T0 + timedelta(minutes=seq)
    reason = REASONS[seq % len(REASONS)]
    flags: tuple[str, ...] = ("duplicate",) if seq % 7 == 0 else ()
    c = Crossing(
        id=f"0190e6a0-0000-7000-8000-{seq:012d}", seq=seq, station_id="HN-QL1A-01",
        officer_id=("CB-01", "CB-02")[seq % 2], lane="1", direction=("in", "out")[seq % 3 == 0],
        recorded_at=at.isoformat().replace("+00:00", "Z"), system_time=at.isoformat().replace("+00:00", "Z"),
        clock_suspect=False, format="CP1", kid="a1b2c3d4", verdict="reject" if reason else "accept",
        reason=reason, display="REJECT" if reason else ("CHECK" if flags else "ACCEPT"),
        rule="max_test_age" if reason == "RULE_FAILED" else None, rules_applied=("category",), flags=flags,
        manual=False, category=("worker", "driver", "resident")[seq % 3], expires=None,
        pass_id_hash=hashlib.sha256(b"pass%d" % seq).hexdigest(),
        id_number_hash=id_number_hash(HMAC_KEY, personal.id_number) if personal and personal.id_number else None,
        sealed=None, prev_hash="0" * 64, hash=hashlib.sha256(b"row%d" % seq).hexdigest(),
    )
    c = replace(c, **kw)  # type: ignore[arg-type]
    if personal is not None and seal_to is not None:
        c = replace(c, sealed=seal_personal(personal, c.id, seal_to))
    return c


def crossings(n: int, seal_to: X25519PublicKey | None = None, start: int = 1) -> Iterator[Crossing]:
    for seq in range(start, start + n):
        yield crossing(seq, personal=PEOPLE[seq % len(PEOPLE)], seal_to=seal_to)


def row(seq: int, **kw: object) -> ExportRow:
    """One crossing as the export reads it from the log."""
    return next(rows_of([crossing(seq, **kw)]))  # type: ignore[arg-type]
