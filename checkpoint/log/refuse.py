"""Record, or refuse to admit: the UI never shows ACCEPT for a crossing that is not on disk."""

from __future__ import annotations

from dataclasses import replace

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Reason, Verdict
from checkpoint.log.errors import LogError
from checkpoint.log.store import CrossingContext, CrossingLog


def record_or_refuse(log: CrossingLog, decision: Decision, ctx: CrossingContext,
                     personal: PersonalData | None = None) -> tuple[Decision, Crossing | None]:
    """The decision to show, and the crossing recorded (None when it could not be recorded).

    A recorded duplicate comes back with the ``duplicate`` flag (shown CHECK). If the log cannot
    record, the answer is REJECT with reason ``CANNOT_RECORD``: the officer must not admit.
    """
    try:
        crossing = log.record(decision, ctx, personal)
    except LogError as e:
        refusal = Decision(
            Verdict.REJECT, Reason.CANNOT_RECORD, f"cannot record: {e.cause} — do not admit; call the supervisor",
            decision.evaluated_at, format=decision.format, kid=decision.kid, pass_=decision.pass_,
            flags=decision.flags, rules_applied=decision.rules_applied,
        )
        return refusal, None
    flags = decision.flags | {Flag(f) for f in crossing.flags}
    return replace(decision, flags=frozenset(flags)), crossing
