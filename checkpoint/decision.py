"""The decision: what the station answers for one scan.

A verifier answers ``accept``, or ``reject`` with exactly one reason, checked in the CP1 spec's order
(``docs/cp1-pass-format.md`` / ``shared/specs``). Flags qualify an answer without changing it: a pass
accepted while the clock is suspect, or under an expired list, seen twice, or whose name holds hidden characters
(checkpoint.display) is shown to the officer as CHECK (amber).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from checkpoint.model import Pass
from checkpoint.words import english


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
    WATCH_LISTED = "watch_listed"  # the id number is on the watch list in force (Decision.watch: what to do)
    POLICY_REFERRAL = "policy_referral"  # the centre's policy sends this person to the medical desk / quarantine


class Display(StrEnum):
    """What the officer sees: the verdict, softened to CHECK when a flag asks for a second look."""

    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    CHECK = "CHECK"


class Why(StrEnum):
    """What exactly decided, one code per kind of finding; its parameters are in :data:`PARAMS`.

    A decision's :class:`Reason` is the spec's code (what the log, exports and the server count); a
    :class:`Grounds` says which check it was and with what values (the test's age and the limit, the dose
    and the series, the EU rule). Words for each are ``why.<code>`` in :mod:`checkpoint.words`.
    """

    # refusals before the signature
    BINARY_DATA = "binary_data"
    TOO_LONG = "too_long"
    NOT_A_PASS = "not_a_pass"  # noqa: S105 (a code, not a password)
    DAMAGED = "damaged"
    UNKNOWN_ISSUER = "unknown_issuer"
    BAD_SIGNATURE = "bad_signature"
    # the signer
    KEY_REVOKED = "key_revoked"
    KEY_REVOKED_AT = "key_revoked_at"
    KEY_NOT_YET_VALID = "key_not_yet_valid"
    KEY_EXPIRED = "key_expired"
    KEY_WRONG_ISSUER = "key_wrong_issuer"
    SIGNER_USE_UNREADABLE = "signer_use_unreadable"
    SIGNER_NOT_ALLOWED = "signer_not_allowed"
    # the pass's validity
    VALIDITY_TOO_LONG = "validity_too_long"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    PASS_REVOKED = "pass_revoked"  # noqa: S105 (a code, not a password)
    # the checkpoint's rules (CP1)
    CATEGORY = "category"
    SYMPTOMS = "symptoms"
    POSITIVE_TEST = "positive_test"
    TEST_MISSING = "test_missing"
    TEST_IN_FUTURE = "test_in_future"
    TEST_TOO_OLD = "test_too_old"
    # health certificates
    ATTESTATION_REFUSED = "attestation_refused"
    NO_ENTRIES = "no_entries"
    KIND_NOT_ADMITTED = "kind_not_admitted"
    WRONG_DISEASE = "wrong_disease"
    SERIES_INCOMPLETE = "series_incomplete"
    DOSE_TOO_RECENT = "dose_too_recent"
    DOSE_TOO_OLD = "dose_too_old"
    TEST_NOT_NEGATIVE = "test_not_negative"
    TEST_TYPE_NOT_ADMITTED = "test_type_not_admitted"
    RECOVERY_TOO_RECENT = "recovery_too_recent"
    RECOVERY_TOO_OLD = "recovery_too_old"
    EU_RULE_FAILED = "eu_rule_failed"
    # the station
    CANNOT_RECORD = "cannot_record"
    UNEVALUATED = "unevaluated"
    # what admitted
    VALID_PASS = "valid_pass"  # noqa: S105 (a code, not a password)
    ATTESTED = "attested"
    VACCINATED = "vaccinated"
    VACCINATED_SERIES = "vaccinated_series"
    TESTED = "tested"
    RECOVERED = "recovered"
    MANUAL = "manual"
    MANUAL_SYMPTOMS = "manual_symptoms"
    # the watch list (checkpoint.watch): what to do with a listed person
    WATCH_CASE = "watch_case"
    WATCH_QUARANTINE = "watch_quarantine"
    # the centre's policy bundle (checkpoint.policy): the origin's risk level and its rule
    POLICY_ADMIT = "policy_admit"
    POLICY_TEST_NEEDED = "policy_test_needed"
    POLICY_TEST_OK = "policy_test_ok"
    POLICY_VACCINATION_NEEDED = "policy_vaccination_needed"
    POLICY_VACCINATED = "policy_vaccinated"
    POLICY_MEDICAL = "policy_medical"
    POLICY_QUARANTINE = "policy_quarantine"
    POLICY_STATION_OUTDATED = "policy_station_outdated"


Param = int | str | date | datetime

#: The parameters each finding carries, by name (the catalogue's placeholders must be exactly these).
PARAMS: Mapping[Why, tuple[str, ...]] = {
    Why.DAMAGED: ("problem",),
    Why.KEY_REVOKED_AT: ("revoked_at",),
    Why.KEY_WRONG_ISSUER: ("issuer",),
    Why.SIGNER_NOT_ALLOWED: ("allowed", "kind"),
    Why.VALIDITY_TOO_LONG: ("days", "max_days"),
    Why.NOT_YET_VALID: ("valid_from",),
    Why.EXPIRED: ("expired_at",),
    Why.CATEGORY: ("category",),
    Why.POSITIVE_TEST: ("result",),
    Why.TEST_MISSING: ("max_hours",),
    Why.TEST_TOO_OLD: ("hours", "max_hours"),
    Why.KIND_NOT_ADMITTED: ("kind",),
    Why.WRONG_DISEASE: ("disease", "admitted"),
    Why.SERIES_INCOMPLETE: ("dose", "total"),
    Why.DOSE_TOO_RECENT: ("days", "min_days"),
    Why.DOSE_TOO_OLD: ("days", "max_days"),
    Why.TEST_TYPE_NOT_ADMITTED: ("test_type",),
    Why.RECOVERY_TOO_RECENT: ("days", "min_days"),
    Why.RECOVERY_TOO_OLD: ("days", "max_days"),
    Why.EU_RULE_FAILED: ("rule_id", "description"),
    Why.CANNOT_RECORD: ("error",),
    Why.UNEVALUATED: ("problem",),
    Why.ATTESTED: ("attestation",),
    Why.VACCINATED: ("dose", "product", "date"),
    Why.VACCINATED_SERIES: ("dose", "total", "product", "date"),
    Why.TESTED: ("test_type", "hours"),
    Why.RECOVERED: ("first_positive",),
    Why.WATCH_CASE: ("version",),
    Why.WATCH_QUARANTINE: ("until", "version"),
    Why.POLICY_ADMIT: ("place", "level"),
    Why.POLICY_TEST_NEEDED: ("place", "level", "max_hours"),
    Why.POLICY_TEST_OK: ("place", "level", "hours", "max_hours"),
    Why.POLICY_VACCINATION_NEEDED: ("place", "level"),
    Why.POLICY_VACCINATED: ("place", "level"),
    Why.POLICY_MEDICAL: ("place", "level"),
    Why.POLICY_QUARANTINE: ("place", "level"),
    Why.POLICY_STATION_OUTDATED: ("version", "minimum"),
}


@dataclass(frozen=True)
class Grounds:
    """A typed reason: which check decided, with its values (never personal data).

    ``Grounds.of(Why.TEST_TOO_OLD, hours=80, max_hours=72)``; the names must be those of :data:`PARAMS`
    (checked here, so a finding can never reach a screen with a placeholder left empty).
    """

    why: Why
    params: tuple[tuple[str, Param], ...] = ()

    @classmethod
    def of(cls, why: Why, **params: Param) -> Grounds:
        expected = PARAMS.get(why, ())
        if set(params) != set(expected):
            raise ValueError(f"{why.value} takes {expected}, not {tuple(params)}")
        return cls(why, tuple((name, params[name]) for name in expected))

    def __getitem__(self, name: str) -> Param:
        return dict(self.params)[name]

    def as_dict(self) -> dict[str, Param]:
        return dict(self.params)


@dataclass(frozen=True)
class RuleOutcome:
    """What the rules (the checkpoint's, for health certificates, and the EU's) answer for one pass."""

    ok: bool
    applied: tuple[str, ...]
    rule: str | None = None  # the rule that refused
    grounds: Grounds | None = None  # refused: why; accepted: what satisfied the rules, when worth showing

    @property
    def detail(self) -> str:
        """The grounds in plain English (tools, the command line's JSON)."""
        return english(self.grounds) if self.grounds is not None else ""


@dataclass(frozen=True)
class PolicyMark:
    """What the centre's policy bundle said about this pass (checkpoint.policy): recorded on the crossing."""

    version: int  # the bundle's version
    level: str  # the origin's risk level, "1".."9", or "unknown"
    rule: str  # the rule applied, e.g. "L4:*:test72"
    grounds: Grounds  # what the officer reads: "from Phường X, level 4: a negative test ... is needed"


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
    grounds: Grounds | None = None  # the typed reason (or what admitted) with its values; ``detail`` is its English
    watch: Grounds | None = None  # the id number is on the watch list: the instruction to follow (checkpoint.watch)
    policy: PolicyMark | None = None  # the centre's policy applied (origin level and rule), when a bundle is in force

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


def reject(reason: Reason, grounds: Grounds, at: datetime, **kw: object) -> Decision:
    """A refusal with its typed grounds; ``detail`` is their English words (one catalogue for both)."""
    return Decision(Verdict.REJECT, reason, english(grounds), at, grounds=grounds, **kw)  # type: ignore[arg-type]
