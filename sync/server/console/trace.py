"""Tracing: "who crossed station S between T1 and T2", "where did id number X cross" and "where did plate X
cross", masked by default.

Personal fields are sealed by each station to the supervisor's X25519 public key (``checkpoint.sealing``); the
server cannot open them. To open them for one request the supervisor pastes the private key (PEM, normally
passphrase-protected) and its passphrase into the form: the key is loaded in the request's memory, used for
that answer and dropped. It is never written to the database, a file, a log or a cookie, and it is never sent
back to the browser. docs/console.md ("Tracing") gives the threat model.

"Where did id number X cross" scans the sealed records of the stations the user may see in a bounded window
(``MAX_WINDOW``) and compares normalised id numbers: the central server holds no station's id-index key (each
station's Argon2id lookup key stays on the station, by design), so the search needs the supervisor's key too.
"Where did plate X cross" works the same way: a vehicle's plate is sealed in each occupant's personal data
(``checkpoint.vehicle.seat_personal``), and plates are compared normalised (``29c 123.45`` is ``29C12345``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.crossing import PersonalData, aad_for
from checkpoint.errors import KeyLoadError
from checkpoint.lookup_keys import normalise_id_number, normalise_plate
from checkpoint.sealing import UnsealError, load_private, unseal
from sync.server.console.paging import Page, page_of
from sync.server.storage import ExportFilter, Storage

MAX_WINDOW = timedelta(days=31)
MAX_ROWS = 2000
MAX_KEY_CHARS = 8192
SHOWN_PERSONAL = ("name", "id_number", "birth_date", "phone", "vehicle", "origin", "destination", "purpose")


class TraceError(ValueError):
    """A request that cannot be answered as asked (the message says what to change)."""


@dataclass(frozen=True)
class TraceRow:
    recorded_at: str
    station_id: str
    direction: str
    lane: str
    verdict: str
    reason: str
    category: str
    personal: PersonalData | None  # None: masked (no key given) or not opened
    sealed: bool  # whether the crossing carries sealed personal data at all

    def field(self, name: str) -> str:
        if self.personal is None:
            return "•••" if self.sealed else "-"
        return str(getattr(self.personal, name) or "")


@dataclass(frozen=True)
class TraceResult:
    rows: tuple[TraceRow, ...]  # the page's rows
    scanned: int
    unopened: int  # sealed records the key did not open (another supervisor's key, or altered)
    truncated: bool
    opened: bool
    page: Page  # which page of how many rows in all


def supervisor_key(pem: str, passphrase: str) -> X25519PrivateKey:
    text = pem.strip()
    if not text.startswith("-----BEGIN") or len(text) > MAX_KEY_CHARS:
        raise TraceError("paste the supervisor's private key (PEM, starting with -----BEGIN)")
    try:
        return load_private(text.encode(), "the supervisor's key", passphrase.encode() if passphrase else None)
    except KeyLoadError as e:
        raise TraceError(str(e)) from None


def window(since: datetime, until: datetime) -> None:
    if until <= since:
        raise TraceError("the end of the period must be after its start")
    if until - since > MAX_WINDOW:
        raise TraceError(f"the period may be at most {MAX_WINDOW.days} days")


def _open(c: Mapping[str, Any], key: X25519PrivateKey) -> PersonalData:
    sealed = c.get("sealed")
    if not sealed:
        raise UnsealError("nothing sealed")
    return PersonalData.from_json_bytes(unseal(base64.b64decode(sealed), key, aad_for(str(c["id"]))))


def _row(c: Mapping[str, Any], personal: PersonalData | None) -> TraceRow:
    def text(k: str) -> str:
        return str(c.get(k) or "")

    return TraceRow(text("recorded_at"), text("station_id"), text("direction"), text("lane"), text("verdict"),
                    text("reason"), text("category"), personal, bool(c.get("sealed")))


def at_station(storage: Storage, station_id: str, since: datetime, until: datetime,
               key: X25519PrivateKey | None, page: int = 1) -> TraceResult:
    """Who crossed ``station_id`` in [since, until): masked without a key, opened with it; one page of the
    answer, counted and read by the storage (only that page's records are opened)."""
    window(since, until)
    flt = ExportFilter(stations=(station_id,), since=since, until=until)
    shown = page_of(page, storage.crossings_count(flt))
    found = _collect(storage.crossings_page(flt, shown.offset, shown.size), key, None)
    return TraceResult(found.rows, found.scanned, found.unopened, False, key is not None, shown)


def by_id_number(storage: Storage, stations: Iterable[str], id_number: str, since: datetime, until: datetime,
                 key: X25519PrivateKey, page: int = 1) -> TraceResult:
    """Where ``id_number`` crossed among ``stations`` in [since, until) (normalised, as the stations compare).
    The matches are found only by opening every sealed record of the period (the server has no index of id
    numbers), so the whole period is scanned and the matches (at most ``MAX_ROWS``) are paged here."""
    wanted = normalise_id_number(id_number)
    if not wanted:
        raise TraceError("give the id number to look for")
    return _search(storage, stations, since, until, key, page,
                   lambda p: normalise_id_number(p.id_number or "") == wanted)


def by_plate(storage: Storage, stations: Iterable[str], plate: str, since: datetime, until: datetime,
             key: X25519PrivateKey, page: int = 1) -> TraceResult:
    """Where the vehicle ``plate`` crossed among ``stations`` in [since, until): every occupant's crossing whose
    sealed record names that plate, compared normalised; found, like an id number, by opening the period."""
    wanted = normalise_plate(plate)
    if not wanted:
        raise TraceError("give the plate to look for")
    return _search(storage, stations, since, until, key, page, lambda p: normalise_plate(p.vehicle or "") == wanted)


def _search(storage: Storage, stations: Iterable[str], since: datetime, until: datetime, key: X25519PrivateKey,
            page: int, wanted: Callable[[PersonalData], bool]) -> TraceResult:
    window(since, until)
    ids = tuple(sorted(stations))
    if not ids:
        return TraceResult((), 0, 0, False, True, page_of(1, 0))
    found = _collect(storage.crossings(ExportFilter(stations=ids, since=since, until=until)), key, wanted)
    shown = page_of(page, len(found.rows))
    rows = sorted(found.rows, key=lambda r: (r.recorded_at, r.station_id))  # stable: (station, seq) breaks ties
    return TraceResult(tuple(rows[shown.offset:shown.offset + shown.size]), found.scanned, found.unopened,
                       found.truncated, True, shown)


def _collect(crossings: Iterable[Mapping[str, Any]], key: X25519PrivateKey | None,
             wanted: Callable[[PersonalData], bool] | None) -> TraceResult:
    rows: list[TraceRow] = []
    scanned = unopened = 0
    truncated = False
    for c in crossings:
        scanned += 1
        personal = None
        if key is not None and c.get("sealed"):
            try:
                personal = _open(c, key)
            except (UnsealError, ValueError):
                unopened += 1
        if wanted is not None and (personal is None or not wanted(personal)):
            continue
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append(_row(c, personal))
    return TraceResult(tuple(rows), scanned, unopened, truncated, key is not None, page_of(1, len(rows)))


def masked_id(id_number: str) -> str:
    """An id number as the audit log may keep it: its last three characters only."""
    n = normalise_id_number(id_number)
    return "•" * max(len(n) - 3, 0) + n[-3:]


def masked_plate(plate: str) -> str:
    """A plate as the audit log may keep it: its province (first two characters) and last two characters;
    a plate has few candidates, so more would name the vehicle."""
    n = normalise_plate(plate)
    return n[:2] + "•" * max(len(n) - 4, 0) + n[-2:] if len(n) > 4 else "•" * len(n)
