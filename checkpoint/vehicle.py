"""A vehicle crossing: one plate, then its driver and passengers scanned one after another.

Each occupant's scan is a crossing with its own verdict; what groups them is the vehicle's id (a UUID)
and each one's role, recorded on every occupant crossing (``vehicle_id``, ``vehicle_role``). The
vehicle itself is not a row: its verdict is worked out from its occupants' (any REJECT makes the vehicle
REJECT, else any CHECK makes it CHECK), and counted from the log (``checkpoint.report``).

:class:`VehicleLane` is the officer's one open vehicle at a time: started with a plate, given a seat for
each scan (the first is the driver, the rest passengers), closed by a key, by a new vehicle, or after
``timeout`` with no scan. Pure: the time is always passed in.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from checkpoint.crossing import PersonalData
from checkpoint.lookup_keys import normalise_plate
from checkpoint.rules import Rules

DRIVER, PASSENGER = "driver", "passenger"
ROLES = (DRIVER, PASSENGER)
#: The worst first: the vehicle's verdict is its worst occupant's.
SEVERITY = ("REJECT", "CHECK", "ACCEPT")
MAX_PLATE = 16  # characters of a normalised plate
#: A Vietnamese plate once normalised: 2 digits of province, a series of 1-2 letters (and perhaps a digit),
#: 4-5 digits (``29C-123.45`` -> ``29C12345``, ``51LD-012.34`` -> ``51LD01234``, ``30A1-1234``).
VN_PLATE = re.compile(r"\d{2}[A-Z]{1,2}\d?\d{4,5}")
#: A foreign or special plate: letters and digits only, at least 3 of them.
ANY_PLATE = re.compile(r"[A-Z0-9]{3,16}")


def plate_of(typed: str) -> str | None:
    """The plate as it is recorded and compared (upper case, no separators or hidden characters), or None
    when what was typed cannot be a plate. A plate that is not Vietnamese-shaped is kept (a foreign truck);
    :func:`is_vietnamese` says which."""
    plate = normalise_plate(typed)
    return plate if ANY_PLATE.fullmatch(plate) else None


def is_vietnamese(plate: str) -> bool:
    return VN_PLATE.fullmatch(plate) is not None


def worst(displays: tuple[str, ...]) -> str | None:
    """The vehicle's verdict from its occupants' (ACCEPT / CHECK / REJECT as shown), None with none."""
    for d in SEVERITY:
        if d in displays:
            return d
    return None


@dataclass(frozen=True)
class Seat:
    """What a scan in a vehicle records besides the pass: which vehicle, which role."""

    vehicle_id: str
    role: str  # driver / passenger
    plate: str
    freight: bool  # a freight vehicle: its driver is judged by the freight drivers' rules


@dataclass(frozen=True)
class Occupant:
    role: str
    display: str  # ACCEPT / CHECK / REJECT as shown
    recorded: bool = True  # False: the crossing could not be recorded (shown REJECT)


@dataclass(frozen=True)
class Vehicle:
    id: str
    plate: str
    freight: bool
    opened_at: datetime
    last_at: datetime  # the last scan (or the opening)
    occupants: tuple[Occupant, ...] = ()
    closed_at: datetime | None = None
    seats: int = 0  # seats given (scans sent to be decided): the first is the driver's

    @property
    def next_role(self) -> str:
        return DRIVER if self.seats == 0 else PASSENGER

    def seat(self) -> Seat:
        """The next scan's seat (not taken: :meth:`VehicleLane.seat` takes it)."""
        return Seat(self.id, self.next_role, self.plate, self.freight)

    def with_occupant(self, occupant: Occupant, at: datetime) -> Vehicle:
        return replace(self, occupants=(*self.occupants, occupant), last_at=at)

    @property
    def verdict(self) -> str | None:
        return worst(tuple(o.display for o in self.occupants))

    @property
    def counts(self) -> dict[str, int]:
        return {d: sum(o.display == d for o in self.occupants) for d in SEVERITY}


def new_vehicle(plate: str, freight: bool, now: datetime, vehicle_id: str | None = None) -> Vehicle:
    return Vehicle(vehicle_id or str(uuid.uuid4()), plate, freight, now, now)


class VehicleLane:
    """The one vehicle open at a post. Not thread-safe: the app touches it on its event loop only."""

    def __init__(self, timeout: timedelta) -> None:
        self.timeout = timeout
        self.open: Vehicle | None = None

    def start(self, plate: str, freight: bool, now: datetime) -> Vehicle | None:
        """Open a vehicle; the one open before is closed and returned (its summary is due)."""
        closed = self.close(now)
        self.open = new_vehicle(plate, freight, now)
        return closed

    def close(self, now: datetime) -> Vehicle | None:
        """Close the open vehicle (None when there was none)."""
        v, self.open = self.open, None
        return replace(v, closed_at=now) if v is not None else None

    def expire(self, now: datetime) -> Vehicle | None:
        """Close the open vehicle when no scan came for ``timeout``: the closed vehicle, or None."""
        if self.open is not None and now - self.open.last_at >= self.timeout:
            return self.close(now)
        return None

    def seat(self, now: datetime) -> Seat | None:
        """Take the seat of a scan about to be decided (the first the driver's, then passengers'), or None
        with no vehicle open or the open one expired (call :meth:`expire` first to learn of it). Taken when
        the scan is sent, so two scans decided at once do not both get the driver's seat."""
        v = self.open
        if v is None or now - v.last_at >= self.timeout:
            return None
        self.open = replace(v, seats=v.seats + 1, last_at=now)
        return v.seat()

    def release(self, seat: Seat) -> None:
        """Give a seat back: its scan was only a part of a multi-part card, not yet a person decided."""
        v = self.open
        if v is not None and v.id == seat.vehicle_id and v.seats > len(v.occupants):
            self.open = replace(v, seats=v.seats - 1)

    def add(self, vehicle_id: str, occupant: Occupant, at: datetime) -> Vehicle | None:
        """An occupant's verdict came back: added to its vehicle if that is still the open one."""
        if self.open is None or self.open.id != vehicle_id:
            return None
        self.open = self.open.with_occupant(occupant, at)
        return self.open


def seat_rules(seat: Seat | None, rules: Rules) -> Rules | None:
    """The rules a scan is judged by when they are not the station's: the freight drivers' own
    (``[rules.freight_driver]``) for the driver of a freight vehicle; None otherwise."""
    if seat is not None and seat.freight and seat.role == DRIVER and rules.freight_driver is not None:
        return rules.freight_driver
    return None


def seat_personal(seat: Seat | None, personal: PersonalData | None) -> PersonalData | None:
    """The sealed record of an occupant carries the plate the officer typed (a pass's own vehicle field is
    replaced by it: the plate seen at the checkpoint is what was there)."""
    if seat is None:
        return personal
    return replace(personal or PersonalData(), vehicle=seat.plate)

