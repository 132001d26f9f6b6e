"""Tracing over HTTP against a real server (both backends): masked by default, opened only with the supervisor's
key pasted for that request (never kept, never sent back), within the user's district, always audited."""

from __future__ import annotations

from sync.server.console.auth import Role
from tests.console.conftest import (
    KEY_PASSPHRASE,
    SUPERVISOR_PEM,
    Console,
    csrf_of,
    signed_in,
)

PERIOD = {"since": "2021-07-24T00:00", "until": "2021-07-25T00:00"}


def ask(console: Console, user: str, **form: str) -> tuple[int, str]:
    client = signed_in(console, user)
    csrf = csrf_of(client.get("/console/trace").text)
    r = client.post("/console/trace", data={"csrf": csrf, **PERIOD, **form})
    return r.status_code, r.text


def test_who_crossed_a_station_is_masked_without_the_key(console: Console) -> None:
    status, page = ask(console, "sup-a", station="ST-A")
    assert status == 200 and page.count("<tr>") == 11  # the header and ten crossings
    assert "Nguyễn" not in page and "•••" in page
    assert "trace" in signed_in(console, "admin").get("/console/audit").text


def test_the_supervisors_key_opens_personal_data_for_that_request_only(console: Console) -> None:
    status, page = ask(console, "sup-a", station="ST-A", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and "Nguyễn Văn ST-A 3" in page and "001-085-012 345" in page
    assert "PRIVATE KEY" not in page and KEY_PASSPHRASE not in page  # never sent back
    for table in ("console_sessions", "console_audit", "console_users"):  # never kept
        assert "PRIVATE KEY" not in repr(console.db.rows(f"SELECT * FROM {table}"))
    audit = signed_in(console, "audit").get("/console/audit").text
    assert "personal_data_opened" in audit and "001085012345" not in audit
    # the next request without the key is masked again: nothing was remembered
    status, page = ask(console, "sup-a", station="ST-A")
    assert "Nguyễn" not in page


def test_a_wrong_passphrase_opens_nothing(console: Console) -> None:
    status, page = ask(console, "sup-a", station="ST-A", key=SUPERVISOR_PEM, passphrase="wrong")
    assert status == 400 and "Nguyễn" not in page


def test_where_did_an_id_number_cross_within_the_users_stations(console: Console) -> None:
    status, page = ask(console, "admin", id_number="001085012345", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and page.count("<tr>") == 3  # ST-A seq 3 and ST-B seq 2
    assert "ST-A" in page and "ST-B" in page
    status, page = ask(console, "sup-a", id_number="001 085 012 345", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 200 and page.count("<tr>") == 2 and "Cau Giay" not in page  # only its district's station
    status, _ = ask(console, "sup-a", id_number="001085012345")
    assert status == 400  # the search needs the key


def test_a_supervisor_cannot_trace_another_districts_station(console: Console) -> None:
    status, page = ask(console, "sup-a", station="ST-B")
    assert status == 404 and "•••" not in page


def test_the_auditor_traces_masked_and_cannot_open(console: Console) -> None:
    assert console.db.rows("SELECT role FROM console_users WHERE username = 'audit'")[0][0] == Role.AUDITOR.value
    status, page = ask(console, "audit", station="ST-B")
    assert status == 200 and "•••" in page
    status, page = ask(console, "audit", station="ST-B", key=SUPERVISOR_PEM, passphrase=KEY_PASSPHRASE)
    assert status == 403 and "Nguyễn" not in page


def test_a_trace_without_the_csrf_token_is_refused(console: Console) -> None:
    client = signed_in(console, "sup-a")
    r = client.post("/console/trace", data={**PERIOD, "station": "ST-A"})
    assert r.status_code == 403 and "•••" not in r.text
