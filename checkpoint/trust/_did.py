"""NZ COVID Pass issuer keys from a ``did:web`` DID document (the issuer's published ``did.json``).

Only keys listed under ``assertionMethod`` may sign passes; each becomes a TrustedKey found under
its verification method id (``did:web:...#key-1``) and bound to the DID as its issuer. A station
holds a copy of each trusted issuer's document (``[trust] did_documents``); the example issuer of the
NZCP specification is for tests only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checkpoint.errors import KeyLoadError
from checkpoint.trust._jwks import ec_p256_key
from checkpoint.trust._store import TrustedKey


def did_keys(doc: Any, path: str) -> list[TrustedKey]:
    """The assertion keys of a parsed DID document (read from ``path``, named in errors)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), str) or not doc["id"].startswith("did:web:"):
        raise KeyLoadError(f"{path}: not a did:web DID document (no 'id')")
    did: str = doc["id"]
    methods = doc.get("verificationMethod")
    allowed = doc.get("assertionMethod")
    if not isinstance(methods, list) or not isinstance(allowed, list):
        raise KeyLoadError(f"{path}: 'verificationMethod' and 'assertionMethod' must be lists")
    out = []
    for i, vm in enumerate(methods):
        where = f"{path}: verificationMethod #{i}"
        if not isinstance(vm, Mapping) or not isinstance(vm.get("id"), str):
            raise KeyLoadError(f"{where} has no id")
        if vm["id"] not in allowed:
            continue  # a key the issuer does not use to sign passes
        if not vm["id"].startswith(did + "#") or vm.get("controller", did) != did:
            raise KeyLoadError(f"{where}: id {vm['id']!r} does not belong to {did}")
        jwk = vm.get("publicKeyJwk")
        if not isinstance(jwk, Mapping):
            raise KeyLoadError(f"{where}: no publicKeyJwk")
        key = ec_p256_key(jwk, where)
        out.append(TrustedKey(kid=vm["id"].encode("utf-8"), public_key=key, source=path, issuer=did))
    if not out:
        raise KeyLoadError(f"{path}: no assertionMethod key")
    return out
