"""Export to each format, read it back with an independent reader, compare with the crossings."""

from __future__ import annotations

import csv
import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openpyxl import load_workbook

from checkpoint import sealing
from checkpoint.clock import FixedClock, parse_instant
from checkpoint.crossing import Crossing
from checkpoint.export import (
    CrossingFilter,
    ExportCancelled,
    ExportError,
    ExportRequest,
    ExportResult,
    Format,
    export,
    verify,
)
from checkpoint.export._columns import CATEGORY_NAMES, DIRECTION_NAMES, RESULTS, reason_text
from checkpoint.export._masking import mask_id_number, mask_name
from checkpoint.export._source import rows_of
from checkpoint.export.manifest import Status, manifest_path, render
from tests.export.crossing_rows import PEOPLE, T0, crossings

VN = timezone(timedelta(hours=7))
SUPERVISOR = sealing.generate()
STATION = Ed25519PrivateKey.generate()
CLOCK = FixedClock(T0 + timedelta(days=1))
N = 60
Audited = list[tuple[str, dict[str, str]]]


def rows() -> list[Crossing]:
    return list(crossings(N, seal_to=SUPERVISOR.public_key()))


def run(out: Path, fmt: Format, *, key: sealing.X25519PrivateKey | None = None, masked: bool = False,
        filters: CrossingFilter | None = None, language: str = "vi", audit: Audited | None = None,
        source: list[Crossing] | None = None) -> ExportResult:
    req = ExportRequest(out, fmt, VN, "UTC+07:00", filters or CrossingFilter(), language, masked)
    log = audit if audit is not None else []
    return export(rows_of(source if source is not None else rows()), req, station_id="HN-QL1A-01", station_key=STATION,
                  clock=CLOCK, supervisor_key=key, exported_by="GS-01",
                  audit=lambda action, details: log.append((action, details)))


def expected_human(c: Crossing, language: str, personal: bool) -> tuple[list[str], list[str]]:
    at = parse_instant(c.recorded_at).astimezone(VN)
    base = [str(c.seq), at.strftime("%Y-%m-%d %H:%M:%S"), c.station_id, c.lane,
            DIRECTION_NAMES[language][c.direction], c.officer_id or "", RESULTS[language][c.display],
            reason_text(c.reason, c.rule, language) or "",
            CATEGORY_NAMES[language].get(c.category or "", c.category or ""), c.format or ""]
    p = PEOPLE[c.seq % len(PEOPLE)]
    tail = [c.id] + ([v or "" for v in (p.name, p.id_number, p.birth_date, p.phone, p.vehicle, p.origin,
                                        p.destination, p.purpose, p.document_id, p.address, p.places_visited,
                                        p.case_contact, p.symptoms)] if personal else [])
    return base, tail


@pytest.mark.parametrize("language", ["vi", "en"])
def test_csv_round_trip_with_full_personal_data(tmp_path: Path, language: str) -> None:
    out = tmp_path / "log.csv"
    audit: list[tuple[str, dict[str, str]]] = []
    run(out, Format.CSV, key=SUPERVISOR, language=language, audit=audit)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the diacritics
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][0] == ("Số thứ tự" if language == "vi" else "Seq")
    assert table[0][1].endswith("(UTC+07:00)")
    assert len(table) == N + 1
    for c, line in zip(rows(), table[1:], strict=True):
        base, tail = expected_human(c, language, personal=True)
        assert line[:10] == base and line[11:-5] == tail and line[-5:] == [""] * 5  # on foot, no policy, no disposition
    assert "Nguyễn Văn An" in raw.decode("utf-8-sig") and "Trần Thị Bích Ngọc" in raw.decode("utf-8-sig")
    assert [a for a, _ in audit] == ["export.personal", "export.personal.done"]
    assert audit[0][1]["format"] == "csv" and audit[0][1]["filters"] == '{"since": null, "until": null}'
    assert audit[1][1]["rows"] == str(N) and len(audit[1][1]["sha256"]) == 64
    assert verify(out, trusted=STATION.public_key()).ok


def test_xlsx_round_trip_typed_dates_and_frozen_header(tmp_path: Path) -> None:
    out = tmp_path / "log.xlsx"
    run(out, Format.XLSX, key=SUPERVISOR)
    wb = load_workbook(out, read_only=False)
    ws = wb.active
    assert ws.title == "Lượt qua" and ws.freeze_panes == "A2"
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:2] == ("Số thứ tự", "Thời gian (UTC+07:00)")
    assert len(values) == N + 1
    for c, line in zip(rows(), values[1:], strict=True):
        assert line[0] == c.seq
        assert line[1] == parse_instant(c.recorded_at).astimezone(VN).replace(tzinfo=None)
        assert ws.cell(row=c.seq + 1, column=2).is_date
        p = PEOPLE[c.seq % len(PEOPLE)]
        assert line[11:] == (c.id, p.name, p.id_number, p.birth_date, p.phone, p.vehicle, p.origin, p.destination,
                             p.purpose, p.document_id, p.address, p.places_visited, p.case_contact, p.symptoms,
                             None, None, None, None, None)  # vehicle id and role, level and rule, disposition
        assert line[6] == RESULTS["vi"][c.display]
    assert verify(out, trusted=STATION.public_key()).ok


def test_jsonl_round_trip_machine_codes(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    run(out, Format.JSONL, key=SUPERVISOR)
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == N
    for c, d in zip(rows(), docs, strict=True):
        p = PEOPLE[c.seq % len(PEOPLE)]
        assert (d["seq"], d["verdict"], d["reason"], d["result"], d["crossing_id"], d["hash"]) == (
            c.seq, c.verdict, c.reason, c.display, c.id, c.hash)
        assert parse_instant(d["time"]) == parse_instant(c.recorded_at) and d["time"].endswith("+07:00")
        assert (d["name"], d["id_number"], d["origin"]) == (p.name, p.id_number, p.origin)
        assert ("duplicate" in d["flags"]) == ("duplicate" in c.flags)
    assert "Hà Nội" in out.read_text(encoding="utf-8")  # not \u-escaped
    assert verify(out, trusted=STATION.public_key()).ok


def test_without_the_key_personal_columns_are_left_out_and_nothing_is_audited(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    audit: list[tuple[str, dict[str, str]]] = []
    result = run(out, Format.CSV, audit=audit)
    text = out.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert len(header) == 17 and "Họ và tên" not in header
    assert header[-5:] == ["Mã xe", "Vai trò trên xe", "Mức nguy cơ nơi đi", "Quy định áp dụng", "Xử lý"]
    for p in PEOPLE:
        assert p.name not in text and (p.id_number or "") not in text
    assert audit == []
    assert json.loads(manifest_path(out).read_text())["personal_data"] == "sealed"
    assert result.rows == N


def test_masked_export_has_initials_and_last_four_digits_only(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    audit: list[tuple[str, dict[str, str]]] = []
    run(out, Format.CSV, key=SUPERVISOR, masked=True, audit=audit)
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][12:] == ["Họ và tên", "Số CCCD/CMND", "Mã xe", "Vai trò trên xe", "Mức nguy cơ nơi đi",
                             "Quy định áp dụng", "Xử lý"]
    for c, line in zip(rows(), table[1:], strict=True):
        p = PEOPLE[c.seq % len(PEOPLE)]
        assert line[12:14] == [mask_name(p.name), mask_id_number(p.id_number)] and line[18] == ""
    text = out.read_text(encoding="utf-8-sig")
    assert "Nguyễn" not in text and "0912345678" not in text and "Hà Nội" not in text
    assert audit[0][1]["personal"] == "masked"


def test_filters_apply_while_streaming_and_are_in_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "rejects.jsonl"
    f = CrossingFilter(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=40),
                     verdicts=frozenset({"reject"}))
    run(out, Format.JSONL, filters=f)
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    want = [c.seq for c in rows() if c.verdict == "reject" and 10 <= c.seq < 40]
    assert [d["seq"] for d in docs] == want and want
    m = json.loads(manifest_path(out).read_text())
    assert m["filters"] == {"since": "2021-07-24T00:10:00Z", "until": "2021-07-24T00:40:00Z", "verdicts": ["reject"]}
    assert m["rows"] == len(want) and m["covers_upto_seq"] == 39
    assert m["first_time"] == f"2021-07-24T00:{want[0]:02d}:00Z"


def test_manifest_fails_after_one_byte_of_the_export_changes(tmp_path: Path) -> None:
    for fmt in Format:
        out = tmp_path / f"log.{fmt.value}"
        run(out, fmt)
        assert verify(out, trusted=STATION.public_key()).ok
        data = bytearray(out.read_bytes())
        data[len(data) // 2] ^= 0x01
        out.write_bytes(bytes(data))
        report = verify(out, trusted=STATION.public_key())
        assert not report.ok and any("SHA-256" in p for p in report.problems)


def test_manifest_edits_and_foreign_signers_are_caught(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    run(out, Format.CSV)
    mp = manifest_path(out)
    doc = json.loads(mp.read_text())
    doc["rows"] = 1
    mp.write_text(json.dumps(doc))
    assert not verify(out).ok
    # A forger re-signs with their own key: the signature holds, but it is not the station's key.
    from checkpoint.export.manifest import sign

    forged = sign({k: v for k, v in doc.items() if k not in ("signature", "signer", "signer_fingerprint", "type")},
                  Ed25519PrivateKey.generate())
    mp.write_bytes(render(forged))
    report = verify(out, trusted=STATION.public_key())
    assert report.status is Status.FAILED and "re-signed by someone else" in report.problems[0]
    unpinned = verify(out)
    assert unpinned.status is Status.UNVERIFIED and not unpinned.ok and not unpinned.problems


def test_wrong_supervisor_key_stops_before_any_file(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    with pytest.raises(ExportError, match="does not open"):
        run(out, Format.CSV, key=sealing.generate())
    assert list(tmp_path.iterdir()) == []


def test_an_altered_sealed_row_is_counted_not_fatal(tmp_path: Path) -> None:
    from dataclasses import replace

    src = rows()
    bad = src[5].sealed
    assert bad is not None
    src[5] = replace(src[5], sealed=bad[:-1] + bytes([bad[-1] ^ 1]))
    result = run(tmp_path / "log.jsonl", Format.JSONL, key=SUPERVISOR, source=src)
    assert result.unopened == 1
    assert json.loads(manifest_path(tmp_path / "log.jsonl").read_text())["personal_unopened"] == 1


def test_existing_file_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    out.write_text("keep me")
    with pytest.raises(ExportError, match="already exists"):
        run(out, Format.CSV)
    assert out.read_text() == "keep me"


def test_cancelling_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "big.xlsx"

    def cancel(done: int, total: int | None) -> None:
        raise ExportCancelled("cancelled by the supervisor")

    req = ExportRequest(out, Format.XLSX, VN, "UTC+07:00")
    with pytest.raises(ExportCancelled):
        export(rows_of(crossings(5000)), req, station_id="S", station_key=STATION, clock=CLOCK, progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    req = ExportRequest(tmp_path / "x.csv", Format.CSV, VN, "UTC+07:00")
    export(rows_of(crossings(4500)), req, station_id="S", station_key=STATION, clock=CLOCK, total=4500,
           progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2000, 4500), (4000, 4500), (4500, 4500)]


def test_missing_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"the folder .* does not exist; create it"):
        run(tmp_path / "nope" / "log.csv", Format.CSV)
