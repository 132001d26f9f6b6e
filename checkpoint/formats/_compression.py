"""zlib and raw DEFLATE with a hard cap: a small QR must not cost unbounded memory (CP1, HC1, SHC)."""

from __future__ import annotations

import zlib

from checkpoint.errors import MalformedPass

MAX_INFLATED = 64 * 1024


def looks_like_zlib(data: bytes) -> bool:
    """A zlib header: deflate method, and the 16-bit header a multiple of 31 (RFC 1950)."""
    return (
        len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and ((data[0] << 8) | data[1]) % 31 == 0
    )


def inflate_capped(data: bytes, cap: int = MAX_INFLATED, *, raw: bool = False) -> bytes:
    """Inflate a zlib stream, or with ``raw`` a bare DEFLATE stream (RFC 1951, as SHC uses)."""
    what = "DEFLATE" if raw else "zlib"
    d = zlib.decompressobj(-15 if raw else 15)
    try:
        out = d.decompress(data, cap + 1)
    except zlib.error as e:
        raise MalformedPass(f"{what}: {e}") from None
    if len(out) > cap or d.unconsumed_tail:
        raise MalformedPass(f"{what}: inflates past the {cap // 1024} KiB cap")
    if not d.eof:
        raise MalformedPass(f"{what}: stream is cut short")
    if d.unused_data:
        raise MalformedPass(f"{what}: bytes after the end of the stream")
    return out


def maybe_inflate(data: bytes, cap: int = MAX_INFLATED) -> bytes:
    """Inflate when the data carries a zlib header, else return it unchanged (uncompressed COSE)."""
    if looks_like_zlib(data):
        return inflate_capped(data, cap)
    if len(data) > cap:
        raise MalformedPass(f"message larger than the {cap // 1024} KiB cap")
    return data
