"""Opening the sealed personal data of crossings with the supervisor's private key, row after row."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.crossing import PersonalData, aad_for
from checkpoint.export._source import ExportRow
from checkpoint.sealing import UnsealError, unseal


class PersonalOpener:
    """Opens crossings one by one (bound to their crossing id, as the log seals them); counts failures.

    A key that opens nothing is the wrong key: the first failure before any success stops the export
    (a whole file of empty columns would look like data). A failure after successes is a damaged or
    altered row: its personal cells stay empty, and the count goes into the manifest.
    """

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self.opened = 0
        self.failed = 0

    def __call__(self, c: ExportRow) -> PersonalData | None:
        if c.sealed is None:
            return None  # no personal data recorded, or erased by retention
        try:
            data = PersonalData.from_json_bytes(unseal(c.sealed, self._key, aad_for(c.id)))
        except UnsealError:
            if self.opened == 0:
                raise UnsealError(
                    f"the supervisor key does not open the personal data of crossing {c.seq} "
                    f"(station {c.station_id}): is it the key this station seals to?"
                ) from None
            self.failed += 1
            return None
        self.opened += 1
        return data
