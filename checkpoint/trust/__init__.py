"""Trust: issuer keys, signed trust lists, pass revocation lists. Built only from verified bytes.

``keys`` (a module) loads and checks public keys; ``TrustStore`` answers which key a kid names;
``load_trust_list`` / ``load_revocation_list`` open signed lists (``TrustedState`` keeps the ones in force);
``trusted_key``, ``jwks_keys`` and ``did_keys`` check issuer keys handed over as bytes or parsed JSON
(``checkpoint.trust_files`` reads the files: the core reads none). ``keys`` is the one public module; the
others (``_store``, ``_trustlist``, ``_revocation``, ``_signed``, ``_state``, ``_folder``, ``_jwks``, ``_did``,
``_certs``) are private.

The names below are the package's public API: import them from the package (``from checkpoint.trust import X``).
Each is loaded on first use (PEP 562), so importing one costs no more than importing its module;
the modules behind them are free to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checkpoint.lazy import lazy_exports

if TYPE_CHECKING:
    from checkpoint.trust import keys as keys
    from checkpoint.trust._did import did_keys as did_keys
    from checkpoint.trust._folder import trusted_key as trusted_key
    from checkpoint.trust._jwks import jwks_keys as jwks_keys
    from checkpoint.trust._revocation import RevocationList as RevocationList
    from checkpoint.trust._revocation import build_revocation_list as build_revocation_list
    from checkpoint.trust._revocation import load_revocation_list as load_revocation_list
    from checkpoint.trust._signed import MAX_LIST_BYTES as MAX_LIST_BYTES
    from checkpoint.trust._signed import check_newer as check_newer
    from checkpoint.trust._signed import open_document as open_document
    from checkpoint.trust._signed import open_list as open_list
    from checkpoint.trust._signed import sign_document as sign_document
    from checkpoint.trust._signed import sign_list as sign_list
    from checkpoint.trust._signed import ts as ts
    from checkpoint.trust._state import REVOCATIONS as REVOCATIONS
    from checkpoint.trust._state import TRUST as TRUST
    from checkpoint.trust._state import ListInForce as ListInForce
    from checkpoint.trust._state import TrustedState as TrustedState
    from checkpoint.trust._store import KeyStatus as KeyStatus
    from checkpoint.trust._store import TrustedKey as TrustedKey
    from checkpoint.trust._store import TrustSource as TrustSource
    from checkpoint.trust._store import TrustStore as TrustStore
    from checkpoint.trust._trustlist import KeyEntry as KeyEntry
    from checkpoint.trust._trustlist import TrustList as TrustList
    from checkpoint.trust._trustlist import build_trust_list as build_trust_list
    from checkpoint.trust._trustlist import load_trust_list as load_trust_list
    from checkpoint.trust._watch import WATCH_PRODUCTION_PARAMS as WATCH_PRODUCTION_PARAMS
    from checkpoint.trust._watch import Instruction as Instruction
    from checkpoint.trust._watch import WatchHashParams as WatchHashParams
    from checkpoint.trust._watch import WatchKind as WatchKind
    from checkpoint.trust._watch import WatchList as WatchList
    from checkpoint.trust._watch import WatchMatch as WatchMatch
    from checkpoint.trust._watch import build_watch_list as build_watch_list
    from checkpoint.trust._watch import entry_key as entry_key
    from checkpoint.trust._watch import load_watch_list as load_watch_list
    from checkpoint.trust._watch_state import WatchState as WatchState
    from checkpoint.trust.keys import PrivateKey as PrivateKey
    from checkpoint.trust.keys import PublicKey as PublicKey

#: Where each name is defined (a module of this package).
_HOME = {
    "did_keys": "_did",
    "trusted_key": "_folder",
    "jwks_keys": "_jwks",
    "PrivateKey": "keys",
    "PublicKey": "keys",
    "RevocationList": "_revocation",
    "build_revocation_list": "_revocation",
    "load_revocation_list": "_revocation",
    "MAX_LIST_BYTES": "_signed",
    # the signed lists' envelope, for other signed documents (the policy bundle, checkpoint.policy)
    "check_newer": "_signed",
    "open_document": "_signed",
    "open_list": "_signed",
    "sign_document": "_signed",
    "sign_list": "_signed",
    "ts": "_signed",
    "REVOCATIONS": "_state",
    "TRUST": "_state",
    "ListInForce": "_state",
    "TrustedState": "_state",
    "KeyStatus": "_store",
    "TrustSource": "_store",
    "TrustStore": "_store",
    "TrustedKey": "_store",
    "KeyEntry": "_trustlist",
    "TrustList": "_trustlist",
    "build_trust_list": "_trustlist",
    "load_trust_list": "_trustlist",
    # the watch list (lane watch)
    "Instruction": "_watch",
    "WATCH_PRODUCTION_PARAMS": "_watch",
    "WatchHashParams": "_watch",
    "WatchKind": "_watch",
    "WatchList": "_watch",
    "WatchMatch": "_watch",
    "build_watch_list": "_watch",
    "entry_key": "_watch",
    "load_watch_list": "_watch",
    "WatchState": "_watch_state",
}

__all__ = [
    "MAX_LIST_BYTES",
    "REVOCATIONS",
    "TRUST",
    "WATCH_PRODUCTION_PARAMS",
    "Instruction",
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
    "WatchHashParams",
    "WatchKind",
    "WatchList",
    "WatchMatch",
    "WatchState",
    "build_revocation_list",
    "build_trust_list",
    "build_watch_list",
    "check_newer",
    "did_keys",
    "entry_key",
    "jwks_keys",
    "keys",
    "load_revocation_list",
    "load_trust_list",
    "load_watch_list",
    "open_document",
    "open_list",
    "sign_document",
    "sign_list",
    "trusted_key",
    "ts",
]

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide typos from them
    __getattr__, __dir__ = lazy_exports(__name__, _HOME, globals(), __all__)
