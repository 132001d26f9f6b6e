"""The decision: what the station answers for one scan.

A verifier answers ``accept``, or ``reject`` with exactly one reason, checked in the CP1 spec's order
(``docs/cp1-pass-format.md`` / ``shared/specs``). Flags qualify an answer without changing it: a pass
accepted while the clock is suspect, or under an expired list, seen twice, or whose name holds hidden characters
(checkpoint.display) is shown to the officer as CHECK (amber).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from checkpoint.model import Pass


class Verdict(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class Reason(StrEnum):
    """Reject reasons, in the order they are checked."""

    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    MALFORMED = "MALFORMED"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    KEY_REVOKED = "KEY_REVOKED"
    KEY_NOT_ALLOWED = "KEY_NOT_ALLOWED"  # the signer's key usage does not cover this kind of certificate
    VALIDITY_TOO_LONG = "VALIDITY_TOO_LONG"  # valid for longer than [rules] max_validity_days (CP1)
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    PASS_REVOKED = "PASS_REVOKED"  # noqa: S105 (a reason code, not a password)
    RULE_FAILED = "RULE_FAILED"
    # Station-side: the crossing could not be recorded, so it is not admitted.
    CANNOT_RECORD = "CANNOT_RECORD"


class Flag(StrEnum):
    CLOCK_SUSPECT = "clock_suspect"  # the system clock is behind trusted time; evaluated at that time
    DUPLICATE = "duplicate"  # the same pass was seen recently at this station
    MANUAL = "manual"  # entered by the officer, not scanned
    LISTS_STALE = "lists_stale"  # a trust or revocation list in force has expired (kept in force; sync needed)
    ID_IMPLAUSIBLE = "id_implausible"  # the id number cannot be right for its document (checkpoint.lookup_keys)
    HIDDEN_CHARS = "hidden_chars"  # the person's fields hold control, bidi or zero-width characters


class Display(StrEnum):
    """What the officer sees: the verdict, softened to CHECK when a flag asks for a second look."""

    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    CHECK = "CHECK"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: Reason | None
    detail: str  # plain words for the officer; never personal data
    evaluated_at: datetime
    format: str | None = None
    kid: bytes | None = None
    pass_: Pass | None = None  # set only once the signature verified
    flags: frozenset[Flag] = field(default_factory=frozenset)
    rules_applied: tuple[str, ...] = ()
    rule: str | None = None  # the rule that refused, for RULE_FAILED

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPT

    @property
    def display(self) -> Display:
        if self.verdict is Verdict.REJECT:
            return Display.REJECT
        return Display.CHECK if self.flags else Display.ACCEPT

    def with_flag(self, flag: Flag) -> Decision:
        return replace(self, flags=self.flags | {flag})


def reject(reason: Reason, detail: str, at: datetime, **kw: object) -> Decision:
    return Decision(Verdict.REJECT, reason, detail, at, **kw)  # type: ignore[arg-type]
