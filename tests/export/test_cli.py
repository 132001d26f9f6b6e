"""``checkpoint export`` and ``checkpoint report`` end to end, on a real log made by the real recorder."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from openpyxl import load_workbook

from checkpoint import sealing
from checkpoint.cli import main
from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
from checkpoint.clock import FixedClock
from checkpoint.decision import Decision
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log._personal import from_subject
from checkpoint.model import Subject
from checkpoint.station_keys import load_or_create_hmac_key
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, make_pass

DAY = "2021-07-24"  # local (UTC+7): 2021-07-23T17:00Z to 2021-07-24T17:00Z
PEOPLE = (
    Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh"),
    Subject("Trần Thị Bích Ngọc", "079190000123", "1990-11-30", "worker", "51F-987.65", "Đồng Nai", "Hà Nội"),
)
PASSPHRASE = "mật khẩu giám sát 2021"


@pytest.fixture(scope="module")
def supervisor() -> X25519PrivateKey:
    return sealing.generate()


@pytest.fixture
def station(tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with a log of 24 crossings on DAY (one per hour, local) and 2 on the next day."""
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    issuer = ed25519()
    pub = issuer.public_key()
    verifier = Verifier(TrustStore([TrustedKey(keys.kid_of(pub), pub, "test")], TrustSource("test")))
    clock = FixedClock(T0 - timedelta(hours=7) + timedelta(minutes=30))  # 00:30 local on DAY
    log = CrossingLog.open(data / "crossings.sqlite", station_id="STATION-01", seal_to=supervisor.public_key(),
                           hmac_key=load_or_create_hmac_key(data), clock=clock)
    issued = T0 - timedelta(days=1)
    shared = make_pass(issuer, subject=PEOPLE[1], pass_id=b"shared-pass-0001", at=issued)
    with log:
        for i in range(26):
            person = PEOPLE[i % 2]
            text = shared if i % 2 else make_pass(issuer, subject=person, at=issued - timedelta(days=9 if i % 6 == 4
                                                                                                   else 0))
            decision: Decision = verifier.verify(text, clock.now())
            personal = from_subject(decision.pass_.subject) if decision.pass_ else from_subject(person)
            ctx = CrossingContext(f"CB-0{i % 3}", "1", "in" if i % 4 else "out", clock.now(), False, manual=i == 3)
            log.record(decision, ctx, personal)
            clock.advance(timedelta(hours=1))
        log.acknowledge(10)
    return data


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def test_export_day_to_xlsx_without_key_then_verify(station: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ngay.xlsx"
    assert run("export", "--data-dir", station, "--day", DAY, "--out", out) == 0
    assert "24 crossings" in capsys.readouterr().out
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 25 and len(rows[0]) == 17  # the last: the disposition (lane dispositions)
    assert rows[1][1].strftime("%H:%M") == "00:30" and rows[24][1].strftime("%H:%M") == "23:30"
    assert "Nguyễn" not in out.read_bytes().decode("latin-1")
    assert run("export", "verify", out, "--data-dir", station) == 0
    assert "OK:" in capsys.readouterr().out
    data = bytearray(out.read_bytes())
    data[100] ^= 0xFF
    out.write_bytes(bytes(data))
    assert run("export", "verify", out, "--data-dir", station) == 1
    assert "SHA-256" in capsys.readouterr().out


def test_export_with_key_opens_personal_data_and_is_recorded(station: Path, tmp_path: Path,
                                                              supervisor: X25519PrivateKey,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor, PASSPHRASE.encode()))
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    out = tmp_path / "truy-vet.csv"
    assert run("export", "--data-dir", station, "--out", out, "--key", key_file, "--by", "GS-07",
               "--id-number", "079 190 000 123", "--at", "2021-07-26T00:00:00Z") == 0
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert len(table) == 14  # the 13 crossings of Trần Thị Bích Ngọc, header
    assert {r[12] for r in table[1:]} == {"Trần Thị Bích Ngọc"} and {r[13] for r in table[1:]} == {"079190000123"}
    assert {r[17] for r in table[1:]} == {"Đồng Nai"}
    with sqlite3.connect(station / "crossings.sqlite") as db:
        actions = db.execute("SELECT action, officer_id, details FROM actions ORDER BY seq").fetchall()
    assert [(a, o) for a, o, _ in actions] == [("export.personal", "GS-07"), ("export.personal.done", "GS-07")]
    assert "079190000123" not in actions[0][2] and "id_number_hashes" in actions[0][2]
    manifest = json.loads((tmp_path / "truy-vet.csv.manifest.json").read_text())
    assert manifest["personal_data"] == "full" and manifest["rows"] == 13 and manifest["created_by"] == "GS-07"
    assert "079190000123" not in json.dumps(manifest)


def test_wrong_passphrase_is_a_clear_error(station: Path, tmp_path: Path, supervisor: X25519PrivateKey,
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor, PASSPHRASE.encode()))
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    assert run("export", "--data-dir", station, "--out", tmp_path / "x.csv", "--key", key_file) == 2
    assert "wrong passphrase" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_filters_on_the_command_line(station: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    assert run("export", "--data-dir", station, "--out", out, "--verdict", "reject", "--officer", "CB-01",
               "--officer", "CB-02", "--language", "en") == 0
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert docs and all(d["verdict"] == "reject" and d["officer"] in ("CB-01", "CB-02") for d in docs)
    assert {d["reason"] for d in docs} == {"EXPIRED"}


def test_report_text_and_html(station: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "bao-cao.html"
    assert run("report", "--data-dir", station, "--day", DAY, "--html", html, "--language", "en") == 0
    text = capsys.readouterr().out
    assert "Crossings" in text and "      24" in text
    assert "Expired" in text and "Sent up to crossing: 10 / 26" in text
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 2
    assert "src=" not in page and "<link" not in page and "<script" not in page  # self-contained
    assert "Nguyễn" not in page and "001085012345" not in page


def test_report_defaults_to_today_in_vietnamese(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("report", "--data-dir", station, "--at", "2021-07-24T03:00:00Z") == 0
    out = capsys.readouterr().out
    assert "Báo cáo trạm kiểm soát" in out and "2021-07-24" in out and "Tổng số lượt" in out


def test_export_needs_out(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("export", "--data-dir", station) == 2
    assert "--out" in capsys.readouterr().err


def test_log_rows_read_exactly_what_the_log_holds(station: Path) -> None:
    """The export's fast reader and the log's own iterator agree on every field, in one snapshot."""
    from checkpoint.export._settings import load_timezone, period_from
    from checkpoint.export._source import LogRows, rows_of

    path = station / "crossings.sqlite"
    with CrossingLog.open_readonly(path, clock=FixedClock(T0)) as log:
        expected = list(rows_of(log.crossings()))
        p = period_from(day=DAY, start=None, end=None, tz=load_timezone("Asia/Ho_Chi_Minh"))
        expected_day = list(rows_of(log.crossings(since=p.since, until=p.until)))
    with LogRows(path) as rows:
        assert rows.count() == 26 and rows.station_id == "STATION-01"
        assert [r._replace(id_key=None) for r in rows] == expected  # Crossing values carry no id-index key
    with LogRows(path, since=p.since, until=p.until) as rows:
        assert rows.count() == 24 and [r._replace(id_key=None) for r in rows] == expected_day


def test_verify_against_a_given_station_key(station: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checkpoint.station_keys import load_or_create_station_key

    out = tmp_path / "x.csv"
    assert run("export", "--data-dir", station, "--out", out, "-q") == 0
    own = tmp_path / "station.pub.pem"
    own.write_bytes(keys.public_pem(load_or_create_station_key(station).public_key()))
    other = tmp_path / "other.pub.pem"
    other.write_bytes(keys.public_pem(ed25519().public_key()))
    assert run("export", "verify", out, "--station-key", own) == 0
    assert run("export", "verify", out, "--station-key", other) == 1
    assert "not by the station's key" in capsys.readouterr().out
    assert run("export", "verify", out, "--data-dir", tmp_path / "elsewhere") == 3  # unpinned: UNVERIFIED
    assert "UNVERIFIED" in capsys.readouterr().out


def test_missing_key_file_and_masked_without_key(station: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run("export", "--data-dir", station, "--out", tmp_path / "x.csv", "--key", tmp_path / "none.pem") == 2
    assert "supervisor key file does not exist" in capsys.readouterr().err
    assert run("export", "--data-dir", station, "--out", tmp_path / "x.csv", "--masked") == 2
    assert "--masked needs --key" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_real_log_round_trip_with_personal_data(station: Path, tmp_path: Path, supervisor: X25519PrivateKey,
                                                monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """Every format, read back by an independent reader, equals the log: fields, times and diacritics."""
    from checkpoint.export._source import LogRows
    from checkpoint.log import open_personal

    key_file = tmp_path / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor, PASSPHRASE.encode()))
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    out = tmp_path / f"all.{fmt}"
    assert run("export", "--data-dir", station, "--out", out, "--key", key_file, "--language", "en", "-q") == 0
    with CrossingLog.open_readonly(station / "crossings.sqlite", clock=FixedClock(T0)) as log:
        crossings = list(log.crossings())
    if fmt == "csv":
        with open(out, encoding="utf-8-sig", newline="") as f:
            table = list(csv.reader(f))[1:]
        got = [(int(r[0]), r[11], r[12], r[13], r[17], r[18]) for r in table]
    elif fmt == "xlsx":
        table = list(load_workbook(out).active.iter_rows(values_only=True))[1:]
        got = [(r[0], r[11], r[12], r[13], r[17], r[18]) for r in table]
    else:
        docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        got = [(d["seq"], d["crossing_id"], d["name"], d["id_number"], d["origin"], d["destination"]) for d in docs]
    want = []
    for c in crossings:
        p = open_personal(c, supervisor)
        assert p is not None
        want.append((c.seq, c.id, p.name, p.id_number, p.origin, p.destination))
    assert got == want and any("Bích Ngọc" in str(g) for g in got)
    assert run("export", "verify", out, "--data-dir", station) == 0
    with LogRows(station / "crossings.sqlite") as rows:
        assert rows.count() == len(got)


def test_id_number_from_standard_input_stays_out_of_the_command_line(station: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("079190000123\n"))
    out = tmp_path / "x.jsonl"
    assert run("export", "--data-dir", station, "--out", out, "--id-number", "-", "-q") == 0
    assert len(out.read_text().splitlines()) == 13
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert run("export", "--data-dir", station, "--out", tmp_path / "y.jsonl", "--id-number", "-") == 2


def test_verify_on_the_station_checks_the_chain_position(station: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ngay.csv"
    assert run("export", "--data-dir", station, "--day", DAY, "--out", out, "-q") == 0
    covered = json.loads((tmp_path / "ngay.csv.manifest.json").read_text())["covers_upto_seq"]
    assert covered == 24
    assert run("export", "verify", out, "--data-dir", station) == 0
    with sqlite3.connect(station / "crossings.sqlite") as db:  # behind the station's back
        db.execute("UPDATE crossings SET hash = zeroblob(32) WHERE seq = 24")
    capsys.readouterr()
    assert run("export", "verify", out, "--data-dir", station) == 1
    assert "crossing 24 in this station's log has another hash" in capsys.readouterr().out


def test_dispositions_in_the_report_and_the_exports(station: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Lane dispositions: the latest disposition of each crossing (a correction supersedes) is a column of every
    export and is counted by the report."""
    clock = FixedClock(T0)
    log = CrossingLog.open(station / "crossings.sqlite", station_id="STATION-01", seal_to=None,
                           hmac_key=load_or_create_hmac_key(station), clock=clock)
    with log:
        log.record_disposition(2, "turned_back", "CB-01")
        log.record_disposition(2, "suspected_illegal_entry", "CB-01")  # the correction counts, not the first
        log.record_disposition(5, "sent_for_testing", "CB-02")
    out = tmp_path / "x.jsonl"
    assert run("export", "--data-dir", station, "--day", DAY, "--out", out) == 0
    docs = {d["seq"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert docs[2]["disposition"] == "suspected_illegal_entry" and docs[5]["disposition"] == "sent_for_testing"
    assert sum(d["disposition"] is not None for d in docs.values()) == 2
    sheet = tmp_path / "x.csv"
    assert run("export", "--data-dir", station, "--day", DAY, "--out", sheet, "--language", "vi") == 0
    with open(sheet, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][-1] == "Xử lý" and {r[0]: r[-1] for r in table[1:]}["2"] == "Nghi nhập cảnh trái phép"
    capsys.readouterr()
    assert run("report", "--data-dir", station, "--day", DAY, "--language", "en") == 0
    text = capsys.readouterr().out
    assert "Dispositions after the verdict" in text
    assert "Suspected illegal entry" in text and "Sent for testing" in text and "Turned back" not in text
