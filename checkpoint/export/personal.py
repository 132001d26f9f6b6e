"""Opening the sealed personal data of crossings with the supervisor's private key, row after row."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.log.personal import open_personal
from checkpoint.sealing import UnsealError


class PersonalOpener:
    """Opens crossings one by one (``checkpoint.log.open_personal``); counts the ones that do not open.

    A key that opens nothing is the wrong key: the first failure before any success stops the export
    (a whole file of empty columns would look like data). A failure after successes is a damaged or
    altered row: its personal cells stay empty, and the count goes into the manifest.
    """

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self.opened = 0
        self.failed = 0

    def __call__(self, c: Crossing) -> PersonalData | None:
        try:
            data = open_personal(c, self._key)
        except UnsealError:
            if self.opened == 0:
                raise UnsealError(
                    f"the supervisor key does not open the personal data of crossing {c.seq} "
                    f"(station {c.station_id}): is it the key this station seals to?"
                ) from None
            self.failed += 1
            return None
        if data is not None:
            self.opened += 1
        return data
