"""Pass formats: text from a QR in, a :class:`checkpoint.model.SignedPass` out (or ``MalformedPass``).

Each format is a module with ``parse(text)``: ``cp1`` (the station's own), ``hc1`` (EU Digital COVID
Certificate), ``shc`` (SMART Health Cards; ``Assembler`` joins multi-part cards), ``nzcp`` (NZ COVID Pass).
``cccd`` reads the Vietnamese chip ID card's QR: unsigned, so never a pass (not in ``verify.FORMATS``); it
is compared with a pass and fills the manual-entry form.
The COSE/CBOR pieces are public names for the signed lists (checkpoint.trust) and the issuer tools.
Public modules: the four formats, ``base45`` (RFC 9285, the demo's passes and the scan screen) and
``shc_chunks`` (the SMART chunk protocol the CLI joins). The rest (``_cbor``, ``_cose``, ``_compression``,
``_claims``, ``_dcc``, ``_shc_fhir``) are private: import their names from the package.

The names below are the package's public API: import them from the package (``from checkpoint.formats import X``).
Each is loaded on first use (PEP 562), so importing one costs no more than importing its module;
the modules behind them are free to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checkpoint.lazy import lazy_exports

if TYPE_CHECKING:
    from checkpoint.formats import cccd as cccd
    from checkpoint.formats import cp1 as cp1
    from checkpoint.formats import hc1 as hc1
    from checkpoint.formats import nzcp as nzcp
    from checkpoint.formats import shc as shc
    from checkpoint.formats._cbor import LIST as LIST
    from checkpoint.formats._cbor import PASS as PASS
    from checkpoint.formats._cbor import Limits as Limits
    from checkpoint.formats._cbor import dumps as dumps
    from checkpoint.formats._cbor import loads_strict as loads_strict
    from checkpoint.formats._compression import inflate_capped as inflate_capped
    from checkpoint.formats._compression import maybe_inflate as maybe_inflate
    from checkpoint.formats._cose import ALG_EDDSA as ALG_EDDSA
    from checkpoint.formats._cose import ALG_ES256 as ALG_ES256
    from checkpoint.formats._cose import ALG_PS256 as ALG_PS256
    from checkpoint.formats._cose import HEADER_ALG as HEADER_ALG
    from checkpoint.formats._cose import HEADER_KID as HEADER_KID
    from checkpoint.formats._cose import Sign1 as Sign1
    from checkpoint.formats._cose import build_sign1 as build_sign1
    from checkpoint.formats._cose import parse_sign1 as parse_sign1
    from checkpoint.formats.shc_chunks import Assembler as Assembler

#: Where each name is defined (a module of this package).
_HOME = {
    "LIST": "_cbor",
    "PASS": "_cbor",
    "Limits": "_cbor",
    "dumps": "_cbor",
    "loads_strict": "_cbor",
    "inflate_capped": "_compression",
    "maybe_inflate": "_compression",
    "ALG_EDDSA": "_cose",
    "ALG_ES256": "_cose",
    "ALG_PS256": "_cose",
    "HEADER_ALG": "_cose",
    "HEADER_KID": "_cose",
    "Sign1": "_cose",
    "build_sign1": "_cose",
    "parse_sign1": "_cose",
    "Assembler": "shc_chunks",
}

__all__ = [
    "ALG_EDDSA",
    "ALG_ES256",
    "ALG_PS256",
    "HEADER_ALG",
    "HEADER_KID",
    "LIST",
    "PASS",
    "Assembler",
    "Limits",
    "Sign1",
    "build_sign1",
    "cccd",
    "cp1",
    "dumps",
    "hc1",
    "inflate_capped",
    "loads_strict",
    "maybe_inflate",
    "nzcp",
    "parse_sign1",
    "shc",
]

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide typos from them
    __getattr__, __dir__ = lazy_exports(__name__, _HOME, globals(), __all__)
