"""Opening the sealed personal data of a crossing with the supervisor's private key."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.sealing import UnsealError, unseal


def sealing_aad(c: Crossing) -> bytes:
    """The associated data the log binds each sealed blob to (so a blob cannot be moved to another row)."""
    return b""


class PersonalOpener:
    """Opens crossings one by one; counts the ones that do not open.

    A key that opens nothing is the wrong key: the first failure before any success stops the export
    (a whole file of empty columns would look like data). A failure after successes is a damaged or
    altered row: its personal cells stay empty, and the count goes into the manifest.
    """

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self.opened = 0
        self.failed = 0

    def __call__(self, c: Crossing) -> PersonalData | None:
        if c.sealed is None:
            return None
        try:
            data = unseal(c.sealed, self._key, sealing_aad(c))
        except UnsealError:
            if self.opened == 0:
                raise UnsealError(
                    f"the supervisor key does not open the personal data of crossing {c.seq} "
                    f"(station {c.station_id}): is it the key this station seals to?"
                ) from None
            self.failed += 1
            return None
        self.opened += 1
        return PersonalData.from_json_bytes(data)
