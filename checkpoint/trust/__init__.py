"""Trust: issuer keys, signed trust lists, pass revocation lists. Built only from verified bytes.

``keys`` (a module) loads and checks public keys; ``TrustStore`` answers which key a kid names;
``load_trust_list`` / ``load_revocation_list`` open signed lists (``TrustedState`` keeps the ones in force);
``load_key_folder``, ``load_issuer_folder`` and ``load_did_document`` read keys from files for pilots and
the health-certificate formats.

The names below are the package's public API: import them from the package (``from checkpoint.trust import X``).
Each is loaded on first use (PEP 562), so importing one costs no more than importing its module;
the modules behind them are free to change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checkpoint.trust import keys as keys
    from checkpoint.trust.did import load_did_document as load_did_document
    from checkpoint.trust.folder import load_key_folder as load_key_folder
    from checkpoint.trust.folder import trusted_key as trusted_key
    from checkpoint.trust.jwks import load_issuer_folder as load_issuer_folder
    from checkpoint.trust.keys import PrivateKey as PrivateKey
    from checkpoint.trust.keys import PublicKey as PublicKey
    from checkpoint.trust.revocation import RevocationList as RevocationList
    from checkpoint.trust.revocation import build_revocation_list as build_revocation_list
    from checkpoint.trust.revocation import load_revocation_list as load_revocation_list
    from checkpoint.trust.signed import MAX_LIST_BYTES as MAX_LIST_BYTES
    from checkpoint.trust.state import REVOCATIONS as REVOCATIONS
    from checkpoint.trust.state import TRUST as TRUST
    from checkpoint.trust.state import ListInForce as ListInForce
    from checkpoint.trust.state import TrustedState as TrustedState
    from checkpoint.trust.store import KeyStatus as KeyStatus
    from checkpoint.trust.store import TrustedKey as TrustedKey
    from checkpoint.trust.store import TrustSource as TrustSource
    from checkpoint.trust.store import TrustStore as TrustStore
    from checkpoint.trust.trustlist import KeyEntry as KeyEntry
    from checkpoint.trust.trustlist import TrustList as TrustList
    from checkpoint.trust.trustlist import build_trust_list as build_trust_list
    from checkpoint.trust.trustlist import load_trust_list as load_trust_list

#: Where each name is defined (a module of this package).
_HOME = {
    "load_did_document": "did",
    "load_key_folder": "folder",
    "trusted_key": "folder",
    "load_issuer_folder": "jwks",
    "PrivateKey": "keys",
    "PublicKey": "keys",
    "RevocationList": "revocation",
    "build_revocation_list": "revocation",
    "load_revocation_list": "revocation",
    "MAX_LIST_BYTES": "signed",
    "REVOCATIONS": "state",
    "TRUST": "state",
    "ListInForce": "state",
    "TrustedState": "state",
    "KeyStatus": "store",
    "TrustSource": "store",
    "TrustStore": "store",
    "TrustedKey": "store",
    "KeyEntry": "trustlist",
    "TrustList": "trustlist",
    "build_trust_list": "trustlist",
    "load_trust_list": "trustlist",
}

__all__ = [
    "MAX_LIST_BYTES",
    "REVOCATIONS",
    "TRUST",
    "KeyEntry",
    "KeyStatus",
    "ListInForce",
    "PrivateKey",
    "PublicKey",
    "RevocationList",
    "TrustList",
    "TrustSource",
    "TrustStore",
    "TrustedKey",
    "TrustedState",
    "build_revocation_list",
    "build_trust_list",
    "keys",
    "load_did_document",
    "load_issuer_folder",
    "load_key_folder",
    "load_revocation_list",
    "load_trust_list",
    "trusted_key",
]

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide typos from them

    def __getattr__(name: str) -> Any:
        home = _HOME.get(name)
        if home is None:  # a submodule not imported yet (``from checkpoint.trust import module``), or a typo
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{__name__}.{name}":
                    raise
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
