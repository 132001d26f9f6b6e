"""The idle timeout over HTTP against a real server (both backends), with the server's clock moved on by the test
(no sleeping): a session unused for 30 minutes ends, the user is sent to the sign-in page with a message saying
why (vi and en), the end is in the audit log, and the 8-hour lifetime still holds for a session in use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync.server.console.auth import IDLE_ENV, IDLE_FOR, SESSION_FOR, idle_timeout
from tests.console.conftest import Console, csrf_of, signed_in


def test_a_session_unused_for_the_idle_timeout_ends_with_a_readable_message(console: Console) -> None:
    client = signed_in(console, "sup-a")
    assert client.get("/console/stations").status_code == 200
    console.clock.advance(IDLE_FOR - timedelta(seconds=1))
    assert client.get("/console/stations").status_code == 200  # still in use: 29:59 after its last use
    console.clock.advance(IDLE_FOR - timedelta(seconds=1))
    assert client.get("/console/figures").status_code == 200  # in use again: the timeout counts from the last use
    console.clock.advance(IDLE_FOR)
    r = client.get("/console/stations")
    assert r.status_code == 303 and r.headers["location"] == "/console/login?why=idle"
    assert 'cp_session=""' in r.headers.get("set-cookie", "")  # the browser forgets the cookie too
    page = client.get(r.headers["location"]).text
    assert "sau 30 phút không sử dụng" in page  # Vietnamese by default
    client.cookies.set("cp_lang", "en")
    assert "Signed out after 30 minutes without use" in client.get("/console/login?why=idle").text
    # the session is gone on the server: the old cookie is worth nothing now, even once the clock says otherwise
    assert console.db.rows("SELECT count(*) FROM console_sessions WHERE username = 'sup-a'")[0][0] == 0
    audit = signed_in(console, "admin").get("/console/audit").text
    assert "signed_out_idle" in audit and "sup-a" in audit


def test_a_form_sent_after_the_idle_timeout_is_not_acted_on(console: Console) -> None:
    client = signed_in(console, "sup-a")
    csrf = csrf_of(client.get("/console/stations/ST-A").text)
    console.clock.advance(IDLE_FOR + timedelta(minutes=1))
    r = client.post("/console/stations/ST-A/revoke", data={"csrf": csrf, "confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"] == "/console/login?why=idle"
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is None


def test_the_absolute_lifetime_still_holds_for_a_session_in_use(console: Console) -> None:
    client = signed_in(console, "admin")
    steps = int(SESSION_FOR / (IDLE_FOR / 2))
    for _ in range(steps - 1):  # used every quarter hour for just under 8 hours
        console.clock.advance(IDLE_FOR / 2)
        assert client.get("/console/stations").status_code == 200
    console.clock.advance(IDLE_FOR / 2)
    r = client.get("/console/stations")
    assert r.status_code == 303 and r.headers["location"] == "/console/login"  # 8 hours: ended, not idle


@pytest.mark.parametrize(("value", "minutes"), [("", 30), ("10", 10), ("480", 480), ("0", 30), ("-5", 30),
                                                ("481", 30), ("ten", 30)])
def test_the_idle_timeout_is_set_by_an_environment_variable(monkeypatch: pytest.MonkeyPatch, value: str,
                                                            minutes: int) -> None:
    monkeypatch.setenv(IDLE_ENV, value)
    assert idle_timeout() == timedelta(minutes=minutes)  # a value that is not one keeps 30: never "no timeout"
