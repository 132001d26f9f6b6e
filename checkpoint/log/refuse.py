"""Record, or refuse to admit: the UI never shows ACCEPT for a crossing that is not on disk."""

from __future__ import annotations

import logging
from dataclasses import replace

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Reason, Verdict
from checkpoint.log.errors import LogError
from checkpoint.log.store import CrossingContext, CrossingLog

logger = logging.getLogger(__name__)


def record_or_refuse(log: CrossingLog, decision: Decision, ctx: CrossingContext,
                     personal: PersonalData | None = None) -> tuple[Decision, Crossing | None]:
    """The decision to show, and the crossing recorded (None when it could not be recorded).

    A recorded duplicate comes back with the ``duplicate`` flag (shown CHECK). If the log cannot
    record, the answer is REJECT with reason ``CANNOT_RECORD``: the officer must not admit.
    """
    try:
        crossing = log.record(decision, ctx, personal)
    except LogError as e:
        return _refusal(decision, e.cause), None
    except Exception as e:  # a bug must not admit anyone either; its message may hold values, so only the type
        logger.error("crossing log: unexpected %s while recording; refusing to admit", type(e).__name__)
        return _refusal(decision, "internal error"), None
    flags = decision.flags | {Flag(f) for f in crossing.flags}
    return replace(decision, flags=frozenset(flags)), crossing


def _refusal(decision: Decision, cause: str) -> Decision:
    return Decision(
        Verdict.REJECT, Reason.CANNOT_RECORD, f"cannot record: {cause} — do not admit; call the supervisor",
        decision.evaluated_at, format=decision.format, kid=decision.kid, pass_=decision.pass_,
        flags=decision.flags, rules_applied=decision.rules_applied,
    )
