"""A disposition: what the officer did after a verdict (one key), recorded apart from the crossing.

A crossing row never changes once recorded; what happened next (admitted after an ID check, turned back,
sent for testing ...) is its own append-only record, in its own hash chain, pointing at the crossing by id
and hash. A later disposition for the same crossing supersedes the earlier one (a correction); both stay.

The chain (``docs/crossing-log.md``, "Dispositions") uses the crossing chain's encoding
(:func:`checkpoint.crossing.chain.encode`) under its own domain::

    disposition hash = SHA-256( encode("CPDISP1") || encode(field) for field in DISPOSITION_FIELDS )

This module sits beside the crossing's field table, outside the station log, so the central server checks
disposition chains with the same code as the station.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from checkpoint.crossing import chain

DISPOSITION_DOMAIN = "CPDISP1"
#: The fields of a disposition in chain order (``hash`` is their digest).
DISPOSITION_FIELDS = ("seq", "id", "station_id", "crossing_seq", "crossing_id", "crossing_hash", "code",
                      "officer_id", "at", "prev_hash")


class Disposition(StrEnum):
    """What happened after the verdict, in the order of the officer's keys 1..7."""

    ADMITTED_AFTER_CHECK = "admitted_after_check"
    TURNED_BACK = "turned_back"
    SENT_FOR_TESTING = "sent_for_testing"
    MEDICAL_DESK = "medical_desk"
    QUARANTINE = "quarantine"
    FINED = "fined"
    SUSPECTED_ILLEGAL_ENTRY = "suspected_illegal_entry"


#: The officer's key for each disposition ("1".."7").
KEYS: Mapping[str, Disposition] = {str(i + 1): d for i, d in enumerate(Disposition)}
#: Dispositions that raise an alert at the centre on the next sync (seed 001: report illegal entrants promptly).
ALERTING = frozenset({Disposition.SUSPECTED_ILLEGAL_ENTRY})
#: The kind of the central server's alert for a suspected illegal entry.
ALERT_KIND = "illegal_entry"
CODES = frozenset(d.value for d in Disposition)
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class DispositionRecord:
    """One recorded disposition, as the log keeps it and sync sends it."""

    seq: int
    id: str
    station_id: str
    crossing_seq: int
    crossing_id: str
    crossing_hash: str
    code: str
    officer_id: str | None
    at: str
    prev_hash: str
    hash: str

    def to_wire(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*DISPOSITION_FIELDS, "hash")}


def disposition_hash(fields: Mapping[str, Any]) -> str:
    """The chain hash of a disposition's fields (a mapping holding every name in DISPOSITION_FIELDS)."""
    parts = [chain.encode(DISPOSITION_DOMAIN), *(chain.encode(fields[name]) for name in DISPOSITION_FIELDS)]
    return hashlib.sha256(b"".join(parts)).hexdigest()


def is_hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.match(value) is not None
