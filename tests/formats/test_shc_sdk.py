"""The SMART Health Cards validation SDK's vectors (``../shared/vectors/shc``), each with its expected error.

``EXPECTED-validation-sdk.md`` lists the SDK's tests and the errors it expects. Each test whose input
a checkpoint station can meet (a numeric QR text, a QR image, a JWS, a health-card file, a signed
JWS payload, an issuer's keys and revocation list) is run through the station's own code and must
get the outcome that SDK error maps to (docs/formats.md, "SMART Health Cards"):

    JWS_HEADER_ERROR, INFLATION_ERROR, TRAILING_CHARACTERS, JSON_PARSE_ERROR,
    INVALID_NUMERIC_QR, SCHEMA_ERROR (no health-card type), ms timestamps   -> MALFORMED
    INVALID_NUMERIC_QR_HEADER (no "shc:/")                                  -> UNKNOWN_FORMAT
    JWS_VERIFICATION_ERROR (kid unknown)                                    -> UNKNOWN_KEY
    JWS_VERIFICATION_ERROR (signature), SIGNATURE_FORMAT_ERROR (DER)        -> BAD_SIGNATURE
    ISSUER_KID_MISMATCH, INVALID_ISSUER_URL, ISSUER_KEY_DOWNLOAD_ERROR      -> KEY_REVOKED (key of another issuer)
    NOT_YET_VALID / EXPIRATION_ERROR                                        -> NOT_YET_VALID / EXPIRED
    REVOCATION_ERROR (a bad CRL)                                            -> the issuer's keys refuse to load
    MISSING_QR_CHUNK, duplicate or out-of-range part, part too big          -> the QR parts do not assemble
    QR_DECODE_ERROR                                                         -> no QR text in the image

SDK *warnings* (deprecated chunking, JWS too long, extra VC types, QR version/segment modes) do not
stop a station: those vectors must verify ("valid": signature, issuer and time good). Example 03 is on
its issuer's revocation list, which the station holds: PASS_REVOKED. Tests whose input never reaches a
station are listed in NOT_APPLICABLE with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checkpoint.decision import Decision, Reason, Verdict
from checkpoint.errors import KeyLoadError, MalformedPass
from checkpoint.formats import shc_chunks
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.trust_files import load_issuer_dir, load_jwks
from checkpoint.verify import Verifier
from tests.conftest import SHARED, shared_path
from tests.formats.shc_helpers import EXAMPLE_ISS, example_store, mint, private_key, verify_jws

ROOT = SHARED / "vectors" / "shc"
SDK = ROOT / "validation-sdk-testdata"
EXAMPLES = ROOT / "examples"
NOW = datetime(2023, 7, 1, tzinfo=UTC)
VALID = "valid"  # signature, issuer and time good: accepted, or refused only by the checkpoint's rules
LOAD_ERROR, PARTS_ERROR, NO_QR = "issuer keys refuse to load", "QR parts do not assemble", "no QR in the image"


@dataclass(frozen=True)
class Vector:
    test: str  # the SDK test's name
    kind: str  # qrnumeric, qr, jws, healthcard, jwspayload, crl
    files: tuple[str, ...]  # under validation-sdk-testdata (examples: "ex:" prefix)
    expected: str  # a Reason value, VALID, or one of the outcomes above


def V(test: str, kind: str, files: str | tuple[str, ...], expected: str | Reason) -> Vector:
    names = (files,) if isinstance(files, str) else files
    return Vector(test, kind, names, expected.value if isinstance(expected, Reason) else expected)


def ex(n: str, suffix: str) -> str:
    return f"ex:example-{n}-{suffix}"


EX02_QR = tuple(ex("02", f"f-qr-code-numeric-value-{i}.txt") for i in range(3))
TOO_SMALL = tuple(f"test-example-00-f-qr-code-numeric-value-{i}-qr_chunk_too_small.txt" for i in range(17))
BADCRL = {
    "invalid-method": "CRL with invalid method",
    "non-base64url-rid": "CRL with invalid rid (base64)",
    "duplicate-rid": "CRL with invalid rid (duplicate)",
    "too-long-rid": "CRL with invalid rid (too long)",
    "version-mismatch": "CRL with version mismatch",
}

VECTORS = [
    *(
        V(f"valid {n} JWS payload expanded", "jwspayload", ex(n, "b-jws-payload-expanded.json"), VALID)
        for n in ("00", "01")
    ),
    # Pretty-printed, example 02's lab panel inflates past the station's 64 KiB cap. Cards carry minified
    # JSON (the spec requires it), and the minified one below verifies.
    V("valid 02 JWS payload expanded", "jwspayload", ex("02", "b-jws-payload-expanded.json"), Reason.MALFORMED),
    *(
        V(f"valid {n} JWS payload minified", "jwspayload", ex(n, "c-jws-payload-minified.json"), VALID)
        for n in ("00", "01", "02")
    ),
    V("valid 03 JWS payload expanded", "jwspayload", ex("03", "b-jws-payload-expanded.json"), Reason.PASS_REVOKED),
    V("valid 03 JWS payload minified", "jwspayload", ex("03", "c-jws-payload-minified.json"), Reason.PASS_REVOKED),
    *(V(f"valid {n} JWS", "jws", ex(n, "d-jws.txt"), VALID) for n in ("00", "01", "02")),
    V("valid 03 JWS", "jws", ex("03", "d-jws.txt"), Reason.PASS_REVOKED),
    V("jws too long", "jws", ex("02", "d-jws.txt"), VALID),
    *(V(f"valid {n} health card", "healthcard", ex(n, "e-file.smart-health-card"), VALID) for n in ("00", "01", "02")),
    V("valid 03 health card", "healthcard", ex("03", "e-file.smart-health-card"), Reason.PASS_REVOKED),
    *(V(f"valid {n} QR numeric", "qrnumeric", ex(n, "f-qr-code-numeric-value-0.txt"), VALID) for n in ("00", "01")),
    V("valid 02 QR numeric", "qrnumeric", EX02_QR, VALID),
    V("valid 02 QR numeric (out of order)", "qrnumeric", (EX02_QR[1], EX02_QR[0], EX02_QR[2]), VALID),
    V("valid 03 QR numeric", "qrnumeric", ex("03", "f-qr-code-numeric-value-0.txt"), Reason.PASS_REVOKED),
    V("valid 1195-byte QR numeric", "qrnumeric", "test-example-1195-byte-qrnumeric.txt", VALID),
    V("valid 00 QR code: requires scaling 23", "qr", "test-example-00-g-qr-code-0-scaled-23.jpg", VALID),
    V("valid 00 QR code: requires scaling 85", "qr", "test-example-00-g-qr-code-0-scaled-85.jpg", VALID),
    V(
        "valid 00 health card w/ multiple jws",
        "healthcard",
        "test-example-00-e-file-multi-jws.smart-health-card",
        VALID,
    ),
    V(
        "jws payload w/ trailing chars",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-trailing_chars.json",
        Reason.MALFORMED,
    ),
    V("jws w/ trailing chars", "jws", "test-example-00-d-jws-trailing_chars.txt", Reason.MALFORMED),
    # Whitespace around the JSON of a file: the station reads the JWS inside, which is good.
    V("health card w/ trailing chars", "healthcard", "test-example-00-e-file-trailing_chars.smart-health-card", VALID),
    # Whitespace before "shc:/": nothing but the pass may be in the scanned text, so no known prefix.
    V(
        "numeric QR w/ trailing chars",
        "qrnumeric",
        "test-example-00-f-qr-code-numeric-value-0-trailing_chars.txt",
        Reason.UNKNOWN_FORMAT,
    ),
    V(
        "not yet valid",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-nbf_not_yet_valid.json",
        Reason.NOT_YET_VALID,
    ),
    V("expired", "jwspayload", "test-example-00-b-jws-payload-expanded-expired.json", Reason.EXPIRED),
    V(
        "exp in milliseconds",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-exp_milliseconds.json",
        Reason.MALFORMED,
    ),
    V(
        "unnecessary QR chunks",
        "qr",
        ("test-example-00-g-qr-code-0-qr_chunk_too_small.png", "test-example-00-g-qr-code-1-qr_chunk_too_small.png"),
        VALID,
    ),
    V("many unnecessary QR chunks", "qrnumeric", TOO_SMALL, VALID),
    V(
        "missing immunization VC type",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-missing-imm-vc-type.json",
        VALID,
    ),
    V(
        "missing covid VC type",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-missing-covid-vc-type.json",
        VALID,
    ),
    V("missing lab VC type", "jwspayload", "test-example-covid-lab-jwspayload-missing-lab-vc-type.json", VALID),
    V("missing coding", "jwspayload", "test-example-00-b-jws-payload-expanded-missing-coding.json", VALID),
    V("inflated QR code", "qr", "test-example-00-g-qr-code-inflated-to-v22.png", VALID),
    V("invalid deflate", "healthcard", "test-example-00-e-file-invalid_deflate.smart-health-card", Reason.MALFORMED),
    V("no deflate", "healthcard", "test-example-00-e-file-no_deflate.smart-health-card", Reason.MALFORMED),
    V("no JWS header 'alg'", "jws", "test-example-00-d-jws-no_jws_header_alg.txt", Reason.MALFORMED),
    V("no JWS header 'kid'", "jws", "test-example-00-d-jws-no_jws_header_kid.txt", Reason.MALFORMED),
    V("no JWS header 'zip'", "jws", "test-example-00-d-jws-no_jws_header_zip.txt", Reason.MALFORMED),
    V("wrong JWS header 'kid'", "jws", "test-example-00-d-jws-wrong_jws_header_kid.txt", Reason.UNKNOWN_KEY),
    V("JWS Payload with BOM UTF-8 prefix", "jws", "test-example-00-d-jws-utf8_bom_prefix.txt", Reason.MALFORMED),
    *(V(test, "crl", f"badcrl/{name}", LOAD_ERROR) for name, test in BADCRL.items()),
    V(
        "invalid issuer url",
        "healthcard",
        "test-example-00-e-file-invalid_issuer_url.smart-health-card",
        Reason.KEY_REVOKED,
    ),
    V(
        "nbf in milliseconds",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-nbf_milliseconds.json",
        Reason.MALFORMED,
    ),
    V("exp date before nbf", "jwspayload", "test-example-00-b-jws-payload-expanded-pre-expired.json", Reason.EXPIRED),
    V(
        "invalid issuer url (http)",
        "healthcard",
        "test-example-00-e-file-invalid_issuer_url_http.smart-health-card",
        Reason.KEY_REVOKED,
    ),
    V(
        "invalid issuer url (trailing /)",
        "healthcard",
        "test-example-00-e-file-issuer_url_with_trailing_slash.smart-health-card",
        Reason.KEY_REVOKED,
    ),
    V("invalid JWK set", "healthcard", "test-example-00-e-file-bad_jwks.smart-health-card", Reason.KEY_REVOKED),
    V(
        "invalid QR header",
        "qrnumeric",
        "test-example-00-f-qr-code-numeric-value-0-wrong_qr_header.txt",
        Reason.UNKNOWN_FORMAT,
    ),
    V("wrong file extension", "healthcard", "test-example-00-e-file.wrong-extension", VALID),
    V("invalid signature", "jws", "test-example-00-d-jws-invalid-signature.txt", Reason.BAD_SIGNATURE),
    V(
        "invalid single chunk QR header",
        "qrnumeric",
        "test-example-00-f-qr-code-numeric-value-0-wrong-multi-chunk.txt",
        VALID,
    ),
    V("missing QR chunk", "qrnumeric", (EX02_QR[0], EX02_QR[2]), PARTS_ERROR),
    V("duplicated QR chunk index", "qrnumeric", (EX02_QR[0], EX02_QR[2], EX02_QR[0]), PARTS_ERROR),
    V(
        "QR chunk index out of range",
        "qrnumeric",
        ("test-example-00-f-qr-code-numeric-value-0-index-out-of-range.txt", EX02_QR[1]),
        PARTS_ERROR,
    ),
    V(
        "QR chunk too big",
        "qrnumeric",
        (
            "test-example-02-f-qr-code-numeric-value-0-qr_chunk_too_big.txt",
            "test-example-02-f-qr-code-numeric-value-1-qr_chunk_too_big.txt",
        ),
        PARTS_ERROR,
    ),
    V(
        "invalid numeric QR with odd count",
        "qrnumeric",
        "test-example-00-f-qr-code-numeric-value-0-odd-count.txt",
        Reason.MALFORMED,
    ),
    V(
        "invalid numeric QR with value too big",
        "qrnumeric",
        "test-example-00-f-qr-code-numeric-value-0-number-too-big.txt",
        Reason.MALFORMED,
    ),
    V("single segment QR", "qr", "test-example-00-g-qr-code-0-single_qr_segment.png", VALID),
    V("too many QR segments", "qr", "test-example-00-g-qr-code-0-too_many_qr_segment.png", Reason.MALFORMED),
    V("invalid QR version", "qr", "test-example-00-g-qr-code-0-bad_qr_version.png", VALID),
    V("corrupted QR code", "qr", "test-example-00-g-qr-code-0-corrupted.png", NO_QR),
    V("invalid JWS payload encoding (double-stringify)", "qr", "test-invalid-jws-payload.png", Reason.MALFORMED),
    *(
        V(f"der encoded signature{s}", "jws", f"test-example-00-d-jws-der-signature{f}.txt", Reason.BAD_SIGNATURE)
        for s, f in (("", ""), (" s-negative", "-s-neg"), (" r-negative", "-r-neg"), (" r&s negative", "-rs-neg"))
    ),
    V(
        "health card w/ multi-jws and issues",
        "healthcard",
        "test-example-00-e-file-multi-jws-issues.smart-health-card",
        Reason.MALFORMED,
    ),
    V(
        "missing SHC VC type",
        "jwspayload",
        "test-example-00-b-jws-payload-expanded-missing-shc-vc-type.json",
        Reason.MALFORMED,
    ),
    V("issuer not in trusted directory", "untrusted", ex("00", "d-jws.txt"), Reason.UNKNOWN_KEY),
    V("un-needed VC type", "jwspayload", "test-example-00-b-jws-payload-expanded-optional-vc-type.json", VALID),
    V("unknown VC types", "jwspayload", "test-example-00-b-jws-payload-expanded-unknown-vc-types.json", VALID),
    V("mismatch kid/issuer", "mismatch", "test-example-00-d-jws-issuer-kid-mismatch.txt", Reason.KEY_REVOKED),
    V("SHL QR", "qr", "shlink-qr.png", Reason.UNKNOWN_FORMAT),  # a SMART Health Link is not a pass
]

#: SDK tests whose input never reaches a checkpoint station: reason -> the tests.
NOT_APPLICABLE = {
    "a bare FHIR bundle is unsigned, so never a station input; FHIR profile validation is the issuer's job": [
        *(f"valid {n} FHIR bundle" for n in ("00", "01", "02", "03")),
        "fhir bundle w/ trailing chars",
        "valid 00 FHIR bundle with non-dm properties",
        "valid 00 FHIR bundle with non-short refs",
        "bad meta with extra key",
        "bad meta without security key",
        "bad meta with wrong security field",
        "fhir bundle w/ usa-profile errors",
        "fhir bundle w/ empty elements",
        "fhir bundle w/ missing occurrence & extra occurrence",
        "immunization status not 'completed'",
    ],
    "SVG vector images are not camera frames (the same cards' numeric QR texts are run)": [
        "valid 00 QR code SVG",
        "valid 01 QR code SVG",
        "valid 02 QR code SVG",
        "valid 03 QR code",
    ],
    "images the SDK renders at test time, not in the data set": [
        "valid 02 QR code PNG",
        "valid 02 QR code JPG",
        "valid 02 QR code BMP",
    ],
    "the FHIR $health-cards-issue API response is fetched online, not scanned": [
        "valid FHIR api health card",
        "valid FHIR api health card",
        "valid FHIR api health card with optional data",
    ],
    "SMART Health Links need the network and a passcode (a link's QR is run above: UNKNOWN_FORMAT)": [
        "SHL Link",
        "SHL Link Direct",
        "SHL Payload Direct",
        "SHL Link w/ Viewer",
        "SHL Payload",
        "SHL Manifest",
        "SHL File",
        "SHL Link: bad passcode",
    ],
    "an online issuer directory; the station's trust store is its directory": [
        "issuer in trusted directory ref by name",
        "issuer in trusted directory ref by URL",
    ],
}


def _read(name: str) -> str:
    path = EXAMPLES / name[3:] if name.startswith("ex:") else SDK / name
    return path.read_text(encoding="utf-8")


def _decisions(v: Vector, verifier: Verifier) -> list[Decision] | str:
    """The station's decisions for a vector, or the outcome that stopped it first."""
    if v.kind == "crl":
        try:
            iss = f"https://github.com/smart-on-fhir/health-cards-dev-tools/blob/main/testdata/{v.files[0]}"
            load_issuer_dir(iss, SDK / v.files[0])
        except KeyLoadError:
            return LOAD_ERROR
        return "loaded"
    if v.kind in ("qrnumeric", "qr"):
        texts = [t for f in v.files for t in (_image_texts(SDK / f) if v.kind == "qr" else [_read(f)])]
        if not texts:
            return NO_QR
        try:
            text = shc_chunks.assemble(texts) if len(texts) > 1 else texts[0]
        except MalformedPass:
            return PARTS_ERROR
        return [verifier.verify(text, NOW)]
    if v.kind == "healthcard":
        try:
            doc = json.loads(_read(v.files[0]))
        except ValueError:
            return Reason.MALFORMED.value  # not even a readable file
        return [verify_jws(verifier, jws, NOW) for jws in doc["verifiableCredential"]]
    if v.kind == "jwspayload":
        jwk = json.loads((ROOT / "generator-test-keys" / "issuer.jwks.private.json").read_text())["keys"][0]
        jws = mint(_read(v.files[0]).encode("utf-8"), private_key(jwk), jwk["kid"])
        return [verifier.verify(shc_chunks.encode_numeric(jws), NOW)]
    return [verify_jws(verifier, _read(v.files[0]), NOW)]


def _image_texts(path: Path) -> list[str]:
    """QR texts in an image, decoded with zxing-cpp (the scanner's main decoder)."""
    import cv2
    import zxingcpp

    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    return [r.text for r in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)]


def _outcome(decisions: list[Decision] | str) -> str:
    if isinstance(decisions, str):
        return decisions
    for d in decisions:  # the first refusal other than the checkpoint's own rules is the outcome
        if d.verdict is Verdict.REJECT and d.reason is not Reason.RULE_FAILED:
            return d.reason.value if d.reason else "?"
    return VALID


def _verifier(v: Vector) -> Verifier:
    if v.kind == "untrusted":
        return Verifier(TrustStore.empty())
    store = example_store(EXAMPLES / "issuer")
    if v.kind == "mismatch":  # the SDK's test gives the other key set as the card's issuer's
        other = load_jwks("https://example.org/not-smart", SDK / "issuer.jwks.public.not.smart.json")
        store = TrustStore([*store.all_keys(), *other], TrustSource("example issuer + another issuer"))
    return Verifier(store)


def test_every_sdk_test_is_run_or_said_not_applicable() -> None:
    expected = shared_path("vectors", "shc", "EXPECTED-validation-sdk.md").read_text()
    sdk = Counter(m.group(1) for m in re.finditer(r"^\| Cards: (.*?) \|", expected, re.MULTILINE))
    ours = Counter([v.test for v in VECTORS] + [t for tests in NOT_APPLICABLE.values() for t in tests])
    assert sdk == ours
    assert (sum(sdk.values()), len(VECTORS)) == (118, 84)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.test)
def test_vector(vector: Vector) -> None:
    shared_path("vectors", "shc", "validation-sdk-testdata")
    assert _outcome(_decisions(vector, _verifier(vector))) == vector.expected


def test_revocation_list_of_the_examples_loads() -> None:
    keys = load_issuer_dir(EXAMPLE_ISS, shared_path("vectors", "shc", "examples", "issuer"))
    revoked = [k for k in keys if k.revoked_ids]
    assert len(revoked) == 1 and b"vwAjHdarZuc" in (revoked[0].revoked_ids or {})
