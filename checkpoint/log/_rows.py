"""Crossing rows: the columns of the ``crossings`` table and their conversion to :class:`Crossing`.

The columns and their conversions come from the crossing's field table (:mod:`checkpoint.crossing.fields`):
``bool`` as INTEGER 0/1, ``texts`` as JSON text, ``hex`` digests as BLOBs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from checkpoint.crossing import Crossing, chain
from checkpoint.crossing.fields import EXTENSION_FIELDS, FIELDS, Kind

COLUMNS = tuple(f.name for f in FIELDS)
#: Columns written when a crossing is recorded: all but those only retention sets (``erased_at``).
INSERTED = tuple(f.name for f in FIELDS if not (f.retention and not f.personal))
SELECT = f"SELECT {', '.join(COLUMNS)} FROM crossings"  # noqa: S608 (fixed column names)
INSERT = f"INSERT INTO crossings ({', '.join(INSERTED)}) VALUES ({', '.join('?' * len(INSERTED))})"  # noqa: S608


def hex_or_none(b: bytes | None) -> str | None:
    return b.hex() if b is not None else None


def blob(h: str | None) -> bytes | None:
    return bytes.fromhex(h) if h is not None else None


def _texts_from_sql(v: str) -> tuple[str, ...]:
    return tuple(json.loads(v))


def _texts_to_sql(v: Any) -> str:
    return json.dumps(list(v))


_FROM_SQL: dict[Kind, Callable[[Any], Any]] = {"bool": bool, "texts": _texts_from_sql, "hex": hex_or_none}
_TO_SQL: dict[Kind, Callable[[Any], Any]] = {"bool": int, "texts": _texts_to_sql, "hex": blob}
_READ = tuple((f.name, _FROM_SQL[f.kind]) for f in FIELDS if f.kind in _FROM_SQL)
_WRITE = tuple((f.name, _TO_SQL[f.kind]) for f in FIELDS if f.kind in _TO_SQL and f.name in INSERTED)


def row_to_crossing(row: tuple[Any, ...]) -> Crossing:
    d = dict(zip(COLUMNS, row, strict=True))
    for name, convert in _READ:
        d[name] = convert(d[name])
    return Crossing(**d)


def row_values(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The ``INSERT`` parameters of a crossing's fields (as the chain hashes them, hex digests as text)."""
    d = dict(values)
    for name in EXTENSION_FIELDS:  # an extension field left out is unset, as the chain hashes it
        d.setdefault(name, None)
    for name, convert in _WRITE:
        d[name] = convert(d[name])
    return tuple(d[c] for c in INSERTED)


def chain_fields(c: Crossing) -> dict[str, Any]:
    return {name: getattr(c, name) for name in chain.CROSSING_FIELDS}
