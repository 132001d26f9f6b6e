"""Which crossings an export or a report covers: a frozen filter applied while streaming the log.

Values within one field are alternatives (``--verdict reject --verdict check``); fields combine with
AND. The id-number filter never holds the number itself: it is turned into the log's id-index key
(``checkpoint.log._idindex``: Argon2id keyed by the station's lookup key, the number normalised by
``checkpoint.lookup_keys``) and, with the supervisor's key, the pre-schema-4 HMAC too, and compared
with the row's ``id_key`` and ``id_number_hash``, so neither the filter, the manifest nor the log's
audit entry ever carries the number.

The plate filter (``export --plate``) has no index: a plate is sealed with the occupant's personal data
(``checkpoint.vehicle.seat_personal``), so it is compared after the supervisor's key opens each row
(:meth:`CrossingFilter.matches_plate`); the manifest and the audit entry record how many plates were
sought, never which (``docs/crossing-log.md``, "Plates at rest").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from checkpoint.crossing import PersonalData
from checkpoint.export import ExportRow
from checkpoint.isotime import iso_z
from checkpoint.log import id_number_hash
from checkpoint.lookup_keys import normalise_plate

__all__ = ["DIRECTIONS", "VERDICTS", "CrossingFilter", "id_number_hash"]

DIRECTIONS = ("in", "out")
#: ``check`` is an accepted crossing shown to the officer as CHECK (duplicate, manual, clock suspect).
VERDICTS = ("accept", "reject", "check")


@dataclass(frozen=True)
class CrossingFilter:
    since: datetime | None = None  # inclusive, aware
    until: datetime | None = None  # exclusive, aware
    directions: frozenset[str] = field(default_factory=frozenset)
    verdicts: frozenset[str] = field(default_factory=frozenset)
    reasons: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    officers: frozenset[str] = field(default_factory=frozenset)
    id_number_hashes: frozenset[str] = field(default_factory=frozenset)
    plates: frozenset[str] = field(default_factory=frozenset)  # normalised (checkpoint.vehicle.plate_of)

    def in_range(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)

    def matches(self, c: ExportRow, at: datetime) -> bool:
        """Whether crossing ``c`` (recorded at ``at``) is covered. Cheapest checks first."""
        if not self.in_range(at):
            return False
        if self.directions and c.direction not in self.directions:
            return False
        if self.verdicts and not (c.verdict in self.verdicts or ("check" in self.verdicts and c.display == "CHECK")):
            return False
        if self.reasons and (c.reason or "") not in self.reasons:
            return False
        if self.categories and (c.category or "") not in self.categories:
            return False
        if self.officers and (c.officer_id or "") not in self.officers:
            return False
        return not self.id_number_hashes or any((h or b"").hex() in self.id_number_hashes
                                                for h in (c.id_key, c.id_number_hash))

    def matches_plate(self, personal: PersonalData | None) -> bool:
        """Whether an opened row's recorded plate is one sought (always, when no plate is sought)."""
        if not self.plates:
            return True
        plate = personal.vehicle if personal is not None else None
        return bool(plate) and normalise_plate(plate or "") in self.plates

    @property
    def selective(self) -> bool:
        """True when the filter drops crossings beyond the time range."""
        return bool(self.directions or self.verdicts or self.reasons or self.categories or self.officers
                    or self.id_number_hashes or self.plates)

    def describe(self) -> dict[str, object]:
        """The filter as the manifest and the audit entry record it (no personal data: hashes only)."""
        out: dict[str, object] = {
            "since": iso_z(self.since),
            "until": iso_z(self.until),
        }
        for name in ("directions", "verdicts", "reasons", "categories", "officers", "id_number_hashes"):
            values = getattr(self, name)
            if values:
                out[name] = sorted(values)
        if self.plates:
            out["plates_sought"] = len(self.plates)  # how many, never which: a plate is personal data
        return out
