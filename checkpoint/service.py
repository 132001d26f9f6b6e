"""The station, headless: a scanned text (or a typed declaration) in, a recorded verdict out, without a UI.

:class:`StationService` owns what every front end shares: the multi-part cards being read
(:mod:`checkpoint.card_parts`), the station's trust and rules (:class:`checkpoint.station.Station`), the
crossing log (:class:`checkpoint.log.CrossingLog`) and the clock (the station's, injected). Decide then
record lives here once: the terminal app (``checkpoint.tui``), ``checkpoint scan --record`` and the
headless demo all call :meth:`StationService.check` / :meth:`StationService.manual`.

One check at a time (a lock): the duplicate rule depends on the order crossings are recorded in. The
verdict returned is the one recorded; a verdict that could not be recorded comes back REJECT
``CANNOT_RECORD`` (never admit unrecorded). A fault while deciding is not a log failure: it comes back as an
*unevaluated* REJECT and nothing is recorded. Nothing here imports Textual, the camera or the network
(``import-linter`` contracts in ``pyproject.toml``; docs/architecture.md draws the layers).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from checkpoint.card_parts import CardParts, PartialCard
from checkpoint.clock import Clock
from checkpoint.config import StationConfig
from checkpoint.crossing import Crossing, PersonalData
from checkpoint.crossing.disposition import DispositionRecord
from checkpoint.decision import Decision, Flag, Grounds, Reason, Verdict, Why
from checkpoint.id_cards import IdCards, IdCardScan
from checkpoint.log import CrossingContext, CrossingLog, LogErrorCode, from_subject, log_error_of, record_or_refuse
from checkpoint.lookup_keys import id_problem
from checkpoint.model import Pass, mask_id
from checkpoint.station import Station
from checkpoint.vehicle import Seat, seat_personal, seat_rules
from checkpoint.watch import watch_id


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
    seat: Seat | None = None  # the vehicle and role the scan was made for (checkpoint.vehicle), if any


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
    symptoms: bool = False  # any symptom declared (the rules' ``refuse_symptoms``)
    # The declaration (lane cccd): sealed like the rest. ``birth_year`` may be a whole ISO date (from a CCCD).
    address: str = ""
    places_visited: str = ""  # the last 14 days
    case_contact: str = "unknown"  # "yes" / "no" / "unknown"
    symptom_list: tuple[str, ...] = ()  # codes (fever, cough, ...); empty: none declared

    def personal(self) -> PersonalData:
        listed = ",".join(self.symptom_list) or ("other" if self.symptoms else "none")
        return PersonalData(name=self.name, id_number=self.id_number, birth_date=self.birth_year,
                            phone=self.phone or None, origin=self.origin or None,
                            destination=self.destination or None, purpose=self.purpose or None,
                            address=self.address or None, places_visited=self.places_visited or None,
                            case_contact=self.case_contact or None, symptoms=listed)


@dataclass(frozen=True)
class Recorded:
    decision: Decision  # what to show
    crossing: Crossing | None  # None: not recorded (the decision is then a CANNOT_RECORD reject)
    error_code: LogErrorCode | None = None  # LogError.code when not recorded


def record_and_show(log: CrossingLog, decision: Decision, ctx: CrossingContext,
                    personal: PersonalData | None) -> Recorded:
    """The one path from a decision to what the officer sees: the log's ``record_or_refuse`` (a recorded
    duplicate comes back CHECK; a log failure comes back REJECT / CANNOT_RECORD with the log's error code)."""
    shown, crossing = record_or_refuse(log, decision, ctx, personal)
    if crossing is None:
        return Recorded(shown, None, log_error_of(shown) or LogErrorCode.IO)
    return Recorded(shown, crossing)


class StationService:
    """The headless station: decide a scanned text at the guarded time, then record it or refuse to admit."""

    def __init__(self, station: Station, log: CrossingLog) -> None:
        self.station = station
        self.log = log
        self._lock = threading.Lock()
        self._parts = CardParts()
        self.id_cards = IdCards(log)  # the chip ID card (CCCD): compared with the lane's last pass

    @classmethod
    def open(cls, config: StationConfig, clock: Clock, *, data_dir: Path | None = None,
             check_chain: bool = False) -> StationService:
        """The station of ``config`` (its lists, rules and clock guard) with its crossing log opened for
        writing; ``check_chain`` re-walks the log's chain in the background (the running app). ``data_dir``
        (e.g. ``--data-dir``) overrides the config's data folder and its ``[log] path``."""
        from checkpoint.log import open_station_log

        station = Station(config, clock, data_dir=data_dir)
        return cls(station, open_station_log(config, clock, data_dir, check_chain=check_chain))

    @property
    def clock(self) -> Clock:
        return self.station.clock

    def close(self) -> None:
        self.log.close()

    def check(self, text: str, post: Post, source: str = "camera", seat: Seat | None = None) -> Outcome | PartialCard:
        """Decide and record a scanned text; a part of a multi-part card is held until the set is whole.
        ``seat``: the scan is an occupant of a vehicle (``checkpoint.vehicle``): recorded with the vehicle's
        id and role and the plate (sealed); the driver of a freight vehicle gets the freight drivers' rules."""
        with self._lock:
            whole = self._parts.add(text, self.clock.now())
            if isinstance(whole, PartialCard):
                return whole
            try:
                rules = seat_rules(seat, self.station.config.rules)
                if rules is None:
                    decision, t = self.station.decide(whole)
                else:  # the freight drivers' own rules: the same verifier and lists, other rules
                    decision, t = self.station.decide(whole, replace(self.station.verifier(), rules=rules))
                    if decision.rules_applied:  # said among the rules applied, when rules were reached
                        decision = replace(decision, rules_applied=("freight_driver", *decision.rules_applied))
            except Exception as e:  # a fault while deciding is not a log failure: say which it was
                return replace(unevaluated(source, f"{type(e).__name__}: {e}", self.clock.now()), seat=seat)
            p = decision.pass_
            personal = None
            card = None
            if p is not None:
                personal = from_subject(p.subject, p.document_id)
                card = card_of(p)
            personal = seat_personal(seat, personal)
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect,
                                  vehicle_id=seat.vehicle_id if seat else None,
                                  vehicle_role=seat.role if seat else None)
            r = record_and_show(self.log, decision, ctx, personal)
            if r.crossing is not None:
                self.station.crossing_recorded(t)
            if p is not None:  # an authentic pass: a CCCD scanned next on this lane is compared with it
                self.id_cards.pass_seen(p.subject, post.lane, self.clock.now(),
                                        r.crossing.id if r.crossing is not None else None)
            return Outcome(r.decision, r.crossing, card, source, r.error_code, seat=seat)

    def id_card(self, text: str, post: Post) -> IdCardScan:
        """A chip ID card (CCCD) scanned: never a pass, never a crossing; compared with the lane's recent
        pass and the check recorded in the action trail (:mod:`checkpoint.id_cards`)."""
        with self._lock:  # after the pass being recorded, if it was scanned first
            return self.id_cards.scan(text, post.officer_id, post.lane, self.clock.now())

    def record_disposition(self, crossing_seq: int, code: str, post: Post) -> DispositionRecord:
        """What the officer did after a verdict, recorded in its own chain (a crossing row never changes).

        Not under the check lock: a disposition never waits for, or holds up, the next scan's decision.
        Raises :class:`checkpoint.log.LogError` when it cannot be recorded (the officer is told)."""
        return self.log.record_disposition(crossing_seq, code, post.officer_id)

    def manual(self, form: ManualForm, post: Post, detail: str, seat: Seat | None = None) -> Outcome:
        """A declaration the officer typed in: recorded as manual (CHECK), refused when symptoms are
        declared and the rules refuse them."""
        with self._lock:
            t = self.station.guard.assess()
            rules = self.station.config.rules
            flags = {Flag.MANUAL} | ({Flag.CLOCK_SUSPECT} if t.suspect else set())
            if id_problem(form.id_number, birth_date=form.birth_year):
                flags.add(Flag.ID_IMPLAUSIBLE)
            if form.symptoms and rules.refuse_symptoms:
                decision = Decision(Verdict.REJECT, Reason.RULE_FAILED, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",), rule="symptoms", grounds=Grounds(Why.MANUAL_SYMPTOMS))
            else:
                decision = Decision(Verdict.ACCEPT, None, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",) if rules.refuse_symptoms else (),
                                    grounds=Grounds(Why.MANUAL_SYMPTOMS if form.symptoms else Why.MANUAL))
            decision = watch_id(decision, self.station.watch.in_force, form.id_number, t.effective)  # watch list
            decision = self.station.policy.apply_declared(decision, form.origin or None)  # the centre's policy
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect, manual=True,
                                  vehicle_id=seat.vehicle_id if seat else None,
                                  vehicle_role=seat.role if seat else None)
            r = record_and_show(self.log, decision, ctx, seat_personal(seat, form.personal()))
            if r.crossing is not None:
                self.station.crossing_recorded(t)
            card = Card(form.name, form.birth_year, mask_id(form.id_number), "manual", None, None)
            return Outcome(r.decision, r.crossing, card, "manual", r.error_code, seat=seat)
