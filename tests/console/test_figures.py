"""The figures page and the day's report count dispositions (the latest of each crossing), origin risk levels,
policy rules and vehicles (issues 14 item 3, 15 item 6), on both backends, for the stations the user sees.

Station ST-P ("Dong Da") uploads, through the storage the API uses, six crossings of DAY with the policy's and the
vehicles' extension fields, then dispositions (one corrected, one recorded the next day); ST-A ("Ba Dinh", from
the fixture) gets one disposition."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from checkpoint.crossing.disposition import disposition_hash
from sync.server.console.fleet import create_token
from sync.server.storage import ExportFilter, Stored
from tests.console.conftest import DAY, Console, sealed, signed_in
from tests.sync.helpers import GENESIS, make_crossings

V1, V2 = "6f1c0e4a-0000-4000-8000-000000000001", "6f1c0e4a-0000-4000-8000-000000000002"
#: ST-P's crossings 1..6: (display, verdict, origin_level, policy_rule, vehicle_id, vehicle_role)
POLICY = {
    1: ("REJECT", "reject", "4", "L4:*:test72", V1, "driver"),
    2: ("CHECK", "accept", "4", "L4:*:test72", V1, "passenger"),
    3: ("ACCEPT", "accept", "1", "L1:*:admit", None, None),
    4: ("ACCEPT", "accept", "unknown", "unknown:*:admit", V2, "driver"),
    5: ("ACCEPT", "accept", None, None, None, None),  # no bundle in force
    6: ("ACCEPT", "accept", None, None, None, None),
}


def dispositions(crossings: list[dict[str, Any]], codes: list[tuple[int, str, datetime]],
                 prev: str = GENESIS) -> list[dict[str, Any]]:
    """Wire dispositions chained from genesis: (crossing seq, code, when) each."""
    by_seq = {c["seq"]: c for c in crossings}
    out = []
    for i, (cseq, code, at) in enumerate(codes, start=1):
        c = by_seq[cseq]
        d: dict[str, Any] = {"seq": i, "id": f"d-{c['station_id']}-{i}", "station_id": c["station_id"],
                             "crossing_seq": cseq, "crossing_id": c["id"], "crossing_hash": c["hash"], "code": code,
                             "officer_id": "CB01", "at": at.isoformat().replace("+00:00", "Z"), "prev_hash": prev}
        d["hash"] = prev = disposition_hash(d)
        out.append(d)
    return out


def upload(console: Console) -> None:
    storage, now = console.storage, datetime.now(UTC)
    storage.enroll(create_token(storage, console.db, "Dong Da", now, timedelta(hours=1)), "ST-P", "key-ST-P", now)
    base = make_crossings("ST-P", len(POLICY), at=DAY + timedelta(hours=9))
    made = [replace(c, display=display, verdict=verdict, reason="RULE_FAILED" if verdict == "reject" else None,
                    rule="policy_test" if verdict == "reject" else None, origin_level=level, policy_rule=rule,
                    policy_version=3 if level else None, vehicle_id=vehicle, vehicle_role=role)
            for c, (display, verdict, level, rule, vehicle, role) in zip(base, POLICY.values(), strict=True)]
    wire = [c.to_wire() for c in sealed(made, set())]  # chained again over the extension fields
    assert "origin_level" in wire[0] and "origin_level" not in wire[4]
    assert isinstance(storage.store_batch("ST-P", wire, now), Stored)
    later = DAY + timedelta(hours=10)
    ds = dispositions(wire, [(1, "turned_back", later), (3, "fined", DAY + timedelta(days=1, hours=1)),
                             (4, "suspected_illegal_entry", later),
                             (1, "admitted_after_check", later + timedelta(minutes=5))])  # corrects the first
    assert isinstance(storage.store_dispositions("ST-P", ds, now), Stored)
    st_a = list(storage.crossings(ExportFilter(stations=("ST-A",))))
    assert isinstance(storage.store_dispositions("ST-A", dispositions(st_a, [(2, "quarantine", later)]), now), Stored)


ROW = re.compile(r'<tr><th scope="row">(.*?)</th>((?:<td class="num">\d+</td>)+)</tr>')


def table(html: str, caption: str) -> dict[str, list[int]]:
    """A figures table's rows: the row's header -> its numbers (ACCEPT, CHECK, REJECT, total, or a count)."""
    start = html.index(f"<caption>{caption}</caption>")
    body = html[start:html.index("</table>", start)]
    return {m.group(1): [int(n) for n in re.findall(r"\d+", m.group(2))] for m in ROW.finditer(body)}


def report(client: Any) -> dict[tuple[str, str], list[str]]:
    data = client.get("/console/report.csv?day=2021-07-24").content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(data)))
    assert header == ["day", "section", "key", "accept", "check", "reject", "total"]
    return {(r[1], r[2]): r[3:] for r in rows}


def test_the_figures_count_dispositions_levels_rules_and_vehicles(console: Console) -> None:
    upload(console)
    client = signed_in(console, "admin")
    client.get("/console/lang/en")  # the language switch's cookie
    html = client.get("/console/figures?day=2021-07-24").text
    assert "By origin risk level" in html, html[:300]
    # the latest disposition of each crossing, by the crossing's outcome: the correction replaces "Turned back";
    # the fine recorded the next day still counts for the crossing's day
    assert table(html, "Dispositions after the verdict (the latest of each crossing)") == {
        "Admitted after ID check": [0, 0, 1, 1], "Fined": [1, 0, 0, 1], "Referred to quarantine": [1, 0, 0, 1],
        "Suspected illegal entry": [1, 0, 0, 1]}
    # levels in order; ST-A's 10 and ST-B's 7 crossings (one REJECT each) and ST-P's last two had no bundle
    levels = table(html, "By origin risk level")
    assert levels == {"Level 1": [1, 0, 0, 1], "Level 4": [0, 1, 1, 2], "Origin unknown": [1, 0, 0, 1],
                      "No policy": [17, 0, 2, 19]}
    assert list(levels) == ["Level 1", "Level 4", "Origin unknown", "No policy"]
    assert table(html, "By rule applied") == {"L1:*:admit": [1, 0, 0, 1], "L4:*:test72": [0, 1, 1, 2],
                                              "unknown:*:admit": [1, 0, 0, 1]}
    assert table(html, "Vehicles") == {"Vehicles (distinct vehicle ids)": [2], "People in them (crossings)": [3]}

    rows = report(client)
    assert {k: v for k, v in rows.items() if k[0] == "disposition"} == {
        ("disposition", "admitted_after_check"): ["0", "0", "1", "1"], ("disposition", "fined"): ["1", "0", "0", "1"],
        ("disposition", "quarantine"): ["1", "0", "0", "1"],
        ("disposition", "suspected_illegal_entry"): ["1", "0", "0", "1"]}
    assert [k[1] for k in rows if k[0] == "origin_level"] == ["1", "4", "unknown", "none"]
    assert rows[("origin_level", "4")] == ["0", "1", "1", "2"]
    assert rows[("origin_level", "none")] == ["17", "0", "2", "19"]
    assert {k[1]: v for k, v in rows.items() if k[0] == "policy_rule"} == {
        "L1:*:admit": ["1", "0", "0", "1"], "L4:*:test72": ["0", "1", "1", "2"],
        "unknown:*:admit": ["1", "0", "0", "1"]}
    assert rows[("vehicles", "distinct")] == ["", "", "", "2"] and rows[("vehicles", "occupants")] == ["", "", "", "3"]


@pytest.mark.parametrize("user", ["sup-a", "sup-b"])
def test_a_district_supervisor_counts_only_its_districts_dispositions_and_levels(console: Console,
                                                                                  user: str) -> None:
    upload(console)
    client = signed_in(console, user)
    client.get("/console/lang/en")
    html = client.get("/console/figures?day=2021-07-24").text
    mine = {"sup-a": 10, "sup-b": 7}[user]
    assert table(html, "By origin risk level") == {"No policy": [mine - 1, 0, 1, mine]}
    assert "No crossing was decided under a policy." in html and "L4:*:test72" not in html
    assert table(html, "Vehicles") == {"Vehicles (distinct vehicle ids)": [0], "People in them (crossings)": [0]}
    rows = report(client)
    assert [k for k in rows if k[0] in ("disposition", "policy_rule")] == (
        [("disposition", "quarantine")] if user == "sup-a" else [])
    if user == "sup-a":
        assert table(html, "Dispositions after the verdict (the latest of each crossing)") == {
            "Referred to quarantine": [1, 0, 0, 1]}
    else:
        assert "No disposition recorded." in html
    assert rows[("vehicles", "distinct")][-1] == "0"


def test_the_day_and_its_hours_are_the_provinces_not_utc(console: Console) -> None:
    # A province's "day" runs from 00:00 to 24:00 in Vietnam (UTC+7): a crossing at 23:30 UTC the evening
    # before DAY is 06:30 on DAY there; one at 17:30 UTC on DAY is already 00:30 the next day.
    storage, now = console.storage, datetime.now(UTC)
    storage.enroll(create_token(storage, console.db, "Dong Da", now, timedelta(hours=1)), "ST-T", "key-ST-T", now)
    times = [DAY - timedelta(minutes=30), DAY + timedelta(hours=17, minutes=30)]
    made = [replace(c, recorded_at=t.isoformat().replace("+00:00", "Z"))
            for c, t in zip(make_crossings("ST-T", 2, at=DAY), times, strict=True)]
    assert isinstance(storage.store_batch("ST-T", [c.to_wire() for c in sealed(made, set())], now), Stored)
    client = signed_in(console, "admin")
    client.get("/console/lang/en")
    html = client.get("/console/figures?day=2021-07-24").text
    assert table(html, "Per station").get("ST-T") == [1, 0, 0, 1]  # the 06:30 one only
    assert "Crossings per hour (local time)" in html
    day = list(csv.reader(io.StringIO(client.get("/console/report.csv?day=2021-07-24").text)))
    assert ["2021-07-24", "station", "ST-T", "1", "0", "0", "1"] in day
    assert ["2021-07-24", "hour", "06"] in [r[:3] for r in day] and ["2021-07-24", "hour", "23"] not in [
        r[:3] for r in day]  # (23:30 would be the UTC hour)
    nxt = list(csv.reader(io.StringIO(client.get("/console/report.csv?day=2021-07-25").text)))
    assert ["2021-07-25", "station", "ST-T", "1", "0", "0", "1"] in nxt  # the 00:30 one, on the next local day
    assert ["2021-07-25", "hour", "00"] in [r[:3] for r in nxt]
