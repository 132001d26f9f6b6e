"""Base45 (RFC 9285), strict.

Written here rather than taken from the ``base45`` package: that one silently strips trailing
newlines (the station must refuse anything around the pass text but one CR/LF, which the caller
strips) and is several times slower on the verify hot path.
"""

from __future__ import annotations

from checkpoint.errors import MalformedPass

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_VALUES_BYTES = bytes(_VALUES.get(chr(b), 255) for b in range(256))


def b45decode(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedPass("Base45: text has characters outside the Base45 alphabet") from None
    vals = raw.translate(_VALUES_BYTES)
    if 255 in vals:
        raise MalformedPass("Base45: text has characters outside the Base45 alphabet")
    n = len(vals)
    if n % 3 == 1:
        raise MalformedPass("Base45: impossible length")
    out = bytearray()
    full = n - n % 3
    for i in range(0, full, 3):
        x = vals[i] + vals[i + 1] * 45 + vals[i + 2] * 2025
        if x > 0xFFFF:
            raise MalformedPass("Base45: triple out of range")
        out.append(x >> 8)
        out.append(x & 0xFF)
    if full < n:
        x = vals[full] + vals[full + 1] * 45
        if x > 0xFF:
            raise MalformedPass("Base45: pair out of range")
        out.append(x)
    return bytes(out)


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        x = (data[i] << 8) | data[i + 1]
        e, rest = divmod(x, 2025)
        d, c = divmod(rest, 45)
        out.append(ALPHABET[c] + ALPHABET[d] + ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out.append(ALPHABET[c] + ALPHABET[d])
    return "".join(out)
