"""Hostile inputs for every format, shared by the tests (tests/test_hostile_input.py) and the benchmark
(bench/hostile_input.py): shared-reference DAGs and cycles, deep nesting, bignums, long strings, many
items, odd map keys, duplicate keys, costly tags, zlib/DEFLATE and Base45 bombs.

Each CBOR case is a COSE_Sign1 **signed with a key the verifier trusts** (CP1 Ed25519, HC1 and NZCP
ES256), so nothing but bounded parsing stands between the bytes and the checks after the signature;
``unsigned`` variants carry a zero signature. Every text is at most 8 KiB: the station's promise is for
any such input (``Verifier`` refuses longer ones before parsing; the ``oversize`` cases check that).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import cbor2

from checkpoint.formats import base45, shc_chunks
from checkpoint.model import Alg
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.verify import Verifier

NOW = datetime(2024, 1, 1, tzinfo=UTC)
IAT = int(NOW.timestamp()) - 3600
EXP = IAT + 3 * 86400
CP1_KEY = keys.generate(Alg.EDDSA)
EC_KEY = keys.generate(Alg.ES256)
CP1_KID = keys.kid_of(CP1_KEY.public_key())
EC_KID = keys.kid_of(EC_KEY.public_key())
NZ_ISS = "did:web:nzcp.example.org"
SHC_ISS = "https://issuer.example.org"
SHC_KID = "hostile-test-kid"
MAX_TEXT = 8 * 1024


@dataclass(frozen=True)
class Case:
    fmt: str  # CP1, HC1, SHC, NZCP
    attack: str  # the input class
    text: str

    @property
    def name(self) -> str:
        return f"{self.fmt}:{self.attack}"


def verifier() -> Verifier:
    """One verifier trusting the keys the hostile cases are signed with (every format)."""
    ec_pub = EC_KEY.public_key()
    trusted = [
        TrustedKey(CP1_KID, CP1_KEY.public_key(), "hostile CP1"),
        TrustedKey(EC_KID, ec_pub, "hostile HC1"),
        TrustedKey(NZ_ISS.encode() + b"#" + EC_KID, ec_pub, "hostile NZCP", issuer=NZ_ISS),
        TrustedKey(SHC_KID.encode(), ec_pub, "hostile SHC", issuer=SHC_ISS),
    ]
    return Verifier(TrustStore(trusted, TrustSource("hostile-input keys")))


# -- raw CBOR, written by hand: cbor2 will not write duplicate keys or malformed shapes ------------------
def head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | ai]) + arg.to_bytes(size, "big")
    raise ValueError(arg)


def bstr(b: bytes) -> bytes:
    return head(2, len(b)) + b


def tstr(s: str) -> bytes:
    b = s.encode()
    return head(3, len(b)) + b


def cmap(*pairs: tuple[bytes, bytes]) -> bytes:
    """A map from encoded keys and values, in order, duplicates kept."""
    return head(5, len(pairs)) + b"".join(k + v for k, v in pairs)


def enc(value: object) -> bytes:
    return bytes(cbor2.dumps(value))


def dag(depth: int) -> bytes:
    """Shared references (tags 28/29): an array of ``depth + 1`` shared values, each an array holding
    the one before it twice, by reference. Decoded it is small; anything that walks it (JSON, hashing,
    copying, printing) walks 2**depth leaves."""
    ref = b"\xd8\x1d"
    levels = [b"\xd8\x1c" + tstr("x")]  # shared value 0
    levels += [b"\xd8\x1c\x82" + ref + head(0, i) + ref + head(0, i) for i in range(depth)]
    return head(4, depth + 1) + b"".join(levels)


CYCLE = b"\xd8\x1c\x81\xd8\x1d\x00"  # 28([29(0)]): an array that contains itself


def bignum(n_bytes: int) -> bytes:
    """Tag 2: a positive bignum (8,305 bytes is a 20,000-digit integer)."""
    return b"\xc2" + bstr(b"\x01" + b"\x00" * (n_bytes - 1))


# -- COSE and the format envelopes -----------------------------------------------------------------------
def sign1(protected: bytes, payload: bytes, key: keys.PrivateKey | None, *, tag: bool = True,
          unprotected: bytes = b"\xa0") -> bytes:
    """COSE_Sign1 over ``payload`` (bytes as they are); ``key`` None: a zero signature."""
    to_sign = enc(["Signature1", protected, b"", payload])
    signature = keys.sign(key, to_sign) if key is not None else bytes(64)
    body = head(4, 4) + bstr(protected) + unprotected + bstr(payload) + bstr(signature)
    return (b"\xd2" if tag else b"") + body


def cp1_text(cose: bytes, compress: bool = True) -> str:
    return "CP1:" + base45.b45encode(zlib.compress(cose, 9) if compress else cose)


def hc1_text(cose: bytes, compress: bool = True) -> str:
    return "HC1:" + base45.b45encode(zlib.compress(cose, 9) if compress else cose)


def nzcp_text(cose: bytes) -> str:
    return "NZCP:/1/" + base64.b32encode(cose).decode().rstrip("=")


CP1_PROTECTED = cmap((enc(1), enc(-8)), (enc(4), bstr(CP1_KID)))
EC_PROTECTED = cmap((enc(1), enc(-7)), (enc(4), bstr(EC_KID)))


def _with(pairs: list[tuple[bytes, bytes]], extra: bytes | None, shared: bool) -> bytes:
    """A map of ``pairs`` and, when given, ``"x": extra``; ``shared``: the map is shared value 0 (tag 28),
    so an ``extra`` of 29(0) makes it contain itself."""
    m = cmap(*pairs, *([(tstr("x"), extra)] if extra is not None else []))
    return b"\xd8\x1c" + m if shared else m


def cp1_claims(extra: bytes | None = None, *, shared: bool = False, v: bytes | None = None,
               name: bytes | None = None) -> bytes:
    """Plausible CP1 claims whose pass body also holds ``extra``, or has ``v`` / ``name`` replaced."""
    body = _with([(tstr("v"), v if v is not None else enc(1)), (tstr("nam"), name if name is not None else tstr("An")),
                  (tstr("idn"), tstr("001085012345")), (tstr("dob"), tstr("1985-03-02")),
                  (tstr("cat"), tstr("worker"))], extra, shared)
    return cmap((enc(1), tstr("VN-LCI")), (enc(6), enc(IAT)), (enc(4), enc(EXP)), (enc(7), bstr(bytes(16))),
                (enc(-65537), body))


DGC_ENTRY = {"tg": "840539006", "vp": "J07BX03", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
             "dt": "2021-06-01", "co": "VN", "is": "Bo Y te", "ci": "URN:UVCI:01:VN:HOSTILE"}


def hc1_claims(extra: bytes | None = None, *, shared: bool = False, iat: bytes | None = None) -> bytes:
    """Plausible HC1 claims whose ``eu_dgc_v1`` map (which the parser also turns into JSON) holds ``extra``."""
    dgc = _with([(tstr("ver"), tstr("1.3.0")), (tstr("nam"), enc({"fnt": "AN", "gnt": "VAN"})),
                 (tstr("dob"), tstr("1985-03-02")), (tstr("v"), enc([DGC_ENTRY]))], extra, shared)
    return cmap((enc(1), tstr("VN")), (enc(6), iat if iat is not None else enc(IAT)), (enc(4), enc(EXP)),
                (enc(-260), cmap((enc(1), dgc))))


def nzcp_claims(extra: bytes | None = None, *, shared: bool = False, nbf: bytes | None = None) -> bytes:
    vc = _with([(tstr("type"), enc(["VerifiableCredential", "PublicCovidPass"])), (tstr("version"), tstr("1.0.0")),
                (tstr("credentialSubject"), enc({"givenName": "An", "dob": "1985-03-02"}))], extra, shared)
    return cmap((enc(1), tstr(NZ_ISS)), (enc(5), nbf if nbf is not None else enc(IAT)), (enc(4), enc(EXP)),
                (enc(7), bstr(bytes(16))), (tstr("vc"), vc))


#: Hostile CBOR values, each put where a parser will meet it: (attack, value). Compressed formats
#: take them whole; NZCP (no compression, 8 KiB of Base32 = 5 KiB) takes the ones that fit.
def cbor_values() -> list[tuple[str, bytes]]:
    deep = b"\x81" * 60_000 + b"\x01"
    many = head(4, 60_000) + b"\xf6" * 60_000
    keys_as_arrays = head(5, 400) + b"".join(b"\x82" + head(0, i) + head(0, 7) + b"\x01" for i in range(400))
    return [
        ("dag-22", dag(22)),
        ("dag-24", dag(24)),
        ("cycle", b"\xd8\x1d\x00"),  # 29(0) inside shared value 0: the map contains itself
        ("deep-nesting", deep),
        ("many-items", many),
        ("long-string", tstr("A" * 60_000)),
        ("array-map-keys", keys_as_arrays),
        ("bigfloat", b"\xc5\x82" + head(0, 2**62) + b"\x01"),
        ("stringref", b"\xd9\x01\x00" + enc(["a", "b"])),
        ("indefinite-chunks", b"\x5f" + b"\x41\x00" * 3_000 + b"\xff"),
        ("bignum-8305-bytes", bignum(8305)),
    ]


def _cbor_cases(fmt: str, wrap: Callable[[bytes], str], claims_with: Callable[..., bytes],
                protected: bytes, key: keys.PrivateKey) -> list[Case]:
    out = []
    for attack, value in cbor_values():
        text = wrap(sign1(protected, claims_with(value, shared=attack == "cycle"), key))
        if len(text) <= MAX_TEXT:
            out.append(Case(fmt, attack, text))
    return out


def cp1_cases() -> list[Case]:
    cases = _cbor_cases("CP1", cp1_text, cp1_claims, CP1_PROTECTED, CP1_KEY)
    dup_protected = cmap((enc(1), enc(-8)), (enc(4), bstr(CP1_KID)), (enc(4), bstr(b"\x00" * 8)))
    dup_claims = cp1_claims().replace(head(5, 5), head(5, 6), 1) + enc(4) + enc(2**40)
    dup_body = cp1_claims(v=enc(1)).replace(tstr("v") + enc(1), tstr("v") + enc(1) + tstr("v") + enc(2), 1)
    dup_body = dup_body.replace(head(5, 5) + tstr("v"), head(5, 6) + tstr("v"), 1)
    cases += [
        Case("CP1", "bignum-v-20000-digits", cp1_text(sign1(CP1_PROTECTED, cp1_claims(v=bignum(8305)), CP1_KEY))),
        Case("CP1", "long-name", cp1_text(sign1(CP1_PROTECTED, cp1_claims(name=tstr("A" * 60_000)), CP1_KEY))),
        Case("CP1", "dup-protected-header", cp1_text(sign1(dup_protected, cp1_claims(), CP1_KEY))),
        Case("CP1", "dup-claims", cp1_text(sign1(CP1_PROTECTED, dup_claims, CP1_KEY))),
        Case("CP1", "dup-body", cp1_text(sign1(CP1_PROTECTED, dup_body, CP1_KEY))),
        Case("CP1", "dag-24-unsigned", cp1_text(sign1(CP1_PROTECTED, cp1_claims(dag(24)), None))),
        Case("CP1", "cycle-unsigned", cp1_text(sign1(CP1_PROTECTED, cp1_claims(b"\xd8\x1d\x00", shared=True), None))),
        Case("CP1", "zlib-bomb", "CP1:" + base45.b45encode(zlib.compress(b"\x00" * 5_000_000, 9))),
        Case("CP1", "base45-8k", "CP1:" + "0" * (MAX_TEXT - 6)),
        Case("CP1", "oversize-1MiB", "CP1:" + "0" * (1 << 20)),
    ]
    return cases


def hc1_cases() -> list[Case]:
    cases = _cbor_cases("HC1", hc1_text, hc1_claims, EC_PROTECTED, EC_KEY)
    dup_protected = cmap((enc(1), enc(-7)), (enc(1), enc(-37)), (enc(4), bstr(EC_KID)))
    cases += [
        Case("HC1", "bignum-iat", hc1_text(sign1(EC_PROTECTED, hc1_claims(iat=bignum(8305)), EC_KEY))),
        Case("HC1", "dup-protected-header", hc1_text(sign1(dup_protected, hc1_claims(), EC_KEY))),
        Case("HC1", "dup-unprotected-header", hc1_text(
            sign1(EC_PROTECTED, hc1_claims(), EC_KEY, unprotected=cmap((enc(4), bstr(b"a")), (enc(4), bstr(b"b")))))),
        Case("HC1", "dag-24-unsigned", hc1_text(sign1(EC_PROTECTED, hc1_claims(dag(24)), None))),
        Case("HC1", "cycle-unsigned", hc1_text(sign1(EC_PROTECTED, hc1_claims(b"\xd8\x1d\x00", shared=True), None))),
        Case("HC1", "cycle-array", hc1_text(sign1(EC_PROTECTED, hc1_claims(CYCLE), None))),
        Case("HC1", "cycle-as-cose",  # 28(18([protected, {}, 29(0), sig])): the payload is the message itself
             hc1_text(b"\xd8\x1c\xd2\x84" + bstr(EC_PROTECTED) + b"\xa0\xd8\x1d\x00" + bstr(bytes(64)))),
        Case("HC1", "zlib-bomb", "HC1:" + base45.b45encode(zlib.compress(b"\x00" * 5_000_000, 9))),
        Case("HC1", "base45-8k", "HC1:" + "0" * (MAX_TEXT - 6)),
        Case("HC1", "oversize-1MiB", "HC1:" + "0" * (1 << 20)),
    ]
    return cases


def nzcp_cases() -> list[Case]:
    cases = _cbor_cases("NZCP", nzcp_text, nzcp_claims, EC_PROTECTED, EC_KEY)
    deep = b"\x81" * 4_000 + b"\x01"
    dup_protected = cmap((enc(1), enc(-7)), (enc(4), bstr(EC_KID)), (enc(1), enc(-7)))
    cases += [
        Case("NZCP", "deep-nesting-4000", nzcp_text(sign1(EC_PROTECTED, nzcp_claims(deep), EC_KEY))),
        Case("NZCP", "many-items-4000", nzcp_text(sign1(EC_PROTECTED, nzcp_claims(head(4, 4000) + b"\xf6" * 4000),
                                                          EC_KEY))),
        Case("NZCP", "bignum-nbf", nzcp_text(sign1(EC_PROTECTED, nzcp_claims(nbf=bignum(4000)), EC_KEY))),
        Case("NZCP", "dup-protected-header", nzcp_text(sign1(dup_protected, nzcp_claims(), EC_KEY))),
        Case("NZCP", "base32-8k", "NZCP:/1/" + "A" * (MAX_TEXT - 8)),
        Case("NZCP", "oversize-1MiB", "NZCP:/1/" + "A" * (1 << 20)),
    ]
    return cases


# -- SMART Health Cards: JSON under DEFLATE under a JWS, written as digits ---------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def shc_text(payload: bytes, header: bytes | None = None, *, deflated: bytes | None = None) -> str:
    h = _b64(header or json.dumps({"zip": "DEF", "alg": "ES256", "kid": SHC_KID}).encode())
    signing_input = f"{h}.{_b64(deflated if deflated is not None else _deflate(payload))}"
    jws = f"{signing_input}.{_b64(keys.sign(EC_KEY, signing_input.encode()))}"
    return shc_chunks.encode_numeric(jws)


def _shc_payload(inner: str) -> bytes:
    """A card whose FHIR bundle holds ``inner`` (JSON text) as a resource field."""
    head_ = (f'{{"iss":"{SHC_ISS}","nbf":{IAT},"vc":{{"type":["https://smarthealth.cards#health-card"],'
             '"credentialSubject":{"fhirBundle":{"resourceType":"Bundle","entry":[{"resource":'
             '{"resourceType":"Patient","x":')
    return (head_ + inner + "}}]}}}}").encode()


def shc_cases() -> list[Case]:
    big_int = "1" + "0" * 20_000
    cases = [
        Case("SHC", "deep-nesting", shc_text(_shc_payload("[" * 30_000 + "]" * 30_000))),
        Case("SHC", "nesting-40", shc_text(_shc_payload("[" * 40 + "]" * 40))),
        Case("SHC", "long-float", shc_text(_shc_payload("0." + "1" * 60_000))),
        Case("SHC", "deep-objects", shc_text(_shc_payload('{"a":' * 10_000 + "1" + "}" * 10_000))),
        Case("SHC", "many-items", shc_text(_shc_payload("[" + ",".join(["0"] * 30_000) + "]"))),
        Case("SHC", "long-string", shc_text(_shc_payload('"' + "A" * 60_000 + '"'))),
        Case("SHC", "bignum-20000-digits", shc_text(_shc_payload(big_int))),
        Case("SHC", "bignum-nbf", shc_text(_shc_payload("1").replace(b'"nbf":%d' % IAT, b'"nbf":' + big_int.encode()))),
        Case("SHC", "huge-float", shc_text(_shc_payload("1e999999"))),
        Case("SHC", "dup-header", shc_text(b"{}", b'{"zip":"DEF","alg":"ES256","kid":"%s","alg":"none"}'
                                           % SHC_KID.encode())),
        Case("SHC", "dup-claims", shc_text(_shc_payload("1").replace(b'"nbf"', b'"nbf":0,"nbf"', 1))),
        Case("SHC", "deflate-bomb", shc_text(b"", deflated=_deflate(b" " * 3_000_000))),
        Case("SHC", "digits-8k", "shc:/" + "56" * ((MAX_TEXT - 6) // 2)),
        Case("SHC", "oversize-1MiB", "shc:/" + "56" * (1 << 19)),
    ]
    return cases


def corpus() -> list[Case]:
    return [*cp1_cases(), *hc1_cases(), *shc_cases(), *nzcp_cases()]
