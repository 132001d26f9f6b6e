"""Document Signer Certificates (X.509) of health certificates: their kid and their key usage.

The EU specification restricts what a signer may sign through extended key usage OIDs (test,
vaccination, recovery). Only those OIDs restrict: a certificate without an EKU, with an empty one, or
with one naming only other purposes (TLS client, ICAO VDS-NC, ...) may sign all three kinds, as the
EU reference and national verifier apps decide. ``cryptography`` parses every extension at once and
refuses a certificate whose extensions break DER rules (some national test certificates encode a
default BOOLEAN, for instance); the public key is still good, so the EKU is then read by a minimal
DER walk over the certificate's extensions instead. An EKU that cannot be read even so fails closed:
the signer may sign nothing.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

OID_EKU = "2.5.29.37"
#: EU DCC extended key usage OIDs (hcert spec §5.1.1), both the intended and the published arc.
USAGE_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1": "test",
    "1.3.6.1.4.1.1847.2021.1.2": "vaccination",
    "1.3.6.1.4.1.1847.2021.1.3": "recovery",
    "1.3.6.1.4.1.0.1847.2021.1.1": "test",
    "1.3.6.1.4.1.0.1847.2021.1.2": "vaccination",
    "1.3.6.1.4.1.0.1847.2021.1.3": "recovery",
}


def cert_kid(cert: x509.Certificate) -> bytes:
    """HC1 key id: the first 8 bytes of SHA-256 over the certificate's DER."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()[:8]


def allowed_uses(cert: x509.Certificate) -> frozenset[str] | None:
    """The health-certificate kinds this signer may sign, or None when it is not restricted.

    - no EKU extension, an empty one (EU test data CO15), or one naming only other purposes
      (EU test data IS 3, ES): None, any kind;
    - an EKU naming DCC OIDs: exactly those kinds;
    - an EKU that cannot be read (broken DER, twice present): the empty set, no kind at all.
    """
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        oids: list[str] | None = [o.dotted_string for o in eku]
    except x509.ExtensionNotFound:
        oids = None
    except (ValueError, x509.DuplicateExtension):  # an extension cryptography refuses to parse
        try:
            oids = _eku_by_der(cert.public_bytes(serialization.Encoding.DER))
        except _DerError:
            return frozenset()
    uses = frozenset(USAGE_OIDS[o] for o in oids or () if o in USAGE_OIDS)
    return uses or None


class _DerError(Exception):
    pass


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER item at ``pos``."""
    if pos + 2 > len(data):
        raise _DerError
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or pos + n > len(data):
            raise _DerError
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    if pos + length > len(data):
        raise _DerError
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        item = _tlv(data, start)
        out.append(item)
        start = item[2]
    return out


def _oid(raw: bytes) -> str:
    if not raw or raw[-1] & 0x80:  # empty, or the last sub-identifier cut short
        raise _DerError
    parts = [min(raw[0] // 40, 2), raw[0] - 40 * min(raw[0] // 40, 2)]
    value = 0
    for b in raw[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))


def _eku_by_der(der: bytes) -> list[str] | None:
    """EKU OIDs read straight from the DER; None when the certificate has no EKU extension.

    Raises ``_DerError`` when the extensions or the EKU cannot be read, or the EKU is there twice:
    the caller then fails closed.
    """
    found: list[list[str]] = []
    try:
        _, cs, ce = _tlv(der, 0)
        _, ts, te = _children(der, cs, ce)[0]
        for tag, s, e in _children(der, ts, te):
            if tag != 0xA3:  # [3] extensions
                continue
            ltag, ls, le = _tlv(der, s)
            if ltag != 0x30 or le != e:
                raise _DerError
            for xtag, xs, xe in _children(der, ls, le):
                parts = _children(der, xs, xe)
                if xtag != 0x30 or not parts or parts[0][0] != 0x06:
                    raise _DerError
                if _oid(der[parts[0][1] : parts[0][2]]) != OID_EKU:
                    continue
                vtag, vs, ve = parts[-1]
                if vtag != 0x04 or len(parts) not in (2, 3):  # extnID, [critical], extnValue OCTET STRING
                    raise _DerError
                stag, ss, se = _tlv(der, vs)
                if stag != 0x30 or se != ve:
                    raise _DerError
                items = _children(der, ss, se)
                if any(t != 0x06 for t, _, _ in items):
                    raise _DerError
                found.append([_oid(der[a:b]) for _, a, b in items])
    except IndexError:
        raise _DerError from None
    if len(found) > 1:
        raise _DerError
    return found[0] if found else None
