"""The glue between the station and the log: a scanned text (or a manual form) in, a recorded verdict out.

:class:`Checker` runs ``Station.decide`` then the log's ``record_or_refuse``, one at a time (order matters
for the duplicate rule), off the UI thread. The verdict it returns is the one recorded: the UI shows it
only after this returns. Frames to texts is :mod:`checkpoint.tui.camera`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from checkpoint.card_parts import CardParts, PartialCard
from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Grounds, Reason, Verdict, Why
from checkpoint.log import CrossingContext
from checkpoint.log.errors import LogErrorCode
from checkpoint.log.personal import from_subject
from checkpoint.lookup_keys import id_problem
from checkpoint.model import Pass, mask_id
from checkpoint.station import Station
from checkpoint.tui.recorder import LogRecorder, record_and_show


@dataclass(frozen=True)
class Post:
    """Who is on duty where: what every crossing records besides the pass."""

    officer_id: str | None
    lane: str
    direction: str


@dataclass(frozen=True)
class Card:
    """What the officer checks against the ID card (id number masked to its last 4 digits; None when
    the document names no national id), and apart, the document's own number."""

    name: str
    birth_date: str
    masked_id: str | None
    category: str | None
    vehicle: str | None
    valid_until: datetime | None
    document_id: str | None = None  # the pass's own id (HC1 UVCI, ...), never shown as an id number


def card_of(p: Pass) -> Card:
    """The card of a verified pass: the person as the document names them, and the document's number."""
    s = p.subject
    return Card(s.name, s.birth_date, s.masked_id, s.category, s.vehicle, p.expires, p.document_id)


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    crossing: Crossing | None
    card: Card | None
    source: str  # "camera" / "scanner" / "manual"
    log_error: LogErrorCode | None = None  # the log's error code when it could not record (CANNOT_RECORD)
    unevaluated: bool = False  # the station could not evaluate the scan (a fault, not the log): not admitted


def unevaluated(text_source: str, detail: str, now: datetime) -> Outcome:
    """The station failed while deciding (not while recording): REJECT, shown as "could not evaluate",
    never as a storage failure; nothing was decided, so nothing is recorded."""
    grounds = Grounds.of(Why.UNEVALUATED, problem=detail)
    return Outcome(Decision(Verdict.REJECT, None, f"could not evaluate: {detail}", now, grounds=grounds), None, None,
                   text_source, unevaluated=True)


@dataclass(frozen=True)
class ManualForm:
    name: str
    id_number: str
    birth_year: str
    phone: str = ""
    origin: str = ""
    destination: str = ""
    purpose: str = ""
    symptoms: bool = False

    def personal(self) -> PersonalData:
        return PersonalData(name=self.name, id_number=self.id_number, birth_date=self.birth_year,
                            phone=self.phone or None, origin=self.origin or None,
                            destination=self.destination or None, purpose=self.purpose or None)


class Checker:
    def __init__(self, station: Station, recorder: LogRecorder) -> None:
        self.station = station
        self.recorder = recorder
        self._lock = threading.Lock()
        self._parts = CardParts()

    def check(self, text: str, post: Post, source: str = "camera") -> Outcome | PartialCard:
        """Decide and record a scanned text; a part of a multi-part card is held until the set is whole."""
        with self._lock:
            whole = self._parts.add(text, self.station.clock.now())
            if isinstance(whole, PartialCard):
                return whole
            try:
                decision, t = self.station.decide(whole)
            except Exception as e:  # a fault while deciding is not a log failure: say which it was
                return unevaluated(source, f"{type(e).__name__}: {e}", self.station.clock.now())
            p = decision.pass_
            personal = None
            card = None
            if p is not None:
                personal = from_subject(p.subject, p.document_id)
                card = card_of(p)
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect)
            r = record_and_show(self.recorder, decision, ctx, personal)
            if r.crossing is not None:
                self.station.crossing_recorded(t)
            return Outcome(r.decision, r.crossing, card, source, r.error_code)

    def manual(self, form: ManualForm, post: Post, detail: str) -> Outcome:
        """A declaration the officer typed in: recorded as manual (CHECK), refused when symptoms are
        declared and the rules refuse them."""
        with self._lock:
            t = self.station.guard.assess()
            flags = {Flag.MANUAL} | ({Flag.CLOCK_SUSPECT} if t.suspect else set())
            if id_problem(form.id_number, birth_date=form.birth_year):
                flags.add(Flag.ID_IMPLAUSIBLE)
            if form.symptoms and self.station.config.rules.refuse_symptoms:
                decision = Decision(Verdict.REJECT, Reason.RULE_FAILED, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",), rule="symptoms", grounds=Grounds(Why.MANUAL_SYMPTOMS))
            else:
                decision = Decision(Verdict.ACCEPT, None, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",) if self.station.config.rules.refuse_symptoms else (),
                                    grounds=Grounds(Why.MANUAL_SYMPTOMS if form.symptoms else Why.MANUAL))
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect, manual=True)
            r = record_and_show(self.recorder, decision, ctx, form.personal())
            if r.crossing is not None:
                self.station.crossing_recorded(t)
            card = Card(form.name, form.birth_year, mask_id(form.id_number), "manual", None, None)
            return Outcome(r.decision, r.crossing, card, "manual", r.error_code)
