"""A crossing: what the station records for every scan that reached a verdict, and every manual entry.

This is the record the log stores, sync uploads and exports write. Personal fields travel only
sealed (``checkpoint.sealing``) to the supervisor's key; what stays readable is what a supervisor
needs for counts and what a duplicate check needs (keyed hashes, never the values).

The package is the crossing's schema layer, shared by the station log and the central server: the
field table (:mod:`checkpoint.crossing.fields`), the hash chain (:mod:`checkpoint.crossing.chain`) and
the associated data that binds a sealed record to its crossing (:func:`aad_for`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from checkpoint.crossing.fields import BY_NAME, PERSONAL_FIELDS

__all__ = ["PERSONAL_FIELDS", "Crossing", "PersonalData", "aad_for"]


def aad_for(crossing_id: str) -> bytes:
    """The AES-GCM associated data of a crossing's sealed record: a blob moved onto another row does not open."""
    return b"checkpoint-crossing:" + crossing_id.encode("ascii")



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
    # The declaration an officer takes in manual entry (lane cccd; a record sealed before has none of them).
    address: str | None = None
    places_visited: str | None = None  # places visited in the last 14 days, as declared
    case_contact: str | None = None  # contact with a case: "yes" / "no" / "unknown"
    symptoms: str | None = None  # symptom codes, comma-separated ("fever,cough"), or "none"

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
    id_number_hash: str | None  # before schema 4 only: HMAC-SHA256 of the id number, hex (now checkpoint.log._idindex)
    sealed: bytes | None  # PersonalData sealed to the supervisor key
    prev_hash: str  # hash of the previous crossing (hex; 64 zeros for the first)
    hash: str  # hash of this crossing's canonical encoding, prev_hash included
    # Added by the log: the chain covers personal data only through this digest of (pass_id_hash,
    # id_number_hash, sealed), so retention can erase those three and keep the chain verifiable.
    personal_digest: str | None = None
    erased_at: str | None = None  # when retention erased the personal fields (not in the chain)
    # Extension fields (checkpoint.crossing.fields): None on crossings that do not set them
    vehicle_id: str | None = None  # the vehicle this crossing was an occupant of (checkpoint.vehicle)
    vehicle_role: str | None = None  # "driver" / "passenger"
    # extension fields (checkpoint.crossing.fields): lane policy, the centre's policy bundle applied
    origin_level: str | None = None  # the origin's risk level ("1".."9", "unknown"); None: no bundle in force
    policy_rule: str | None = None  # the bundle's rule applied, e.g. "L4:*:test72"
    policy_version: int | None = None  # the bundle's version

    def to_wire(self) -> dict[str, Any]:
        """JSON-able form (sync, JSON exports): the field table's ``wire`` fields in this class's order,
        lists for ``texts``, base64 for ``blob``."""
        # A shallow copy: asdict() deep-copies every value and was most of the cost of a sync batch.
        d = {name: getattr(self, name) for name in _WIRE_ORDER}
        for name in _WIRE_LISTS:
            d[name] = list(d[name])
        for name in _WIRE_BLOBS:
            v = d[name]
            d[name] = base64.b64encode(v).decode() if v is not None else None
        for name in _WIRE_EXTENSIONS:  # absent while None: old crossings travel byte for byte as before
            if d[name] is None:
                del d[name]
        return d


#: Wire keys in this dataclass's order (the order stations have always sent; see ``fields``' docstring).
_WIRE_ORDER = tuple(f.name for f in dataclass_fields(Crossing) if BY_NAME[f.name].wire)
_WIRE_LISTS = tuple(n for n in _WIRE_ORDER if BY_NAME[n].kind == "texts")
_WIRE_BLOBS = tuple(n for n in _WIRE_ORDER if BY_NAME[n].kind == "blob")
_WIRE_EXTENSIONS = tuple(n for n in _WIRE_ORDER if BY_NAME[n].extension)
