"""'Where did plate X cross' over HTTP against a real server (both backends): the plate is sealed in each
occupant's personal data, so the supervisor's pasted key opens the period's records and the plates are compared
normalised; within the user's district; audited without the plate."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from checkpoint import sealing
from checkpoint.crossing import Crossing, PersonalData, aad_for
from checkpoint.log import _chain as chain
from checkpoint.log._rows import chain_fields
from sync.server.console.fleet import create_token
from tests.console.conftest import DAY, KEY_PASSPHRASE, SUPERVISOR, SUPERVISOR_PEM, Console, signed_in
from tests.console.test_trace import ask
from tests.sync.helpers import GENESIS, make_crossings

#: (station, seq) -> (plate as recorded, id number); ST-C is in Ba Dinh (sup-a's), ST-D in Cau Giay
PEOPLE = {
    ("ST-C", 1): ("29C12345", "001085000001"),  # a truck's driver (the station records the plate normalised)
    ("ST-C", 2): ("29c 123.45", "001085000002"),  # an old row: the pass's own vehicle field, as its issuer wrote it
    ("ST-C", 3): ("51F98765", "001085000003"),  # another truck
    ("ST-C", 4): (None, "29C12345"),  # on foot, with an id number of the plate's characters
    ("ST-D", 2): ("29C12345", "001085000004"),  # the truck in the other district
}


def add_station(console: Console, station_id: str, district: str, n: int, every: str | None = None) -> None:
    now = console.clock.now()
    token = create_token(console.storage, console.db, district, now, timedelta(hours=1))
    console.storage.enroll(token, station_id, f"key-{station_id}", now)
    out: list[Crossing] = []
    prev = GENESIS
    for c in make_crossings(station_id, n, at=DAY + timedelta(hours=9)):
        plate, id_number = PEOPLE.get((station_id, c.seq), (every, f"0790{c.seq:08d}"))
        person = PersonalData(name=f"Trần Văn {station_id} {c.seq}", id_number=id_number, vehicle=plate)
        c = replace(c, sealed=sealing.seal(person.to_json_bytes(), SUPERVISOR.public_key(), aad_for(c.id)),
                    prev_hash=prev)
        c = replace(c, personal_digest=chain.personal_digest(c.pass_id_hash, c.id_number_hash, c.sealed))
        c = replace(c, hash=chain.crossing_hash(chain_fields(c)))
        out.append(c)
        prev = c.hash
    console.storage.store_batch(station_id, [c.to_wire() for c in out], now)


@pytest.fixture
def trucks(console: Console) -> Console:
    add_station(console, "ST-C", "Ba Dinh", 5)
    add_station(console, "ST-D", "Cau Giay", 3)
    return console


def names(page: str) -> set[str]:
    return {f"{s} {n}" for (s, n) in [("ST-C", i) for i in range(1, 6)] + [("ST-D", i) for i in range(1, 4)]
            if f"Trần Văn {s} {n}<" in page}


def test_where_did_a_plate_cross_however_it_was_written(trucks: Console) -> None:
    status, page = ask(trucks, "admin", plate="29C-123.45", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == {"ST-C 1", "ST-C 2", "ST-D 2"} and page.count("<tr>") == 4
    status, page = ask(trucks, "admin", plate="51f 987 65", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == {"ST-C 3"}


def test_another_plate_or_an_id_number_never_matches(trucks: Console) -> None:
    status, page = ask(trucks, "admin", plate="30A-999.99", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == set()
    # the walker's id number is the plate's characters: found by id number, never by the plate, and the reverse
    status, page = ask(trucks, "admin", id_number="29C12345", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == {"ST-C 4"}
    status, page = ask(trucks, "admin", plate="29C12345", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert "ST-C 4" not in names(page)


def test_a_district_supervisor_sees_only_its_districts_crossings_of_the_plate(trucks: Console) -> None:
    status, page = ask(trucks, "sup-a", plate="29c12345", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == {"ST-C 1", "ST-C 2"} and "ST-D" not in page
    status, page = ask(trucks, "sup-b", plate="29C-123.45", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and names(page) == {"ST-D 2"}


def test_a_plate_search_needs_the_key_and_is_audited_without_the_plate(trucks: Console) -> None:
    status, page = ask(trucks, "sup-a", plate="29C-123.45")
    assert status == 400 and "Trần" not in page
    status, page = ask(trucks, "audit", plate="29C-123.45", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 403 and "Trần" not in page
    status, _ = ask(trucks, "sup-a", plate="29C-123.45", id_number="001085000001", key=SUPERVISOR_PEM,
                    passphrase=KEY_PASSPHRASE)
    assert status == 400  # one question at a time
    ask(trucks, "sup-a", plate="29C-123.45", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    audit = signed_in(trucks, "admin").get("/console/audit").text
    assert "plate 29••••45" in audit and "personal_data_opened" in audit and "29C12345" not in audit


def test_a_plate_trace_is_paged_and_its_pages_ask_for_the_key_again(trucks: Console) -> None:
    add_station(trucks, "ST-E", "Ba Dinh", 130, every="30A-111.11")
    status, page = ask(trucks, "sup-a", plate="30A11111", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and page.count("<tr>") == 101 and "1–100 / 130" in page
    assert 'name="plate" value="30A11111"' in page and "PRIVATE KEY" not in page  # the next page's form
    status, page = ask(trucks, "sup-a", plate="30A11111", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE, page="2")
    assert status == 200 and page.count("<tr>") == 31 and "Trần Văn ST-E 130<" in page
