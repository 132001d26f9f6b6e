"""A crossing: what the station records for every scan that reached a verdict, and every manual entry.

This is the record the log stores, sync uploads and exports write. Personal fields travel only
sealed (``checkpoint.sealing``) to the supervisor's key; what stays readable is what a supervisor
needs for counts and what a duplicate check needs (keyed hashes, never the values).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Personal fields: sealed at rest, masked in exports without the supervisor key, never in text logs.
#: ``id_number`` is the person's national id (CP1 ``idn``, or typed by the officer), never a document's
#: id; ``document_id`` is the pass's own id (HC1 UVCI, CP1 cti, ...), kept apart for the supervisor.
PERSONAL_FIELDS = ("name", "id_number", "birth_date", "phone", "vehicle", "origin", "destination", "purpose",
                   "document_id")


@dataclass(frozen=True)
class PersonalData:
    name: str | None = None
    id_number: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    vehicle: str | None = None
    origin: str | None = None
    destination: str | None = None
    purpose: str | None = None
    document_id: str | None = None

    def to_json_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json_bytes(cls, data: bytes) -> PersonalData:
        doc = json.loads(data)
        return cls(**{k: doc.get(k) for k in PERSONAL_FIELDS})


@dataclass(frozen=True)
class Crossing:
    """One row of the crossing log (times are ISO-8601 UTC strings, ids hex)."""

    id: str  # globally unique (UUIDv7)
    seq: int  # per-station, gapless, from 1
    station_id: str
    officer_id: str | None
    lane: str
    direction: str  # "in" / "out"
    recorded_at: str  # the time the verdict was evaluated at (guarded time)
    system_time: str  # what the system clock said
    clock_suspect: bool
    format: str | None  # "CP1", "HC1", "SHC", or None (unknown format / manual)
    kid: str | None
    verdict: str  # "accept" / "reject"
    reason: str | None  # spec reason code, or CANNOT_RECORD-style station reasons
    display: str  # ACCEPT / REJECT / CHECK as shown to the officer
    rule: str | None
    rules_applied: tuple[str, ...]
    flags: tuple[str, ...]  # clock_suspect, duplicate, manual
    manual: bool
    category: str | None
    expires: str | None
    pass_id_hash: str | None  # HMAC-SHA256 (station key) of the pass id, hex
    id_number_hash: str | None  # before schema 4 only: HMAC-SHA256 of the id number, hex (now checkpoint.log.idindex)
    sealed: bytes | None  # PersonalData sealed to the supervisor key
    prev_hash: str  # hash of the previous crossing (hex; 64 zeros for the first)
    hash: str  # hash of this crossing's canonical encoding, prev_hash included
    # Added by the log: the chain covers personal data only through this digest of (pass_id_hash,
    # id_number_hash, sealed), so retention can erase those three and keep the chain verifiable.
    personal_digest: str | None = None
    erased_at: str | None = None  # when retention erased the personal fields (not in the chain)

    def to_wire(self) -> dict[str, Any]:
        """JSON-able form (sync, JSON exports): ``sealed`` as base64."""
        import base64

        # A shallow copy: asdict() deep-copies every value and was most of the cost of a sync batch.
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["rules_applied"], d["flags"] = list(self.rules_applied), list(self.flags)
        d["sealed"] = base64.b64encode(self.sealed).decode() if self.sealed is not None else None
        return d
