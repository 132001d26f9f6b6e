"""The console's protections over plain HTTP against a real server (both backends): sign-in, lock-out shared by
API processes, sessions, CSRF on every POST, roles (a district supervisor cannot reach another district's station,
URL tampering included; the auditor changes nothing), and the audit log."""

from __future__ import annotations

import pytest

from sync.server.console.auth import MAX_FAILED
from tests.console.conftest import PASSWORD, Console, csrf_of, sign_in, signed_in


def test_sign_in_sets_a_strict_httponly_session_and_shows_the_fleet(console: Console) -> None:
    client = console.client()
    assert client.get("/console/stations").headers["location"] == "/console/login"  # no session: sign in first
    r = sign_in(client, "admin")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "cp_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/console/stations")
    assert page.status_code == 200 and "ST-A" in page.text and "ST-B" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_wrong_password_is_refused_and_audited(console: Console) -> None:
    client = console.client()
    r = sign_in(client, "admin", "wrong password!")
    assert r.status_code == 401 and "cp_session" not in r.headers.get("set-cookie", "")
    assert client.get("/console/stations").status_code == 303
    r = sign_in(client, "nobody-here", PASSWORD)
    assert r.status_code == 401
    log = signed_in(console, "audit").get("/console/audit").text
    assert "sign_in_bad" in log and "nobody-here" in log and "sign_in_ok" in log


def test_lock_out_after_failed_attempts_holds_in_every_api_process(console: Console) -> None:
    client = console.client()
    for _ in range(MAX_FAILED - 1):
        assert sign_in(client, "sup-a", "wrong password!").status_code == 401
    assert sign_in(client, "sup-a", "wrong password!").status_code == 429  # the last one locks
    assert sign_in(client, "sup-a", PASSWORD).status_code == 429  # even the right password, now
    other, storage = console.second_process()
    try:
        with httpx_client(other.url) as c2:
            assert sign_in(c2, "sup-a", PASSWORD).status_code == 429  # another process knows it: it is in the database
    finally:
        other.stop()
        storage.close()
    assert sign_in(console.client(), "sup-b", PASSWORD).status_code == 303  # another account is not locked
    assert "sign_in_locked" in signed_in(console, "admin").get("/console/audit").text


def httpx_client(url: str):  # type: ignore[no-untyped-def]
    import httpx

    return httpx.Client(base_url=url, follow_redirects=False, timeout=30)


def test_sign_in_without_the_forms_token_is_refused(console: Console) -> None:
    client = console.client()
    r = client.post("/console/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403 and "cp_session" not in r.headers.get("set-cookie", "")
    client.cookies.clear()
    r = client.post("/console/login", data={"csrf": "forged", "username": "admin", "password": PASSWORD})
    assert r.status_code == 403


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_post_without_the_sessions_csrf_token_is_refused(console: Console, token: str | None) -> None:
    client = signed_in(console, "admin")
    form = {"district": "Ba Dinh", "hours": "1"} | ({} if token is None else {"csrf": token})
    r = client.post("/console/tokens", data=form)
    assert r.status_code == 403 and "cpt_" not in r.text
    r = client.post("/console/stations/ST-A/revoke", data={**form, "confirm": "yes"})
    assert r.status_code == 403
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is None
    # the same forms with the page's token work
    good = csrf_of(client.get("/console/stations").text)
    r = client.post("/console/tokens", data={"csrf": good, "district": "Ba Dinh", "hours": "1"})
    assert r.status_code == 200 and "cpt_" in r.text


def test_another_sessions_token_does_not_pass(console: Console) -> None:
    admin = signed_in(console, "admin")
    other = csrf_of(signed_in(console, "sup-a").get("/console/stations").text)
    assert admin.post("/console/tokens", data={"csrf": other, "district": "X", "hours": "1"}).status_code == 403


def test_a_district_supervisor_sees_and_reaches_only_its_district(console: Console) -> None:
    client = signed_in(console, "sup-a")
    page = client.get("/console/stations").text
    assert "ST-A" in page and "ST-B" not in page
    assert client.get("/console/stations/ST-A").status_code == 200
    tampered = client.get("/console/stations/ST-B")  # URL tampering: same answer as a station that does not exist
    assert tampered.status_code == 404 and "ST-B" not in tampered.text.replace("/console/stations/ST-B", "")
    assert client.get("/console/stations/NO-SUCH").status_code == 404
    csrf = csrf_of(page)
    assert client.post("/console/stations/ST-B/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 404
    st = console.storage.station("ST-B")
    assert st is not None and st.revoked_at is None
    # its tokens are for its own district, whatever the form says
    r = client.post("/console/tokens", data={"csrf": csrf, "district": "Cau Giay", "hours": "1"})
    assert r.status_code == 200
    rows = console.db.rows("SELECT district FROM console_token_districts")
    assert sorted(r[0] for r in rows) == ["Ba Dinh", "Ba Dinh", "Cau Giay"]
    # figures and the report cover its district only
    figures = client.get("/console/figures?day=2021-07-24").text
    assert "ST-A" in figures and "ST-B" not in figures
    assert client.get("/console/audit").status_code == 403
    audit = signed_in(console, "admin").get("/console/audit").text  # the probing is in the log
    assert "refused_404" in audit and "/console/stations/ST-B" in audit and "refused_403" in audit


def test_a_supervisor_revokes_its_own_station(console: Console) -> None:
    client = signed_in(console, "sup-a")
    csrf = csrf_of(client.get("/console/stations/ST-A").text)
    r = client.post("/console/stations/ST-A/revoke", data={"csrf": csrf, "confirm": "yes"})
    assert r.status_code == 303
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is not None
    assert "station_revoked" in signed_in(console, "admin").get("/console/audit").text


def test_the_auditor_reads_everything_and_changes_nothing(console: Console) -> None:
    client = signed_in(console, "audit")
    page = client.get("/console/stations")
    assert "ST-A" in page.text and "ST-B" in page.text and "/console/tokens" not in page.text
    csrf = csrf_of(page.text)  # the sign-out form's
    assert client.post("/console/stations/ST-A/revoke", data={"csrf": csrf, "confirm": "yes"}).status_code == 403
    assert client.post("/console/tokens", data={"csrf": csrf, "district": "X", "hours": "1"}).status_code == 403
    st = console.storage.station("ST-A")
    assert st is not None and st.revoked_at is None
    assert client.get("/console/audit").status_code == 200


def test_signing_out_ends_the_session_on_the_server(console: Console) -> None:
    client = signed_in(console, "admin")
    session = client.cookies["cp_session"]
    csrf = csrf_of(client.get("/console/stations").text)
    assert client.post("/console/logout", data={"csrf": csrf}).status_code == 303
    stolen = console.client()
    stolen.cookies.set("cp_session", session)
    assert stolen.get("/console/stations").status_code == 303  # the old cookie is worth nothing now
