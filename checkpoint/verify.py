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
from checkpoint.decision import Decision, Flag, Grounds, Reason, Verdict, Why, reject
from checkpoint.display import any_hidden
from checkpoint.errors import MalformedPass
from checkpoint.formats import cp1, hc1, nzcp, shc
from checkpoint.lookup_keys import pass_id_problem
from checkpoint.model import Pass, SignedPass
from checkpoint.rules import Rules
from checkpoint.trust import RevocationList, TrustedKey, TrustStore
from checkpoint.trust.keys import signature_valid
from checkpoint.words import english

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
                return reject(Reason.UNKNOWN_FORMAT, Grounds(Why.BINARY_DATA), now)
        if len(text) > MAX_TEXT:
            return reject(Reason.MALFORMED, Grounds(Why.TOO_LONG), now)
        text = strip_line_ending(text)
        entry = format_of(text, self.formats)
        if entry is None:
            return reject(Reason.UNKNOWN_FORMAT, Grounds(Why.NOT_A_PASS), now)
        fmt, parse = entry
        try:
            signed = parse(text)
        except MalformedPass as e:
            return reject(Reason.MALFORMED, Grounds.of(Why.DAMAGED, problem=str(e)), now, format=fmt)
        except Exception as e:  # a parser bug on hostile bytes: still the bytes' fault, fail closed
            damaged = Grounds.of(Why.DAMAGED, problem=f"unreadable: {type(e).__name__}")
            return reject(Reason.MALFORMED, damaged, now, format=fmt)
        return self.check_signed(signed, now)

    def check_signed(self, signed: SignedPass, now: datetime) -> Decision:
        fmt, kid, p = signed.format, signed.kid, signed.pass_
        candidates = self.trust.candidates(kid)
        if not candidates:
            return reject(Reason.UNKNOWN_KEY, Grounds(Why.UNKNOWN_ISSUER), now, format=fmt, kid=kid)
        key = _first_verifying(candidates, signed)
        if key is None:
            return reject(Reason.BAD_SIGNATURE, Grounds(Why.BAD_SIGNATURE), now, format=fmt, kid=kid)
        # From here on the pass content is authentic.
        problem = key.problem_at(p.issued_at, p.issuer)
        if problem:
            return reject(Reason.KEY_REVOKED, problem, now, format=fmt, kid=kid, pass_=p)
        not_allowed = key.use_problem(p.certificate.kind if p.certificate else None)
        if not_allowed:
            return reject(Reason.KEY_NOT_ALLOWED, not_allowed, now, format=fmt, kid=kid, pass_=p)
        if p.format in MAX_VALIDITY_FORMATS and p.expires - p.not_before > self.rules.max_validity:
            too_long = Grounds.of(Why.VALIDITY_TOO_LONG, days=(p.expires - p.not_before).days,
                                  max_days=self.rules.max_validity_days)
            return reject(Reason.VALIDITY_TOO_LONG, too_long, now, format=fmt, kid=kid, pass_=p)
        timing = time_problem(p, now, self.rules.clock_skew)
        if timing is not None:
            return reject(timing[0], timing[1], now, format=fmt, kid=kid, pass_=p)
        listed = self.revocations is not None and p.pass_id in self.revocations
        if listed or key.revokes(p.pass_id, p.issued_at):
            return reject(Reason.PASS_REVOKED, Grounds(Why.PASS_REVOKED), now,
                          format=fmt, kid=kid, pass_=p)
        outcome = rules_mod.evaluate(p, self.rules, now)
        if not outcome.ok:
            assert outcome.grounds is not None  # a refusal always says why
            return reject(Reason.RULE_FAILED, outcome.grounds, now, format=fmt, kid=kid, pass_=p,
                          rules_applied=outcome.applied, rule=outcome.rule)
        grounds = outcome.grounds or Grounds(Why.VALID_PASS)
        s = p.subject
        flags = ({Flag.ID_IMPLAUSIBLE} if pass_id_problem(p.format, s.category, s.id_number, s.birth_date)
                 else set[Flag]())
        return Decision(Verdict.ACCEPT, None, english(grounds), now, format=fmt, kid=kid, pass_=p,
                        rules_applied=outcome.applied, flags=frozenset(flags) | hidden_flag(p), grounds=grounds)


def hidden_flag(p: Pass) -> frozenset[Flag]:
    """HIDDEN_CHARS when the person's fields hold control, bidi or zero-width characters: no real name
    needs one, so an authentic pass carrying them is shown as CHECK for a second look."""
    s = p.subject
    fields = (s.name, s.id_number, s.birth_date, s.vehicle, s.origin, s.destination, s.purpose,
              p.certificate.icao_name if p.certificate else None)
    return frozenset({Flag.HIDDEN_CHARS}) if any_hidden(fields) else frozenset()


def time_problem(p: Pass, now: datetime, skew: timedelta) -> tuple[Reason, Grounds] | None:
    """NOT_YET_VALID or EXPIRED with its grounds (the date), or None when ``now`` is inside the pass's validity."""
    if now + skew < p.not_before:
        return Reason.NOT_YET_VALID, Grounds.of(Why.NOT_YET_VALID, valid_from=p.not_before)
    if now > p.expires or (now == p.expires and p.format not in EXP_INCLUSIVE):
        return Reason.EXPIRED, Grounds.of(Why.EXPIRED, expired_at=p.expires)
    return None


def _first_verifying(candidates: tuple[TrustedKey, ...], signed: SignedPass) -> TrustedKey | None:
    for key in candidates:
        if signature_valid(key.public_key, signed.alg, signed.signature, signed.signed_data):
            return key
    return None
