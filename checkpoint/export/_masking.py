"""Masking personal fields for exports that leave the supervisor's hands without full identities.

A masked export keeps what lets a contact tracer match a person they already know, and no more:
the name becomes initials ("Nguyễn Văn An" -> "N.V.A."), the id number keeps its last four digits
("********2345"), and every other personal field is left out.
"""

from __future__ import annotations

from checkpoint.crossing import PersonalData
from checkpoint.model import mask_id

#: The personal fields a masked export still carries (masked); the others are left out.
MASKED_FIELDS = ("name", "id_number")


def mask_name(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    return "".join(f"{part[0].upper()}." for part in name.split())


def mask_id_number(id_number: str | None) -> str | None:
    """The station's one id mask (:func:`checkpoint.model.mask_id`), filled with ``*`` for files."""
    return mask_id(id_number, fill="*") if id_number else None


def mask(personal: PersonalData) -> PersonalData:
    """Initials and the last four digits; every other personal field is dropped."""
    return PersonalData(name=mask_name(personal.name), id_number=mask_id_number(personal.id_number))
