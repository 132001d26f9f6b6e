"""Paging of the console's long tables over HTTP against a real server (both backends; the crossings come from the
server's storage, the audit log from the console's own tables): 100 rows a page counted and read on the server,
the total shown, next/previous links that keep the query, pages in a stable order that neither repeat nor skip a
row, and page numbers tampered with in the URL or the form answered with a clear 400 (or the last page), never a
500. Exports stay whole (tests/console/test_cli_and_report.py)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest

from sync.server.console.auth import Accounts
from sync.server.console.fleet import create_token
from sync.server.console.paging import PAGE_SIZE, PageError, page_number, page_of
from sync.server.storage import ExportFilter
from tests.console.conftest import (
    DAY,
    KEY_PASSPHRASE,
    SUPERVISOR_PEM,
    Console,
    csrf_of,
    sealed,
    signed_in,
)
from tests.sync.helpers import make_crossings

BUSY = 250  # crossings at ST-C on DAY: three pages
PERIOD = {"since": "2021-07-24T00:00", "until": "2021-07-25T00:00"}
TAMPERED = ["-1", "0", "abc", "1e3", "99999999", "１", " ", "2%00"]


def busy_station(console: Console) -> None:
    """ST-C in Ba Dinh with BUSY crossings on DAY, personal data sealed to the supervisor's key."""
    now = console.clock.now()
    token = create_token(console.storage, console.db, "Ba Dinh", now, timedelta(hours=1))
    console.storage.enroll(token, "ST-C", "key-ST-C", now)
    crossings = sealed(make_crossings("ST-C", BUSY, at=DAY + timedelta(hours=9)), set())
    console.storage.store_batch("ST-C", [c.to_wire() for c in crossings], now)


def times(page: str) -> list[str]:
    """The trace table's first column (the crossings' local times), in the page's order."""
    body = page.split('<table class="trace">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", body)


def next_link(page: str) -> str:
    m = re.search(r'<a href="([^"]+)" rel="next"', page)
    assert m, "no link to the next page"
    return html.unescape(m.group(1))


def test_page_numbers() -> None:
    assert page_number(None) == 1 and page_number("") == 1 and page_number("3") == 3
    for text in TAMPERED:
        with pytest.raises(PageError):
            page_number(text)
    p = page_of(99, 250)
    assert (p.number, p.pages, p.first, p.last, p.previous, p.next) == (3, 3, 201, 250, 2, None)  # past the end: last
    e = page_of(1, 0)
    assert (e.pages, e.first, e.last, e.next) == (1, 0, 0, None)


def test_the_storage_pages_crossings_in_a_stable_order(console: Console) -> None:
    busy_station(console)
    flt = ExportFilter(stations=("ST-C",), since=DAY, until=DAY + timedelta(days=1))
    assert console.storage.crossings_count(flt) == BUSY
    pages = [console.storage.crossings_page(flt, offset, PAGE_SIZE) for offset in range(0, BUSY, PAGE_SIZE)]
    seqs = [c["seq"] for p in pages for c in p]
    assert [len(p) for p in pages] == [100, 100, 50] and seqs == list(range(1, BUSY + 1))
    assert console.storage.crossings_page(flt, 10**6, PAGE_SIZE) == []


def test_who_crossed_a_busy_station_is_paged_with_links_that_keep_the_query(console: Console) -> None:
    busy_station(console)
    client = signed_in(console, "sup-a")
    csrf = csrf_of(client.get("/console/trace").text)
    first = client.post("/console/trace", data={"csrf": csrf, "station": "ST-C", **PERIOD})
    assert first.status_code == 200 and len(times(first.text)) == PAGE_SIZE
    assert f"{BUSY}</h2>" in first.text and "1–100 / 250" in first.text  # the total, counted on the server
    seen = times(first.text)
    link = next_link(first.text)
    assert "station=ST-C" in link and "since=2021-07-24T00%3A00" in link and "page=2" in link
    second = client.get(link)
    assert second.status_code == 200 and "101–200 / 250" in second.text and 'rel="prev"' in second.text
    seen += times(second.text)
    third = client.get(next_link(second.text))
    seen += times(third.text)
    assert len(times(third.text)) == 50 and 'rel="next"' not in third.text
    assert len(seen) == BUSY and len(set(seen)) == BUSY and seen == sorted(seen)  # no row twice, none skipped
    assert "•••" in third.text  # a page reached by a link is masked: the key is never in a URL
    past = client.get(link.replace("page=2", "page=40"))
    assert past.status_code == 200 and "201–250 / 250" in past.text  # past the last page: the last page


def test_pages_of_opened_data_need_the_key_again(console: Console) -> None:
    busy_station(console)
    client = signed_in(console, "sup-a")
    csrf = csrf_of(client.get("/console/trace").text)
    form = {"csrf": csrf, "station": "ST-C", **PERIOD, "key": SUPERVISOR_PEM, "passphrase": KEY_PASSPHRASE}
    first = client.post("/console/trace", data=form)
    assert first.status_code == 200 and "Nguyễn Văn ST-C 1 " in first.text.replace("</td>", " ")
    assert 'id="pages-opened"' in first.text and 'name="page" value="2"' in first.text
    assert "PRIVATE KEY" not in first.text and 'rel="next"' not in first.text  # no link: a form asking for the key
    second = client.post("/console/trace", data={**form, "page": "2"})
    assert second.status_code == 200 and "Nguyễn Văn ST-C 101 " in second.text.replace("</td>", " ")
    assert "Nguyễn Văn ST-C 1 " not in second.text.replace("</td>", " ")
    audit = signed_in(console, "admin").get("/console/audit").text
    assert "page 2/3: rows 101-200 of 250, personal data opened" in audit


@pytest.mark.parametrize("tampered", TAMPERED)
def test_a_tampered_page_number_is_a_clear_400(console: Console, tampered: str) -> None:
    client = signed_in(console, "admin")
    r = client.get("/console/audit", params={"page": tampered})
    assert r.status_code == 400 and "page: a whole number from 1" in r.text
    r = client.get("/console/trace", params={"station": "ST-A", **PERIOD, "page": tampered})
    assert r.status_code == 400 and "page: a whole number from 1" in r.text
    csrf = csrf_of(client.get("/console/trace").text)
    r = client.post("/console/trace", data={"csrf": csrf, "station": "ST-A", **PERIOD, "page": tampered})
    assert r.status_code == 400 and "•••" not in r.text


def test_a_supervisor_cannot_page_another_districts_station(console: Console) -> None:
    client = signed_in(console, "sup-a")
    r = client.get("/console/trace", params={"station": "ST-B", **PERIOD, "page": "1"})  # URL tampering
    assert r.status_code == 404 and "•••" not in r.text
    assert client.get("/console/trace", params={"station": "ST-A", "since": "x", "until": ""}).status_code == 400


def audit_page(client: httpx.Client, number: int) -> list[str]:
    page = client.get("/console/audit", params={"page": str(number)})
    assert page.status_code == 200
    return re.findall(r"<td>(entry \d+)</td>", page.text)


def test_the_audit_log_is_paged_newest_first(console: Console) -> None:
    client = signed_in(console, "admin")
    accounts = Accounts(console.db)
    for i in range(230):
        accounts.audit("admin", "test", f"entry {i:03d}", "127.0.0.1", console.clock.now())
    total = console.db.rows("SELECT count(*) FROM console_audit")[0][0]
    page = client.get("/console/audit").text
    assert f"1–100 / {total}" in page and 'href="/console/audit?page=2"' in page
    pages = [audit_page(client, n) for n in (1, 2, 3)]
    entries = [e for p in pages for e in p]
    assert entries == [f"entry {i:03d}" for i in range(229, -1, -1)]  # newest first, each once
    assert len(pages[0]) == PAGE_SIZE


# -- the stations table (the lead, stop 13) --------------------------------------------------------------------

FLEET = 230  # more stations in Ba Dinh, each with a healthy heartbeat: with ST-A and ST-B, three pages


def station_ids(page: str) -> list[str]:
    body = page.split('<table class="fleet">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', body)


def test_the_stations_table_a_page_at_a_time_and_only_the_flagged_ones(console: Console) -> None:
    from tests.console.test_fleet import _beat

    now = console.clock.now()
    healthy = [("trust-list", 3, timedelta(hours=1), timedelta(days=30)),
               ("revocation-list", 12, timedelta(hours=1), timedelta(days=6))]
    for i in range(FLEET):
        token = create_token(console.storage, console.db, "Ba Dinh", now, timedelta(hours=1))
        console.storage.enroll(token, f"ST-X{i:03d}", f"key-X{i:03d}", now)
        console.storage.record_heartbeat(f"ST-X{i:03d}", _beat(now, healthy), now)
    admin = signed_in(console, "admin")
    first = admin.get("/console/stations")
    assert first.status_code == 200
    assert "232 trạm, 1 trạm cần chú ý" in first.text  # ST-B never sent a heartbeat: silent
    seen = station_ids(first.text)
    assert len(seen) == PAGE_SIZE
    page = first.text
    while 'rel="next"' in page:
        page = admin.get(next_link(page)).text
        seen += station_ids(page)
    assert len(seen) == FLEET + 2 and len(set(seen)) == len(seen)  # every station once, none skipped
    only = admin.get("/console/stations", params={"only": "flagged"}).text
    assert station_ids(only) == ["ST-B"] and "Xem tất cả các trạm" in only and 'rel="next"' not in only
    assert "232 trạm, 1 trạm cần chú ý" in only  # the counts are of the whole fleet
    for bad in ({"page": "abc"}, {"page": "-1"}, {"only": "<script>"}):
        refused = admin.get("/console/stations", params=bad)
        assert refused.status_code == 400 and "<script>" not in refused.text
    past = admin.get("/console/stations", params={"page": "99"}).text
    assert len(station_ids(past)) == FLEET + 2 - 2 * PAGE_SIZE  # past the end: the last page
    district = signed_in(console, "sup-a")
    mine = district.get("/console/stations").text
    assert "231 trạm, 0 trạm cần chú ý" in mine  # ST-A and the 230: never ST-B of another district
    assert "Không có trạm nào cần chú ý." in district.get("/console/stations", params={"only": "flagged"}).text


def test_the_times_typed_in_the_trace_form_are_the_provinces_local_times(console: Console) -> None:
    """ST-C's crossings are at 09:00 UTC, 16:00 in Hanoi, where the pages show them: the hour typed as 16:00
    finds them all, the same figures read as UTC find none (the form said "UTC" while the table said Hanoi)."""
    busy_station(console)
    client = signed_in(console, "sup-a")
    csrf = csrf_of(client.get("/console/trace").text)
    local = client.post("/console/trace", data={"csrf": csrf, "station": "ST-C", "since": "2021-07-24T16:00",
                                                "until": "2021-07-24T17:00"})
    assert local.status_code == 200 and f"{BUSY}</h2>" in local.text
    assert all(t.startswith("2021-07-24 16:") for t in times(local.text))  # shown in the hour asked for
    utc_hour = client.post("/console/trace", data={"csrf": csrf, "station": "ST-C", "since": "2021-07-24T09:00",
                                                   "until": "2021-07-24T10:00"})
    assert utc_hour.status_code == 200 and "0</h2>" in utc_hour.text
