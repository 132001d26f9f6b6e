"""The watch list applied to a decision: a pass whose holder's id number is listed gets CHECK and the
instruction to follow (docs/watch-list.md).

After the verifier: only a pass whose signature verified (its id number is the issuer's word) and whose
format carries a national id (``checkpoint.lookup_keys.NATIONAL_ID_FORMATS``) is looked up, with one
Argon2id hash under the list's own salt and parameters. A match adds the flag ``watch_listed`` (an accept is
shown as CHECK; a refusal stays REJECT, the instruction shown with it), the typed instruction
(``Decision.watch``), and ``watch-list:v<version>`` to ``rules_applied``: the crossing records which list
matched, never the id number (that stays sealed, as for every crossing).

A manual entry (the officer typed the id number from the card) is matched the same way (:func:`watch_id`).

Pure: a decision, the list in force and an explicit time in, a decision out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from checkpoint.decision import Decision, Flag, Grounds, Why
from checkpoint.lookup_keys import NATIONAL_ID_FORMATS
from checkpoint.trust import WatchKind, WatchList, WatchMatch

#: Dates in the list (an order "until 14/12") are days in Vietnam.
VN_TIME = timezone(timedelta(hours=7), "ICT")
RULE_PREFIX = "watch-list:v"


def last_day(until: datetime) -> date:
    """The last day (Vietnam time) an order ending at ``until`` covers: the author's ``until`` date."""
    return (until - timedelta(seconds=1)).astimezone(VN_TIME).date()


def grounds_of(match: WatchMatch) -> Grounds:
    instruction = match.instruction
    if instruction.kind is WatchKind.QUARANTINE and instruction.until is not None:
        return Grounds.of(Why.WATCH_QUARANTINE, until=last_day(instruction.until), version=match.version)
    return Grounds.of(Why.WATCH_CASE, version=match.version)


def apply_watch(decision: Decision, watch: WatchList | None, at: datetime) -> Decision:
    """``decision`` with the watch list's instruction when the pass's id number is listed (one hash)."""
    p = decision.pass_
    if watch is None or p is None or p.format not in NATIONAL_ID_FORMATS:
        return decision
    return watch_id(decision, watch, p.subject.id_number, at)


def watch_id(decision: Decision, watch: WatchList | None, id_number: str | None, at: datetime) -> Decision:
    """``decision`` with the instruction when ``id_number`` is listed: a verified pass's (:func:`apply_watch`),
    or the one an officer typed from the card in a manual entry."""
    match = watch.match(id_number, at) if watch is not None else None
    if match is None:
        return decision
    return replace(decision, flags=decision.flags | {Flag.WATCH_LISTED}, watch=grounds_of(match),
                   rules_applied=(*decision.rules_applied, f"{RULE_PREFIX}{match.version}"))
