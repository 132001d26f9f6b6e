"""The stations page's facts (heartbeat, alerts, flags) and the console's tables opened only when it is used."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync.server.serve import open_app
from tests.console.conftest import Console, signed_in


def test_the_fleet_shows_heartbeats_alerts_and_silent_stations(console: Console) -> None:
    console.storage.record_alert("ST-B", "tampering", "seq 5: <b>differs</b>", datetime.now(UTC))
    page = signed_in(console, "admin").get("/console/stations").text
    start = page.index(">ST-A<")
    row_a = page[page.rindex("<tr", 0, start):page.index("</tr>", start)]
    assert "0.1.0" in row_a and "trust-list v3" in row_a and "+1.5" in row_a and "12.0" in row_a
    assert "running" in row_a and "flagged" not in row_a
    start = page.index(">ST-B<")
    row_b = page[page.rindex("<tr", 0, start):page.index("</tr>", start)]
    assert "flagged" in row_b and "IM LẶNG" in row_b and "1 Cảnh báo" in row_b  # never sent a heartbeat; one alert
    detail = signed_in(console, "admin").get("/console/stations/ST-B").text
    assert "&lt;b&gt;differs&lt;/b&gt;" in detail  # a station's text is escaped, never markup
    assert "differs" not in signed_in(console, "sup-a").get("/console/stations").text


def test_a_server_whose_console_is_not_used_opens_no_console_tables(tmp_path: Path) -> None:
    app, storage = open_app(tmp_path / "server")
    try:
        with sqlite3.connect(tmp_path / "server" / "server.sqlite") as db:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "stations" in names and not any(n.startswith("console_") for n in names)
        app.state.console_db.rows("SELECT count(*) FROM console_users")  # the first use migrates
        with sqlite3.connect(tmp_path / "server" / "server.sqlite") as db:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"console_users", "console_sessions", "console_audit", "console_migrations"} <= names
    finally:
        app.state.console_db.close()
        storage.close()


# -- lane fleet-lists: the policy bundle and watch list each station applies ------------------------------------


def _beat(now: datetime, lists: list[tuple[str, int, timedelta, timedelta]]) -> dict[str, object]:
    """A heartbeat whose lists are (kind, version, issued this long ago, expires this long from now)."""
    def iso(t: datetime) -> str:
        return t.isoformat().replace("+00:00", "Z")

    return {"software_version": "0.1.0", "clock_offset_seconds": 1.5, "queue": 0, "disk_free_bytes": 12 * 2**30,
            "camera": "running", "last_scan_at": None,
            "lists": [{"kind": k, "version": v, "issued_at": iso(now - ago), "expires_at": iso(now + left)}
                      for k, v, ago, left in lists]}


def _row(page: str, station_id: str) -> str:
    start = page.index(f">{station_id}<")
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]


def test_the_fleet_shows_each_stations_policy_and_watch_list_and_flags_one_behind(console: Console) -> None:
    from sync.server.lists import PublishedLists
    from tests import factories
    from tests.policy_helpers import bundle

    root, now = factories.ed25519(), console.clock.now()  # the server's clock: ages are counted from it
    PublishedLists(console.data_dir).publish("policy-bundle", bundle(root, version=7, issued=now - timedelta(hours=1)),
                                             [root.public_key()], now)
    core = [("trust-list", 3, timedelta(hours=1), timedelta(days=30)),
            ("revocation-list", 12, timedelta(hours=1), timedelta(days=6))]
    older = [("policy-bundle", 5, timedelta(days=2), timedelta(days=5)),
             ("watch-list", 2, timedelta(days=8), -timedelta(hours=1))]  # the watch list expired an hour ago
    console.storage.record_heartbeat("ST-A", _beat(now, [*core, *older]), now)
    console.storage.record_heartbeat("ST-B", _beat(now, [*core, ("policy-bundle", 7, timedelta(hours=1),
                                                                 timedelta(days=7))]), now)
    admin = signed_in(console, "admin")
    page = admin.get("/console/stations").text
    row_a, row_b = _row(page, "ST-A"), _row(page, "ST-B")
    assert "Chỉ đạo" in page and "Danh sách theo dõi" in page  # the two columns, in Vietnamese by default
    policy_a = row_a[row_a.index('class="policy"'):row_a.index('class="watch"')]
    assert "v5" in policy_a and "2 d 0 h" in policy_a and "cũ hơn bản phát hành v7" in policy_a
    watch_a = row_a[row_a.index('class="watch"'):]
    assert "v2" in watch_a and "HẾT HẠN" in watch_a and "cũ hơn" not in watch_a  # expired; none published
    assert "CHƯA CẬP NHẬT" in row_a and "DANH SÁCH CŨ" in row_a and "flagged" in row_a
    assert "v7" in row_b and "cũ hơn" not in row_b and "CHƯA CẬP NHẬT" not in row_b and "flagged" not in row_b
    admin.get("/console/lang/en?back=/console/stations")
    row_a = _row(admin.get("/console/stations").text, "ST-A")
    assert "older than published v7" in row_a and "BEHIND" in row_a and "EXPIRED" in row_a
    detail = admin.get("/console/stations/ST-A").text
    assert "v5, age 2 d 0 h, older than published v7" in detail and "policy-bundle version 5 in force" in detail
