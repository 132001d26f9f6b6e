"""Public keys: kids, loading from PEM/X.509, and checking a signature in one place."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import nacl.exceptions
import nacl.signing
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from checkpoint.errors import KeyLoadError
from checkpoint.model import Alg

if TYPE_CHECKING:
    from cryptography import x509

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())  # immutable; made once (its construction cost ~3 us a verify)


def spki_der(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def kid_of(key: PublicKey) -> bytes:
    """CP1 key id: the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(spki_der(key)).digest()[:8]


def alg_fits(alg: Alg, key: PublicKey) -> bool:
    if alg is Alg.EDDSA:
        return isinstance(key, ed25519.Ed25519PublicKey)
    if alg is Alg.ES256:
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if alg is Alg.PS256:
        return isinstance(key, rsa.RSAPublicKey)
    return False


def signature_valid(key: PublicKey, alg: Alg | None, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies with ``key`` under ``alg``; any mismatch is False.

    ES256 signatures are raw ``r || s`` (32 bytes each), as COSE and JWS carry them.
    """
    if alg is None or not alg_fits(alg, key):
        return False
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            return _ed25519_valid(key, signature, data)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            der = encode_dss_signature(r, s)
            key.verify(der, data, _ECDSA_SHA256)
        else:
            key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                hashes.SHA256(),
            )
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return False
    return True


_SODIUM_KEYS: dict[bytes, nacl.signing.VerifyKey] = {}


def _ed25519_valid(key: ed25519.Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Ed25519 through libsodium (PyNaCl): twice the rate of OpenSSL's here, and strict about
    non-canonical signatures and small-order keys. Keys are trusted keys only, so the cache is small."""
    raw = key.public_bytes_raw()
    vk = _SODIUM_KEYS.get(raw)
    if vk is None:
        if len(_SODIUM_KEYS) > 4096:
            _SODIUM_KEYS.clear()
        vk = _SODIUM_KEYS[raw] = nacl.signing.VerifyKey(raw)
    try:
        vk.verify(data, signature)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


def sign(key: PrivateKey, data: bytes) -> bytes:
    """Sign as COSE/JWS expect: Ed25519's 64 bytes, or ES256 as raw ``r || s``."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def alg_for_private(key: PrivateKey) -> Alg:
    return Alg.EDDSA if isinstance(key, ed25519.Ed25519PrivateKey) else Alg.ES256


def check_supported(key: object, source: str) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyLoadError(f"{source}: EC key on curve {key.curve.name}; only P-256 is supported")
        return key
    raise KeyLoadError(f"{source}: unsupported key type {type(key).__name__} (use Ed25519 or EC P-256)")


def load_public_pem(data: bytes, source: str) -> tuple[PublicKey, x509.Certificate | None]:
    """A PEM public key, or an X.509 certificate (PEM or DER) whose key is taken."""
    if b"PRIVATE KEY-----" in data:
        raise KeyLoadError(f"{source}: this is a PRIVATE key; trust needs public keys only (remove it from here)")
    if b"-----BEGIN CERTIFICATE-----" in data or not data.lstrip().startswith(b"-----"):
        from cryptography import x509  # certificates only: a CP1 verify of plain keys does not load it

        try:
            cert = (
                x509.load_pem_x509_certificate(data)
                if b"-----BEGIN CERTIFICATE-----" in data
                else x509.load_der_x509_certificate(data)
            )
        except ValueError as e:
            raise KeyLoadError(f"{source}: not a readable certificate ({e})") from None
        return check_supported(cert.public_key(), source), cert
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as e:
        raise KeyLoadError(f"{source}: not a readable PEM public key ({e})") from None
    return check_supported(key, source), None


def load_private_pem(data: bytes, source: str, password: bytes | None = None) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise KeyLoadError(f"{source}: not a readable PEM private key ({e})") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise KeyLoadError(f"{source}: unsupported private key type (use Ed25519 or EC P-256)")


def public_from_spki(der: bytes, source: str) -> PublicKey:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as e:
        raise KeyLoadError(f"{source}: not a readable public key ({e})") from None
    return check_supported(key, source)


def private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate(alg: Alg) -> PrivateKey:
    if alg is Alg.EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    if alg is Alg.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"cannot generate keys for {alg}")


def cert_validity(cert: x509.Certificate) -> tuple[datetime, datetime]:
    return cert.not_valid_before_utc, cert.not_valid_after_utc
