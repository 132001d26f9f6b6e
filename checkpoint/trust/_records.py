"""Fixed-width records in one sorted byte string, found by bisection (the revocation list's pass ids, the
watch list's entries): no million small ``bytes`` objects on a Raspberry Pi."""

from __future__ import annotations


def find_record(blob: bytes, key: bytes, width: int, lo: int, hi: int) -> int:
    """The position of the record among ``lo``..``hi`` whose first ``len(key)`` bytes are ``key``, or -1. The
    records (``width`` bytes each) are sorted by those bytes and unique."""
    n = len(key)
    while lo < hi:
        mid = (lo + hi) >> 1
        cur = blob[mid * width : mid * width + n]
        if cur < key:
            lo = mid + 1
        elif cur > key:
            hi = mid
        else:
            return mid
    return -1
