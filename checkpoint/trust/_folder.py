"""An issuer key from its bytes: a PEM public key or an X.509 certificate (the files are read by
:mod:`checkpoint.trust_files`)."""

from __future__ import annotations

from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey


def trusted_key(data: bytes, source: str) -> TrustedKey:
    """A PEM public key, or an X.509 certificate (PEM or DER).

    A certificate is found under two kids: its public key's (CP1) and its own (HC1 Document Signer
    Certificates); its validity period and extended key usage bind what it may sign.
    """
    public, cert = keys.load_public_pem(data, source)
    if cert is None:
        return TrustedKey(kid=keys.kid_of(public), public_key=public, source=source)
    from checkpoint.trust import _certs as certs  # X.509 only for certificates: plain keys do not load it

    nb, na = keys.cert_validity(cert)
    return TrustedKey(
        kid=keys.kid_of(public), public_key=public, source=source, not_before=nb, not_after=na,
        certificate=cert, aliases=(certs.cert_kid(cert),), uses=certs.allowed_uses(cert),
    )
