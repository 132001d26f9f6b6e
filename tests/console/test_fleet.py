"""The stations page's facts (heartbeat, alerts, flags) and the console's tables opened only when it is used."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
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
