"""Publishing the signed lists from the console: a list signed elsewhere is verified against the roots in the
data folder before it is served; a forged, stale or rolled-back list is refused and the one in force stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from checkpoint.trust import keys
from tests import factories
from tests.console.conftest import Console, csrf_of, signed_in


def roots(console: Console) -> keys.PrivateKey:
    root = factories.ed25519()
    folder = console.data_dir / "list-roots"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(keys.public_pem(root.public_key()))
    return root


def upload(client: httpx.Client, kind: str, data: bytes, csrf: str | None = None) -> httpx.Response:
    token = csrf if csrf is not None else csrf_of(client.get("/console/lists").text)
    return client.post("/console/lists", data={"csrf": token, "kind": kind},
                       files={"file": ("list.cose", data, "application/cose")})


def served(console: Console) -> bytes | None:
    r = httpx.get(console.url + "/v1/lists/trust-list", timeout=30)
    return r.content if r.status_code == 200 else None


def test_a_list_signed_by_the_root_is_published_and_served(console: Console) -> None:
    root = roots(console)
    now = datetime.now(UTC)
    good = factories.trust_list(root, version=2, issued=now - timedelta(hours=1))
    client = signed_in(console, "admin")
    r = upload(client, "trust-list", good)
    assert r.status_code == 200 and 'id="published"' in r.text
    assert served(console) == good
    # a list signed by another key, and an older version, are refused; the one in force stays
    forged = factories.trust_list(factories.ed25519(), version=3, issued=now - timedelta(hours=1))
    r = upload(client, "trust-list", forged)
    assert r.status_code == 400 and served(console) == good
    older = factories.trust_list(root, version=1, issued=now - timedelta(hours=2))
    assert upload(client, "trust-list", older).status_code == 400 and served(console) == good
    audit = client.get("/console/audit").text
    assert "list_published" in audit and "list_refused" in audit


def test_only_the_administrator_publishes_with_the_sessions_token(console: Console) -> None:
    root = roots(console)
    good = factories.trust_list(root, issued=datetime.now(UTC) - timedelta(hours=1))
    for user in ("sup-a", "audit"):
        client = signed_in(console, user)
        csrf = csrf_of(client.get("/console/stations").text)
        assert upload(client, "trust-list", good, csrf).status_code == 403
    admin = signed_in(console, "admin")
    assert upload(admin, "trust-list", good, "forged").status_code == 403
    assert served(console) is None
