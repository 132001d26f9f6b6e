"""The Users page over HTTP against a real server (both backends): the province administrator lists, adds,
resets, unlocks and removes console users through the same functions as ``checkpoint server console-user``;
CSRF on every form; never oneself, never the last administrator; a district supervisor and an auditor cannot
reach it (URL tampering and forged forms included); every change in the audit log."""

from __future__ import annotations

import re

import httpx
import pytest

from checkpoint.errors import CheckpointError
from sync.server.console.auth import MAX_FAILED, Accounts, LastAdmin
from tests.console.conftest import PASSWORD, Console, csrf_of, sign_in, signed_in

NEW_PASSWORD = "a new long passphrase"


def users_csrf(client: httpx.Client) -> str:
    page = client.get("/console/users")
    assert page.status_code == 200, page.text[:300]
    return csrf_of(page.text)


def add(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/console/users", data={"csrf": users_csrf(client), **form})


def test_the_administrator_lists_the_users(console: Console) -> None:
    sign_in(console.client(), "sup-b", "wrong password!")  # not locked yet: one failure
    client = signed_in(console, "admin")
    page = client.get("/console/users").text
    for name in ("admin", "sup-a", "sup-b", "audit"):
        assert f"/console/users/{name}" in page
    assert "Ba Dinh" in page and "Cau Giay" in page and "giám sát huyện" in page
    assert "/console/users" in client.get("/console/stations").text  # in the administrator's menu
    assert "/console/users" not in signed_in(console, "sup-a").get("/console/stations").text


def test_the_administrator_adds_a_district_supervisor_who_sees_only_their_district(console: Console) -> None:
    admin = signed_in(console, "admin")
    r = add(admin, username="pham.dung", role="supervisor", district="Cau Giay", password=NEW_PASSWORD,
            password2=NEW_PASSWORD)
    assert r.status_code == 200 and "pham.dung" in r.text and 'id="new-password"' not in r.text
    client = console.client()
    assert sign_in(client, "pham.dung", NEW_PASSWORD).status_code == 303
    page = client.get("/console/stations").text
    assert "ST-B" in page and "ST-A" not in page
    audit = admin.get("/console/audit").text
    assert "user_added" in audit and "pham.dung (supervisor, Cau Giay)" in audit and NEW_PASSWORD not in audit


def test_a_generated_password_is_shown_once_and_works(console: Console) -> None:
    admin = signed_in(console, "admin")
    r = add(admin, username="le.em", role="auditor", generate="yes")
    m = re.search(r'<code id="new-password">([^<]+)</code>', r.text)
    assert r.status_code == 200 and m
    password = m.group(1)
    assert len(password) >= 12 and password not in admin.get("/console/users").text  # shown once
    assert sign_in(console.client(), "le.em", password).status_code == 303
    for table in ("console_users", "console_audit"):  # never kept in clear
        assert password not in repr(console.db.rows(f"SELECT * FROM {table}"))


@pytest.mark.parametrize(("form", "vi", "en"), [
    ({"username": "x.y", "role": "auditor", "password": "short", "password2": "short"},
     "Mật khẩu phải có ít nhất 12 ký tự", "The password must have at least 12 characters"),
    ({"username": "x.y", "role": "auditor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"}, "khác nhau",
     "differ"),
    ({"username": "x.y", "role": "supervisor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
     "Giám sát huyện phải có tên huyện", "A district supervisor needs a district"),
    ({"username": "x.y", "role": "auditor", "district": "Ba Dinh", "password": NEW_PASSWORD,
      "password2": NEW_PASSWORD}, "Chỉ giám sát huyện mới có huyện", "Only a district supervisor has a district"),
    ({"username": "X Y!", "role": "auditor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
     "Tên người dùng: 2 đến 32", "User name: 2 to 32"),
    ({"username": "sup-a", "role": "auditor", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
     "Đã có người dùng sup-a", "The user sup-a already exists"),
    ({"username": "x.y", "role": "root", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
     "Vai trò: quản trị tỉnh", "Role: province administrator"),
])
def test_a_user_is_added_with_the_command_lines_rules(console: Console, form: dict[str, str], vi: str,
                                                      en: str) -> None:
    """The command line's rules, said in the page's language (never the command line's English: "--district")."""
    admin = signed_in(console, "admin")
    r = add(admin, **form)
    text = r.text.replace("&#39;", "'")
    assert r.status_code == 400 and vi in text and "--district" not in text
    assert console.db.rows("SELECT count(*) FROM console_users")[0][0] == 4
    admin.get("/console/lang/en")
    r = add(admin, **form)
    assert r.status_code == 400 and en in r.text.replace("&#39;", "'")
    assert console.db.rows("SELECT count(*) FROM console_users")[0][0] == 4


def test_reset_unlock_and_remove_end_the_users_sessions(console: Console) -> None:
    admin = signed_in(console, "admin")
    victim = signed_in(console, "sup-a")
    csrf = csrf_of(admin.get("/console/users/sup-a").text)
    r = admin.post("/console/users/sup-a/password", data={"csrf": csrf, "password": NEW_PASSWORD,
                                                           "password2": NEW_PASSWORD})
    assert r.status_code == 200
    assert victim.get("/console/stations").status_code == 303  # their session ended
    assert sign_in(console.client(), "sup-a", PASSWORD).status_code == 401
    assert sign_in(console.client(), "sup-a", NEW_PASSWORD).status_code == 303
    for _ in range(MAX_FAILED):
        sign_in(console.client(), "sup-b", "wrong password!")
    admin.cookies.set("cp_lang", "en")
    assert "locked until" in admin.get("/console/users").text
    assert admin.post("/console/users/sup-b/unlock", data={"csrf": csrf}).status_code == 200
    assert sign_in(console.client(), "sup-b", PASSWORD).status_code == 303
    sup_b = signed_in(console, "sup-b")
    assert admin.post("/console/users/sup-b/remove", data={"csrf": csrf}).status_code == 400  # not confirmed
    assert admin.post("/console/users/sup-b/remove", data={"csrf": csrf, "confirm": "yes"}).status_code == 200
    assert sup_b.get("/console/stations").status_code == 303
    assert Accounts(console.db).user("sup-b") is None
    assert admin.post("/console/users/nobody/unlock", data={"csrf": csrf}).status_code == 404
    audit = admin.get("/console/audit").text
    for action in ("user_password", "user_unlock", "user_remove"):
        assert action in audit, action


def test_never_oneself_never_the_last_administrator(console: Console) -> None:
    admin = signed_in(console, "admin")
    # the last administrator is counted in the removal's transaction: the page's call refuses, the CLI's may
    with pytest.raises(LastAdmin):
        Accounts(console.db).remove_user("admin", keep_an_admin=True)
    assert Accounts(console.db).user("admin") is not None
    assert isinstance(LastAdmin("x"), CheckpointError)
    add(admin, username="admin2", role="admin", password=NEW_PASSWORD, password2=NEW_PASSWORD)
    page = admin.get("/console/users/admin").text
    assert "/console/users/admin/remove" not in page  # no such form for oneself
    r = admin.post("/console/users/admin/remove", data={"csrf": csrf_of(page), "confirm": "yes"})  # forged anyway
    assert r.status_code == 400 and Accounts(console.db).user("admin") is not None  # not the last one: oneself
    assert "user_change_refused" in admin.get("/console/audit").text
    # with two administrators one may remove the other
    second = console.client()
    sign_in(second, "admin2", NEW_PASSWORD)
    csrf = csrf_of(second.get("/console/users/admin").text)
    assert second.post("/console/users/admin/remove", data={"csrf": csrf, "confirm": "yes"}).status_code == 200
    assert Accounts(console.db).user("admin") is None


@pytest.mark.parametrize("who", ["sup-a", "audit"])
def test_a_supervisor_or_an_auditor_cannot_reach_the_users_page(console: Console, who: str) -> None:
    client = signed_in(console, who)
    assert client.get("/console/users").status_code == 403
    assert client.get("/console/users/admin").status_code == 403  # URL tampering
    own = csrf_of(client.get("/console/stations").text)  # a valid token of its own session: a forged form
    r = client.post("/console/users", data={"csrf": own, "username": "evil", "role": "admin",
                                            "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 403 and Accounts(console.db).user("evil") is None
    r = client.post("/console/users/admin/password", data={"csrf": own, "password": NEW_PASSWORD,
                                                           "password2": NEW_PASSWORD})
    assert r.status_code == 403 and sign_in(console.client(), "admin", PASSWORD).status_code == 303
    r = client.post("/console/users/sup-b/remove", data={"csrf": own, "confirm": "yes"})
    assert r.status_code == 403 and Accounts(console.db).user("sup-b") is not None
    audit = signed_in(console, "admin").get("/console/audit").text
    assert "refused_403" in audit and "/console/users" in audit


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_the_users_forms_need_the_sessions_csrf_token(console: Console, token: str | None) -> None:
    admin = signed_in(console, "admin")
    extra = {} if token is None else {"csrf": token}
    r = admin.post("/console/users", data={**extra, "username": "evil", "role": "admin", "password": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    assert r.status_code == 403 and Accounts(console.db).user("evil") is None
    r = admin.post("/console/users/sup-a/remove", data={**extra, "confirm": "yes"})
    assert r.status_code == 403 and Accounts(console.db).user("sup-a") is not None
