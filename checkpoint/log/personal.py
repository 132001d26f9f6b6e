"""Personal data at rest: sealed to the supervisor's key, and keyed hashes for duplicates and lookups.

The station seals a crossing's :class:`PersonalData` to the supervisor's (or central authority's)
X25519 public key, so it can write it but never read it back: a stolen station reveals no names.
The crossing id is the AES-GCM associated data, so a sealed blob moved onto another row does not open.

Keyed hashes (HMAC-SHA256 with the station's ``hmac.key``, one domain per purpose) let the station
find the same pass or the same id number again without storing either value.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from checkpoint import sealing
from checkpoint.crossing import Crossing, PersonalData
from checkpoint.model import Subject

MAX_FIELD_CHARS = 200


def aad_for(crossing_id: str) -> bytes:
    return b"checkpoint-crossing:" + crossing_id.encode("ascii")


def seal_personal(personal: PersonalData, crossing_id: str, recipient: X25519PublicKey) -> bytes:
    return sealing.seal(personal.to_json_bytes(), recipient, aad_for(crossing_id))


def open_personal(crossing: Crossing, private: X25519PrivateKey) -> PersonalData | None:
    """The personal fields of a crossing (None if there are none or retention erased them).

    Raises :class:`checkpoint.sealing.UnsealError` for a wrong key or an altered blob.
    """
    if crossing.sealed is None:
        return None
    return PersonalData.from_json_bytes(sealing.unseal(crossing.sealed, private, aad_for(crossing.id)))


def from_subject(subject: Subject, document_id: str | None = None) -> PersonalData:
    """The personal fields of a verified pass: the person (``id_number`` only when the document names
    the holder's national id) and, apart, the document's own id (``Pass.document_id``)."""
    return PersonalData(
        name=subject.name, id_number=subject.id_number, birth_date=subject.birth_date, vehicle=subject.vehicle,
        origin=subject.origin, destination=subject.destination, purpose=subject.purpose,
        document_id=document_id,
    )


def normalise_id_number(id_number: str) -> str:
    """Id numbers are compared without spaces, dashes or dots, upper-case (as officers type them)."""
    return "".join(ch for ch in id_number.upper() if ch not in " -.\t")


def keyed_hash(key: bytes, purpose: bytes, value: bytes) -> str:
    return hmac.new(key, purpose + b"\x00" + value, hashlib.sha256).hexdigest()


def pass_id_hash(key: bytes, pass_id: bytes) -> str:
    return keyed_hash(key, b"pass-id", pass_id)


def id_number_hash(key: bytes, id_number: str) -> str:
    return keyed_hash(key, b"id-number", normalise_id_number(id_number).encode("utf-8"))


def too_long_field(personal: PersonalData) -> str | None:
    """The name of the first field longer than the cap (a name, never the value), or None."""
    for name, value in vars(personal).items():
        if value is not None and len(value) > MAX_FIELD_CHARS:
            return name
    return None
