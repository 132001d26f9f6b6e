"""Crossing rows: the columns of the ``crossings`` table and their conversion to :class:`Crossing`."""

from __future__ import annotations

import json
from typing import Any

from checkpoint.crossing import Crossing
from checkpoint.log import chain

COLUMNS = (
    "seq", "id", "station_id", "officer_id", "lane", "direction", "recorded_at", "system_time", "clock_suspect",
    "format", "kid", "verdict", "reason", "display", "rule", "rules_applied", "flags", "manual", "category",
    "expires", "pass_id_hash", "id_number_hash", "sealed", "personal_digest", "prev_hash", "hash", "erased_at",
)
SELECT = f"SELECT {', '.join(COLUMNS)} FROM crossings"  # noqa: S608 (fixed column names)
INSERT = f"INSERT INTO crossings ({', '.join(COLUMNS[:-1])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})"  # noqa: S608


def hex_or_none(b: bytes | None) -> str | None:
    return b.hex() if b is not None else None


def blob(h: str | None) -> bytes | None:
    return bytes.fromhex(h) if h is not None else None


def row_to_crossing(row: tuple[Any, ...]) -> Crossing:
    d = dict(zip(COLUMNS, row, strict=True))
    return Crossing(
        id=d["id"], seq=d["seq"], station_id=d["station_id"], officer_id=d["officer_id"], lane=d["lane"],
        direction=d["direction"], recorded_at=d["recorded_at"], system_time=d["system_time"],
        clock_suspect=bool(d["clock_suspect"]), format=d["format"], kid=d["kid"], verdict=d["verdict"],
        reason=d["reason"], display=d["display"], rule=d["rule"], rules_applied=tuple(json.loads(d["rules_applied"])),
        flags=tuple(json.loads(d["flags"])), manual=bool(d["manual"]), category=d["category"], expires=d["expires"],
        pass_id_hash=hex_or_none(d["pass_id_hash"]), id_number_hash=hex_or_none(d["id_number_hash"]),
        sealed=d["sealed"],
        prev_hash=d["prev_hash"].hex(), hash=d["hash"].hex(), personal_digest=hex_or_none(d["personal_digest"]),
        erased_at=d["erased_at"],
    )


def chain_fields(c: Crossing) -> dict[str, Any]:
    return {name: getattr(c, name) for name in chain.CROSSING_FIELDS}
