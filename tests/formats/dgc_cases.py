"""Checks of the EU DCC test data (``dgc-testdata``): one function per ``EXPECTED*`` flag.

Each returns whether the step succeeded, through the station's own code: the HC1 layers, the trust
store built from ``TESTCTX.CERTIFICATE``, and the verifier's own checks. Shared by the full suite
(``../shared``) and the copied cases in ``tests/data/dgc``.
"""

from __future__ import annotations

import base64
import binascii
import csv
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2

from checkpoint.clock import parse_instant
from checkpoint.decision import Decision, Reason, Verdict
from checkpoint.errors import KeyLoadError, MalformedPass
from checkpoint.formats import _compression as compression
from checkpoint.formats import base45, hc1
from checkpoint.formats._cose import parse_sign1
from checkpoint.model import SignedPass
from checkpoint.trust._folder import trusted_key
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.verify import Verifier, format_of, time_problem

Case = Mapping[str, Any]
SKEW = timedelta(seconds=300)


def clock(case: Case) -> datetime:
    return parse_instant(case["TESTCTX"]["VALIDATIONCLOCK"])


def store(case: Case) -> TrustStore:
    try:
        key = trusted_key(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]), "TESTCTX.CERTIFICATE")
    except (KeyError, KeyLoadError, binascii.Error):
        return TrustStore.empty()
    return TrustStore([key], TrustSource("test context"))


def _signed(case: Case) -> SignedPass | None:
    try:
        return hc1.parse_cose(bytes.fromhex(case["COSE"]))
    except (MalformedPass, ValueError):
        return None


def unprefix(case: Case) -> bool:
    text = case["PREFIX"]
    entry = format_of(text)
    return entry is not None and entry[0] == hc1.FORMAT and text[len(hc1.PREFIX) :] == case["BASE45"]


def b45decode(case: Case) -> bool:
    try:
        return base45.b45decode(case["BASE45"]) == bytes.fromhex(case["COMPRESSED"])
    except MalformedPass:
        return False


def compressed(case: Case) -> bool:
    try:
        return compression.inflate_capped(bytes.fromhex(case["COMPRESSED"])) == bytes.fromhex(case["COSE"])
    except MalformedPass:
        return False


def decode(case: Case) -> bool:
    """The COSE payload parses as an HC1 certificate and equals the CBOR given (whole claims, or, in
    some countries' cases, only the certificate inside)."""
    if _signed(case) is None:
        return False
    claims = cbor2.loads(parse_sign1(bytes.fromhex(case["COSE"]), cwt_tag=True).payload)
    given = cbor2.loads(bytes.fromhex(case["CBOR"]))
    return bool(given in (claims, hc1.health_payload(claims)))


def _decision_reason(case: Case) -> Reason | None:
    signed = _signed(case)
    if signed is None:
        return Reason.MALFORMED
    return Verifier(store(case)).check_signed(signed, clock(case)).reason


def verify(case: Case) -> bool:
    """The signature verifies with the test certificate, found by kid."""
    return _decision_reason(case) not in (Reason.MALFORMED, Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE)


def expiration(case: Case) -> bool:
    """Valid at the validation clock: the verifier's own NOT_YET_VALID / EXPIRED test."""
    signed = _signed(case)
    return signed is not None and time_problem(signed.pass_, clock(case), SKEW) is None


def key_usage(case: Case) -> bool:
    """The test certificate's EKU allows this kind of certificate (upstream's definition: checked
    against ``TESTCTX.CERTIFICATE`` even where the kid names another signer, as in PL 6)."""
    signed = _signed(case)
    if signed is None:
        return False
    cert = signed.pass_.certificate
    return cert is not None and any(k.may_sign(cert.kind) for k in store(case).all_keys())


def picture(case: Case) -> bool:
    """The PNG decodes (zxing-cpp, as the scanner's main decoder) to the PREFIX text."""
    import cv2
    import numpy as np
    import zxingcpp

    try:
        png = base64.b64decode(case["2DCODE"])
    except binascii.Error:
        return False
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return False
    texts = [r.text for r in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)]
    return case["PREFIX"] in texts


CHECKS: dict[str, tuple[str, Callable[[Case], bool]]] = {
    # flag: (upstream test name used in known_issues.csv, check)
    "EXPECTEDUNPREFIX": ("test_unprefix", unprefix),
    "EXPECTEDB45DECODE": ("test_b45decode", b45decode),
    "EXPECTEDCOMPRESSION": ("test_compression", compressed),
    "EXPECTEDDECODE": ("test_cbor_json", decode),
    "EXPECTEDVERIFY": ("test_verification_check", verify),
    "EXPECTEDEXPIRATIONCHECK": ("test_expiration_check", expiration),
    "EXPECTEDKEYUSAGE": ("test_expected_key_usage", key_usage),
    "EXPECTEDPICTUREDECODE": ("test_picture_decode", picture),
}
#: Fields each check reads; a case lacking one is not a case of that check.
NEEDS = {
    "EXPECTEDUNPREFIX": ("PREFIX", "BASE45"),
    "EXPECTEDB45DECODE": ("BASE45", "COMPRESSED"),
    "EXPECTEDCOMPRESSION": ("COMPRESSED", "COSE"),
    "EXPECTEDDECODE": ("COSE", "CBOR"),
    "EXPECTEDVERIFY": ("COSE",),
    "EXPECTEDEXPIRATIONCHECK": ("COSE",),
    "EXPECTEDKEYUSAGE": ("COSE",),
    "EXPECTEDPICTUREDECODE": ("2DCODE", "PREFIX"),
}


#: The flags the station's own decision answers for (the test data's README). Left out: the JSON
#: schema (not enforced, docs/formats.md), JSON equality and the PNG (properties of the test data
#: files, not of the pass), and the generation-side VALIDOBJECT / ENCODE.
DECISION_FLAGS = ("EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION", "EXPECTEDDECODE",
                  "EXPECTEDVERIFY", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDKEYUSAGE")
#: The test name of the whole-case check in known_issues.csv (the station's own list).
DECISION_TEST = "test_station_decision"
#: Reasons that mean every check on the pass itself passed (the checkpoint's rules are policy, not
#: part of the test data; there is no revocation list here).
TECHNICALLY_ACCEPTED = (None, Reason.RULE_FAILED)


def decision_flags(case: Case) -> dict[str, bool]:
    """The decision flags the case sets, for a case with something to scan (PREFIX or COSE)."""
    if "PREFIX" not in case and "COSE" not in case:
        return {}
    expected = case.get("EXPECTEDRESULTS", {})
    return {f: expected[f] for f in DECISION_FLAGS if f in expected}


def decision_time(case: Case) -> datetime:
    """The case's VALIDATIONCLOCK when it tests expiry; otherwise (the step is not tested, as the
    README allows) the clock moved inside the pass's validity, so time does not decide."""
    at = clock(case)
    if "EXPECTEDEXPIRATIONCHECK" in case.get("EXPECTEDRESULTS", {}):
        return at
    try:
        signed = hc1.parse(case["PREFIX"]) if "PREFIX" in case else hc1.parse_cose(bytes.fromhex(case["COSE"]))
    except (MalformedPass, ValueError):
        return at
    return min(max(at, signed.pass_.not_before), signed.pass_.expires)


def decision(case: Case) -> Decision:
    """What the station decides: the PREFIX text through the whole verifier, or the COSE message
    (cases without a PREFIX) from the COSE layer on; trust = TESTCTX.CERTIFICATE."""
    verifier, at = Verifier(store(case)), decision_time(case)
    if "PREFIX" in case:
        return verifier.verify(case["PREFIX"], at)
    try:
        signed = hc1.parse_cose(bytes.fromhex(case["COSE"]))
    except (MalformedPass, ValueError) as e:
        return Decision(Verdict.REJECT, Reason.MALFORMED, str(e), at)
    return verifier.check_signed(signed, at)


def station_accepts(case: Case) -> bool:
    return decision(case).reason in TECHNICALLY_ACCEPTED


def known_issues(csv_path: Path) -> dict[tuple[str, str, str], str]:
    """(test name, country, test set or '') -> reason (an upstream issue)."""
    with csv_path.open(newline="") as f:
        return {(r["test_name"], r["country"], r["test_set"]): r["reason"] for r in csv.DictReader(f)}


def known_issue(issues: Mapping[tuple[str, str, str], str], flag: str, country: str, stem: str) -> str | None:
    """The reason a flag of a case is known wrong; ``flag`` is an EXPECTED* flag or ``DECISION_TEST``."""
    name = CHECKS[flag][0] if flag in CHECKS else flag
    return issues.get((name, country, stem)) or issues.get((name, country, ""))
