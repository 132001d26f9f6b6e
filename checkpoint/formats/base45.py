"""Base45 (RFC 9285), strict.

Written here rather than taken from the ``base45`` package: that one silently strips trailing
newlines (the station must refuse anything around the pass text but one CR/LF, which the caller
strips), and a per-character Python loop costs ~30 us a pass, a quarter of the whole verify budget.
Decoding maps characters to values with ``bytes.translate`` and combines the triples with NumPy
(~8 us); NumPy is already loaded on a station because OpenCV depends on it.
"""

from __future__ import annotations

import sys
from typing import Any

from checkpoint.errors import MalformedPass

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_VALUES_BYTES = bytes(_VALUES.get(chr(b), 255) for b in range(256))
_np: Any = None  # NumPy, imported on the first decode: importing the parser (config, --help) stays light
_WEIGHTS: Any = None


def _numpy() -> Any:
    global _np, _WEIGHTS
    if _np is None:
        import numpy

        _WEIGHTS = numpy.array([1, 45, 2025], dtype=numpy.uint32)
        _np = numpy
    return _np


def _triples_numpy(vals: bytes, full: int) -> bytes:
    np = _np or _numpy()
    triples = np.frombuffer(vals, dtype=np.uint8, count=full).reshape(-1, 3) @ _WEIGHTS  # uint32, no copy
    if full and int(triples.max()) > 0xFFFF:
        raise MalformedPass("Base45: triple out of range")
    return bytes(triples.astype(">u2").tobytes())


def _triples_python(vals: bytes, full: int) -> bytes:
    """The same without NumPy (~30 us a pass instead of ~8): for a one-shot command, where importing NumPy
    would cost 60 ms; the app and the benchmarks have NumPy loaded (OpenCV needs it) and take the other path."""
    out = bytearray()
    for i in range(0, full, 3):
        x = vals[i] + vals[i + 1] * 45 + vals[i + 2] * 2025
        if x > 0xFFFF:
            raise MalformedPass("Base45: triple out of range")
        out += x.to_bytes(2, "big")
    return bytes(out)


def b45decode(text: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise MalformedPass("Base45: text has characters outside the Base45 alphabet") from None
    vals = raw.translate(_VALUES_BYTES)
    if b"\xff" in vals:
        raise MalformedPass("Base45: text has characters outside the Base45 alphabet")
    n = len(vals)
    rest = n % 3
    if rest == 1:
        raise MalformedPass("Base45: impossible length")
    full = n - rest
    out = _triples_numpy(vals, full) if _np is not None or "numpy" in sys.modules else _triples_python(vals, full)
    if rest:
        x = vals[full] + vals[full + 1] * 45
        if x > 0xFF:
            raise MalformedPass("Base45: pair out of range")
        out += bytes((x,))
    return out


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
