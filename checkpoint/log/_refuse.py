"""Record, or refuse to admit: the UI never shows ACCEPT for a crossing that is not on disk."""

from __future__ import annotations

import logging
from dataclasses import replace

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Grounds, Reason, Verdict, Why
from checkpoint.log._errors import CAUSES, LogError, LogErrorCode
from checkpoint.log._store import CrossingContext, CrossingLog

logger = logging.getLogger(__name__)


def record_or_refuse(log: CrossingLog, decision: Decision, ctx: CrossingContext,
                     personal: PersonalData | None = None) -> tuple[Decision, Crossing | None]:
    """The decision to show, and the crossing recorded (None when it could not be recorded).

    A recorded duplicate comes back with the ``duplicate`` flag (shown CHECK). If the log cannot
    record, the answer is REJECT with reason ``CANNOT_RECORD``: the officer must not admit. Its grounds
    carry the log's :class:`LogErrorCode` as a value (``grounds["error"]``), for every screen to translate.
    """
    try:
        crossing = log.record(decision, ctx, personal)
    except LogError as e:
        return _refusal(decision, e.code), None
    except Exception as e:  # a bug must not admit anyone either; its message may hold values, so only the type
        logger.error("crossing log: unexpected %s while recording; refusing to admit", type(e).__name__)
        return _refusal(decision, LogErrorCode.INTERNAL), None
    flags = decision.flags | {Flag(f) for f in crossing.flags}
    return replace(decision, flags=frozenset(flags)), crossing


def _refusal(decision: Decision, code: LogErrorCode) -> Decision:
    cause = CAUSES[code][0]
    return Decision(
        Verdict.REJECT, Reason.CANNOT_RECORD, f"cannot record: {cause} — do not admit; call the supervisor",
        decision.evaluated_at, format=decision.format, kid=decision.kid, pass_=decision.pass_,
        flags=decision.flags, rules_applied=decision.rules_applied, grounds=Grounds.of(Why.CANNOT_RECORD, error=code),
    )


def log_error_of(decision: Decision) -> LogErrorCode | None:
    """The log's error code a CANNOT_RECORD refusal carries, or None for any other decision."""
    g = decision.grounds
    if g is None or g.why is not Why.CANNOT_RECORD:
        return None
    code = g["error"]
    return code if isinstance(code, LogErrorCode) else LogErrorCode.IO
