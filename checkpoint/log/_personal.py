"""Personal data at rest: sealed to the supervisor's key, and keyed hashes for duplicates and lookups.

The station seals a crossing's :class:`PersonalData` to the supervisor's (or central authority's)
X25519 public key, so it can write it but never read it back: a stolen station reveals no names.
The crossing id is the AES-GCM associated data, so a sealed blob moved onto another row does not open.

A keyed hash (HMAC-SHA256 with the station's ``lookup.key``) lets the station find the same pass
again without storing its id. Id numbers are guessable (province, birth year, 6 digits), so they are
not hashed here but in the memory-hard id index (``checkpoint.log._idindex``).
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from checkpoint import sealing
from checkpoint.crossing import Crossing, PersonalData, aad_for
from checkpoint.log._idindex import legacy_id_number_hash
from checkpoint.lookup_keys import normalise_pass_id
from checkpoint.model import Subject

MAX_FIELD_CHARS = 200
__all__ = ["MAX_FIELD_CHARS", "aad_for", "from_subject", "id_number_hash", "keyed_hash", "open_personal",
           "pass_id_hash", "seal_personal", "too_long_field"]  # aad_for: from checkpoint.crossing


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


def keyed_hash(key: bytes, purpose: bytes, value: bytes) -> str:
    return hmac.new(key, purpose + b"\x00" + value, hashlib.sha256).hexdigest()


def pass_id_hash(key: bytes, pass_id: bytes) -> str:
    """The keyed hash of a pass id, textual ids normalised first (``checkpoint.lookup_keys``)."""
    return keyed_hash(key, b"pass-id", normalise_pass_id(pass_id))


def id_number_hash(key: bytes, id_number: str) -> str:
    """The id-number hash of logs made before schema 4 (HMAC-SHA256: fast, so it gave ids back).

    New crossings are indexed with a memory-hard hash instead (``checkpoint.log._idindex``); this is kept
    to find, with the supervisor's key, rows made before the upgrade.
    """
    return legacy_id_number_hash(key, id_number)


def too_long_field(personal: PersonalData) -> str | None:
    """The name of the first field longer than the cap (a name, never the value), or None."""
    for name, value in vars(personal).items():
        if value is not None and len(value) > MAX_FIELD_CHARS:
            return name
    return None
