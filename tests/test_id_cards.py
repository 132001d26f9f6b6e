"""The chip ID card (CCCD) at the lane, headless: compared with the lane's last authentic pass within the window,
never a crossing, the check recorded in the action trail without the card's data."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from checkpoint.decision import Display
from checkpoint.id_cards import WINDOW
from checkpoint.service import Outcome, Post
from tests.tui.conftest import World, make_services

POST = Post("CB01", "1", "in")
# The demo's "valid" pass: Nguyễn Văn An, 001085012345, 1985-03-02.
SAME = "001085012345|123456789|NGUYEN VAN  AN|02031985|Nam|Số 7 Hàng Bài, Hoàn Kiếm, Hà Nội|10052021"
OTHER_BIRTH = "001085012345||Nguyễn Văn An|03021985|Nam|Số 7 Hàng Bài, Hà Nội|10052021"
OTHER_PERSON = "001085099999||Nguyễn Văn Bình|02031985|Nam|Hà Nội|10052021"


def actions(world: World) -> list[tuple[str, dict[str, str]]]:
    conn = sqlite3.connect(world.services.recorder.log.path)
    try:
        return [(a, json.loads(d)) for a, d in conn.execute("SELECT action, details FROM actions ORDER BY seq")
                if a == "id_card_check"]
    finally:
        conn.close()


def checked(world: World, text: str) -> Outcome:
    out = world.services.service.check(text, POST)
    assert isinstance(out, Outcome)
    return out


def test_a_cccd_after_the_pass_matches(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    s = w.services.service
    passed = checked(w, w.text("valid"))
    assert passed.crossing is not None
    seq = w.services.recorder.log.last_seq
    scan = s.id_card(SAME, POST)
    assert scan.result == "match" and scan.recorded and scan.crossing_id == passed.crossing.id
    assert w.services.recorder.log.last_seq == seq  # never a crossing
    assert actions(w) == [("id_card_check", {"result": "match", "lane": "1", "differs": "", "not_on_pass": "",
                                             "crossing": passed.crossing.id})]


def test_a_mismatch_names_the_fields_and_is_recorded(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    s = w.services.service
    s.check(w.text("valid"), POST)
    first = s.id_card(OTHER_BIRTH, POST).comparison
    assert first is not None and first.mismatched == ("birth_date",)
    scan = s.id_card(OTHER_PERSON, POST)
    assert scan.result == "mismatch" and scan.comparison is not None
    assert scan.comparison.mismatched == ("id_number", "name")
    assert [d["differs"] for _, d in actions(w)] == ["birth_date", "id_number,name"]


def test_without_a_recent_pass_on_the_lane_it_is_only_an_id_card(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    s = w.services.service
    assert s.id_card(SAME, POST).result == "no_pass"  # nothing scanned yet
    s.check(w.text("valid"), POST)
    assert s.id_card(SAME, Post("CB01", "2", "in")).result == "no_pass"  # another lane's pass is not this person
    w.clock.advance(WINDOW + timedelta(seconds=1))
    assert s.id_card(SAME, POST).result == "no_pass"  # too late: the person has gone
    assert [d["result"] for _, d in actions(w)] == ["no_pass", "no_pass", "no_pass"]


def test_a_forged_pass_is_not_compared(tmp_path: Path) -> None:
    """Only an authentic pass's data is compared: a forged one is refused before it is read."""
    w = make_services(tmp_path)
    s = w.services.service
    assert checked(w, w.text("forged")).decision.display is Display.REJECT
    assert s.id_card(SAME, POST).result == "no_pass"


def test_a_damaged_card_says_why_and_is_never_a_pass(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    scan = w.services.service.id_card("001085012345|x|\x1b[2J|02031985|Nam|x|10052021", POST)
    assert scan.card is None and scan.result == "damaged" and scan.problem is not None
    assert w.services.recorder.log.last_seq == 0
    # the verifier alone (checkpoint scan --record, the CLI) refuses it as not a pass
    out = checked(w, SAME)
    assert out.decision.display is Display.REJECT and out.decision.reason is not None
    assert out.decision.reason.value == "UNKNOWN_FORMAT"


def test_the_card_s_data_is_never_stored(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    s = w.services.service
    s.check(w.text("valid"), POST)
    s.id_card(SAME, POST)
    s.id_card(OTHER_PERSON, POST)
    w.services.recorder.log.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "sqlite" in p.name)
    assert raw
    for secret in ("Hàng Bài", "NGUYEN VAN", "Nguyễn Văn Bình", "001085099999", "123456789", "02031985"):
        assert secret.encode() not in raw, secret
