"""The signed pass revocation list: revoked pass ids (cti), monotonic, fast at a million entries.

The ids are held as one sorted byte string (16 bytes each: 16 MB for a million) and searched by
bisection, instead of a set of a million ``bytes`` objects (~100 MB on a Raspberry Pi).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from checkpoint.errors import ListFormatError, ListRollbackError
from checkpoint.trust import keys
from checkpoint.trust._records import find_record
from checkpoint.trust._signed import open_list, sign_list

DOC_TYPE = "cp1-revocation-list"
ID_LEN = 16
INDEX_FROM = 4096  # from this many ids on, a 256 KiB index by the first two bytes cuts the bisection to ~4 steps


def _prefix_index(blob: bytes, n: int) -> array[int]:
    """``index[p]``: the position of the first id whose first two bytes are >= ``p`` (65,537 entries)."""
    import numpy

    prefixes = numpy.frombuffer(blob, dtype=">u2").reshape(n, ID_LEN // 2)[:, 0]
    starts = numpy.searchsorted(prefixes, numpy.arange(65537), side="left").astype(numpy.uint32)
    return array("I", starts.tobytes())


class SortedIds:
    """Fixed-width ids in one sorted, duplicate-free byte string."""

    __slots__ = ("_blob", "_index", "_n")

    def __init__(self, blob: bytes) -> None:
        if len(blob) % ID_LEN:
            raise ListFormatError(f"revocation list: id block is not a multiple of {ID_LEN} bytes")
        self._blob = blob
        self._n = len(blob) // ID_LEN
        mv = memoryview(blob)
        prev = b""
        for i in range(self._n):
            cur = mv[i * ID_LEN : (i + 1) * ID_LEN].tobytes()
            if cur <= prev:
                raise ListFormatError("revocation list: ids are not sorted and unique")
            prev = cur
        self._index = _prefix_index(blob, self._n) if self._n >= INDEX_FROM else None

    @classmethod
    def from_ids(cls, ids: Iterable[bytes]) -> SortedIds:
        uniq = sorted(set(ids))
        if any(len(i) != ID_LEN for i in uniq):
            raise ValueError(f"pass ids are {ID_LEN} bytes")
        return cls(b"".join(uniq))

    def __len__(self) -> int:
        return self._n

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, bytes) or len(item) != ID_LEN:
            return False
        lo, hi = 0, self._n
        index = self._index
        if index is not None:  # narrow to the ids sharing the first two bytes (~15 at a million)
            p = (item[0] << 8) | item[1]
            lo, hi = index[p], index[p + 1]
        return find_record(self._blob, item, ID_LEN, lo, hi) >= 0

    def __iter__(self) -> Iterator[bytes]:
        blob = self._blob
        for i in range(self._n):
            yield blob[i * ID_LEN : (i + 1) * ID_LEN]

    @property
    def blob(self) -> bytes:
        return self._blob

    def missing_from(self, other: SortedIds) -> int:
        """How many of these ids ``other`` lacks (a merge walk over both sorted lists)."""
        a, b = iter(self), iter(other)
        missing = 0
        y = next(b, None)
        for x in a:
            while y is not None and y < x:
                y = next(b, None)
            if y != x:
                missing += 1
        return missing


@dataclass(frozen=True)
class RevocationList:
    version: int
    issued: datetime
    expires: datetime
    ids: SortedIds
    raw: bytes

    def __contains__(self, pass_id: bytes) -> bool:
        return pass_id in self.ids


def load_revocation_list(
    data: bytes, roots: Sequence[keys.PublicKey], now: datetime | None, *, previous: RevocationList | None = None
) -> RevocationList:
    """Verify and parse a signed revocation list. A newer list must keep every id of ``previous``."""
    opened = open_list(data, roots, DOC_TYPE, now, what="revocation list", previous=previous)
    version = opened.version
    blob = opened.doc.get("ids")
    if not isinstance(blob, bytes):
        raise ListFormatError("revocation list: 'ids' is missing or not a byte string")
    ids = SortedIds(blob)
    if previous is not None and data != previous.raw:
        dropped = previous.ids.missing_from(ids)
        if dropped:
            raise ListRollbackError(
                f"revocation list version {version} drops {dropped} revoked pass(es) of version "
                f"{previous.version}; a newer list may only add"
            )
    return RevocationList(version, opened.issued, opened.expires, ids, data)


def build_revocation_list(
    ids: Iterable[bytes], *, version: int, issued: datetime, expires: datetime, root: keys.PrivateKey
) -> bytes:
    return sign_list(DOC_TYPE, {"ids": SortedIds.from_ids(ids).blob}, version=version, issued=issued,
                     expires=expires, root=root)
