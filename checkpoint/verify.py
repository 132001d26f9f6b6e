"""The verifier: QR text and a time in, a :class:`Decision` out. Pure: no I/O, clock passed in.

Checks run in the CP1 spec's order, and the first that fails is the reason:
UNKNOWN_FORMAT, MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE, KEY_REVOKED, KEY_NOT_ALLOWED, VALIDITY_TOO_LONG,
NOT_YET_VALID, EXPIRED, PASS_REVOKED, RULE_FAILED. Any text at all gets a decision, never an exception: the
parsers are bounded (docs/formats.md, "Hostile input") and whatever else a parser raises on untrusted bytes
is MALFORMED too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from checkpoint import rules as rules_mod
from checkpoint.decision import Decision, Flag, Reason, Verdict, reject
from checkpoint.display import any_hidden
from checkpoint.errors import MalformedPass
from checkpoint.formats import cp1, hc1, nzcp, shc
from checkpoint.lookup_keys import pass_id_problem
from checkpoint.model import Pass, SignedPass
from checkpoint.rules import Rules
from checkpoint.trust import RevocationList, TrustedKey, TrustStore
from checkpoint.trust.keys import signature_valid

Parser = Callable[[str], SignedPass]

#: Prefix -> (format name, parser). Other formats register here.
FORMATS: dict[str, tuple[str, Parser]] = {
    cp1.PREFIX: (cp1.FORMAT, cp1.parse),
    hc1.PREFIX: (hc1.FORMAT, hc1.parse),
    shc.PREFIX: (shc.FORMAT, shc.parse),
    nzcp.PREFIX: (nzcp.FORMAT, nzcp.parse),
}

#: Formats valid through their ``exp`` second itself: the EU test data verifies HC1 at exp exactly and
#: expects it valid. CP1 (and CWT/JWT, RFC 8392/7519) refuse from exp on.
EXP_INCLUSIVE = frozenset({hc1.FORMAT})

#: Formats whose validity window is capped by ``[rules] max_validity_days``. Health certificates are
#: judged by their content under ``[health_certificates]`` (vaccination, test and recovery ages).
MAX_VALIDITY_FORMATS = frozenset({cp1.FORMAT})

MAX_TEXT = 8 * 1024  # a version-40 QR holds at most 4,296 alphanumeric characters


def strip_line_ending(text: str) -> str:
    """Handheld scanners end a scan with CR, LF or CRLF; accept exactly one, nothing else."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def format_of(text: str, formats: Mapping[str, tuple[str, Parser]] = FORMATS) -> tuple[str, Parser] | None:
    for prefix, entry in formats.items():
        if text.startswith(prefix):
            return entry
    return None


@dataclass(frozen=True)
class Verifier:
    trust: TrustStore
    revocations: RevocationList | None = None
    rules: Rules = field(default_factory=Rules)
    formats: Mapping[str, tuple[str, Parser]] = field(default_factory=lambda: dict(FORMATS))

    def verify(self, text: str | bytes, now: datetime) -> Decision:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                return reject(Reason.UNKNOWN_FORMAT, "the code holds binary data, not a pass", now)
        if len(text) > MAX_TEXT:
            return reject(Reason.MALFORMED, "the code is far longer than any pass", now)
        text = strip_line_ending(text)
        entry = format_of(text, self.formats)
        if entry is None:
            return reject(Reason.UNKNOWN_FORMAT, "this code is not a pass this station knows", now)
        fmt, parse = entry
        try:
            signed = parse(text)
        except MalformedPass as e:
            return reject(Reason.MALFORMED, f"the pass is damaged or not genuine ({e})", now, format=fmt)
        except Exception as e:  # a parser bug on hostile bytes: still the bytes' fault, fail closed
            detail = f"the pass is damaged or not genuine (unreadable: {type(e).__name__})"
            return reject(Reason.MALFORMED, detail, now, format=fmt)
        return self.check_signed(signed, now)

    def check_signed(self, signed: SignedPass, now: datetime) -> Decision:
        fmt, kid, p = signed.format, signed.kid, signed.pass_
        candidates = self.trust.candidates(kid)
        if not candidates:
            detail = "the pass was signed by an issuer this station does not trust"
            return reject(Reason.UNKNOWN_KEY, detail, now, format=fmt, kid=kid)
        key = _first_verifying(candidates, signed)
        if key is None:
            detail = "the signature is not valid: the pass was altered or forged"
            return reject(Reason.BAD_SIGNATURE, detail, now, format=fmt, kid=kid)
        # From here on the pass content is authentic.
        problem = key.problem_at(p.issued_at, p.issuer)
        if problem:
            return reject(Reason.KEY_REVOKED, problem, now, format=fmt, kid=kid, pass_=p)
        not_allowed = key.use_problem(p.certificate.kind if p.certificate else None)
        if not_allowed:
            return reject(Reason.KEY_NOT_ALLOWED, not_allowed, now, format=fmt, kid=kid, pass_=p)
        if p.format in MAX_VALIDITY_FORMATS and p.expires - p.not_before > self.rules.max_validity:
            detail = (f"the pass is valid for {(p.expires - p.not_before).days} days, longer than the "
                      f"{self.rules.max_validity_days} days a pass may be")
            return reject(Reason.VALIDITY_TOO_LONG, detail, now, format=fmt, kid=kid, pass_=p)
        timing = time_problem(p, now, self.rules.clock_skew)
        if timing is not None:
            return reject(timing[0], timing[1], now, format=fmt, kid=kid, pass_=p)
        listed = self.revocations is not None and p.pass_id in self.revocations
        if listed or key.revokes(p.pass_id, p.issued_at):
            return reject(Reason.PASS_REVOKED, "the authority has revoked this pass", now,
                          format=fmt, kid=kid, pass_=p)
        outcome = rules_mod.evaluate(p, self.rules, now)
        if not outcome.ok:
            return reject(Reason.RULE_FAILED, outcome.detail, now, format=fmt, kid=kid, pass_=p,
                          rules_applied=outcome.applied, rule=outcome.rule)
        detail = outcome.detail or "valid pass"
        s = p.subject
        flags = ({Flag.ID_IMPLAUSIBLE} if pass_id_problem(p.format, s.category, s.id_number, s.birth_date)
                 else set[Flag]())
        return Decision(Verdict.ACCEPT, None, detail, now, format=fmt, kid=kid, pass_=p,
                        rules_applied=outcome.applied, flags=frozenset(flags) | hidden_flag(p))


def hidden_flag(p: Pass) -> frozenset[Flag]:
    """HIDDEN_CHARS when the person's fields hold control, bidi or zero-width characters: no real name
    needs one, so an authentic pass carrying them is shown as CHECK for a second look."""
    s = p.subject
    fields = (s.name, s.id_number, s.birth_date, s.vehicle, s.origin, s.destination, s.purpose,
              p.certificate.icao_name if p.certificate else None)
    return frozenset({Flag.HIDDEN_CHARS}) if any_hidden(fields) else frozenset()


def time_problem(p: Pass, now: datetime, skew: timedelta) -> tuple[Reason, str] | None:
    """NOT_YET_VALID or EXPIRED with its detail, or None when ``now`` is inside the pass's validity."""
    if now + skew < p.not_before:
        return Reason.NOT_YET_VALID, f"the pass is valid only from {p.not_before:%Y-%m-%d %H:%M} UTC"
    if now > p.expires or (now == p.expires and p.format not in EXP_INCLUSIVE):
        return Reason.EXPIRED, f"the pass expired at {p.expires:%Y-%m-%d %H:%M} UTC"
    return None


def _first_verifying(candidates: tuple[TrustedKey, ...], signed: SignedPass) -> TrustedKey | None:
    for key in candidates:
        if signature_valid(key.public_key, signed.alg, signed.signature, signed.signed_data):
            return key
    return None
