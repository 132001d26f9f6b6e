"""HC1 passes signed by Document Signer Certificates made here (real keys, real signatures)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from checkpoint.formats import base45, hc1
from checkpoint.formats._cbor import dumps
from checkpoint.formats._cose import ALG_ES256, HEADER_ALG, HEADER_KID, build_sign1
from checkpoint.trust import _certs as certs
from checkpoint.trust import keys

T0 = datetime(2022, 3, 1, 8, 0, tzinfo=UTC)
TEST_OID, VACCINATION_OID, RECOVERY_OID = (f"1.3.6.1.4.1.1847.2021.1.{n}" for n in (1, 2, 3))
UVCI = "URN:UVCI:01:VN:ABC123XYZ#7"
OTHER_PURPOSES = (ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string, ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string)


def signer(eku: Sequence[str] | bytes | None) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key and its self-signed DSC. ``eku``: OIDs; raw bytes for an extension value that is
    not a valid EKU; None for no EKU at all."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, "DSC")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(T0 - timedelta(days=30)).not_valid_after(T0 + timedelta(days=700)))
    if isinstance(eku, bytes):
        builder = builder.add_extension(x509.UnrecognizedExtension(ExtensionOID.EXTENDED_KEY_USAGE, eku), False)
    elif eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in eku]), False)
    return key, builder.sign(key, hashes.SHA256())


def dgc(kind: str, uvci: str = UVCI) -> dict[str, Any]:
    common = {"tg": "840539006", "co": "VN", "is": "Bộ Y tế", "ci": uvci}
    entry: dict[str, Any]
    if kind == "v":
        entry = {"vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
                 "dt": (T0 - timedelta(days=60)).date().isoformat(), **common}
    elif kind == "t":
        entry = {"tt": "LP6464-4", "sc": (T0 - timedelta(hours=5)).isoformat(), "tr": "260415000", **common}
    else:
        entry = {"fr": (T0 - timedelta(days=30)).date().isoformat(), "df": (T0 - timedelta(days=19)).date().isoformat(),
                 "du": (T0 + timedelta(days=150)).date().isoformat(), **common}
    return {"ver": "1.3.0", "nam": {"fn": "Nguyễn", "gn": "Văn An", "fnt": "NGUYEN", "gnt": "VAN<AN"},
            "dob": "1985-03-02", kind: [entry]}


def hc1_text(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, kind: str = "v", uvci: str = UVCI,
             at: datetime = T0) -> str:
    """An HC1 certificate of ``kind`` (v, t, r) signed with ``key``, kid from ``cert``."""
    claims = {1: "VN", 6: int(at.timestamp()), 4: int((at + timedelta(days=365)).timestamp()),
              hc1.CLAIM_HCERT: {hc1.HCERT_EU_DGC_V1: dgc(kind, uvci)}}
    cose = build_sign1({HEADER_ALG: ALG_ES256, HEADER_KID: certs.cert_kid(cert)}, dumps(claims),
                       lambda data: keys.sign(key, data))
    return hc1.PREFIX + base45.b45encode(zlib.compress(cose, 9))
