"""The display boundary (checkpoint/display.py) and the places that print outside text: ``verify`` and
``scan`` output, errors, logs, the HTML and text report, the exports, a hostile server's messages.

Real signed passes, real QR images through the real decoders, a real log, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from checkpoint import display
from checkpoint.cli import main
from checkpoint.decision import Display, Flag
from checkpoint.display import has_hidden, shown
from checkpoint.model import Subject
from checkpoint.trust import keys
from checkpoint.trust_files import load_key_folder
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, make_pass

PERSON = Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh",
                 "đi làm")
AT = (T0 + timedelta(hours=1)).isoformat().replace("+00:00", "Z")  # inside make_pass's 3-day validity
LATE = (T0 + timedelta(days=5)).isoformat().replace("+00:00", "Z")  # after it: EXPIRED
PIECES = (
    "\x1b[32mACCEPT\x1b[0m", "\x1b[2J\x1b[H", "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\", "\x9b31m", "\x1bP", "\r",
    "\n", "\t", "\x00", "\x07", "\x7f", "\x85", "[/]", "[link=https://x]", "[@click=app.quit]", "<script>", "&amp;",
    "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028", "\u00ad", "\U000e0041", "Nguyễn",
    unicodedata.normalize("NFD", "Trần Thị Ỷ"), "=1+1", "@SUM(A1)",
)
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=5).map(
    "".join).filter(lambda s: s.strip() != "")
#: every character the boundary must never let through raw (line feeds separate output lines)
BAD = {chr(c) for c in range(0x20) if c != 0x0A} | {chr(c) for c in range(0x7F, 0xA0)} | set(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
    "\u2028\u2029\u00ad")
BOUNDED = settings(max_examples=30, derandomize=True, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def raw(text: str) -> set[str]:
    return {c for c in text if c in BAD or (c != "\n" and has_hidden(c))}


# -- the sanitiser itself ------------------------------------------------------------------------------


def test_controls_bidi_and_zero_width_become_visible_escapes() -> None:
    assert shown("A\x1b[31mB") == "A\\x1b[31mB"
    assert shown("\x9b2J\x7f\x00") == "\\x9b2J\\x7f\\x00"
    assert shown("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert shown("a\nb", keep_newlines=True) == "a\nb"
    assert shown("abc\u202edef\u2066\u200b\ufeff") == "abc\\u202edef\\u2066\\u200b\\ufeff"
    assert shown("x\U000e0041") == "x\\U000e0041"
    assert shown("[@click=app.quit]") == "[@click=app.quit]"  # markup is the renderer's business: Text
    assert shown(None) == "" and shown(42) == "42"


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_with_every_diacritic_is_unchanged(form: str) -> None:
    text = unicodedata.normalize(form, "Đặng Thị Ỷ Nguyễn Văn Ước Hoàng Lưu Trương Ngô Bùi Huỳnh Phạm Quỳnh Tạ"
                                       " ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ ÈÉẺẼẸ ÊỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ ÙÚỦŨỤ"
                                       " ƯỪỨỬỮỰ ỲÝỶỸỴ đ")
    assert not has_hidden(text)
    assert shown(text) == text and display.html_text(text) == text and display.cell(text) == text


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(st.characters(codec=None)))
def test_shown_leaves_no_hidden_character_and_changes_only_hidden_ones(text: str) -> None:
    out = shown(text)
    assert not has_hidden(out)
    assert (out == text) is (not has_hidden(text))
    assert json.loads(display.json_text(text)) == text and not has_hidden(display.json_text(text))


def test_html_text_sanitises_then_escapes() -> None:
    assert display.html_text('<b a="x">\x1b[1m&') == "&lt;b a=&quot;x&quot;&gt;\\x1b[1m&amp;"


def test_log_lines_carry_no_raw_control_characters() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.display")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        display.install_safe_logging(logger)
        logger.warning("sync: %s", "refused\x1b[2J\nWARNING forged line")
        try:
            raise ValueError("bad\x1b[31m reply")
        except ValueError:
            logger.exception("round failed")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "WARNING sync: refused\\x1b[2J\\nWARNING forged line"  # one line, nothing forged
    assert lines[1] == "ERROR round failed" and lines[2].startswith("Traceback")
    assert lines[-1] == "ValueError: bad\\x1b[31m reply" and "\x1b" not in stream.getvalue()


# -- the verifier's hidden-characters flag -------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Iterator[tuple[keys.PrivateKey, Path]]:
    key = ed25519()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "trust"
        folder.mkdir()
        (folder / "issuer.pub.pem").write_bytes(keys.public_pem(key.public_key()))
        yield key, folder


@pytest.mark.parametrize("field,value", [("name", "Nguyễn\u200bVăn An"), ("name", "An\u202euyễN"),
                                         ("vehicle", "29A\x1b[8m-123"), ("origin", "Hà\u2066Nội"),
                                         ("purpose", "đi\x85làm")])
def test_a_pass_with_hidden_characters_is_shown_as_check(issuer: tuple[keys.PrivateKey, Path], field: str,
                                                         value: str) -> None:
    key, folder = issuer
    verifier = Verifier(load_key_folder(folder))
    d = verifier.verify(make_pass(key, subject=replace(PERSON, **{field: value})), T0 + timedelta(hours=1))
    assert d.accepted and Flag.HIDDEN_CHARS in d.flags and d.display is Display.CHECK
    clean = verifier.verify(make_pass(key, subject=PERSON), T0 + timedelta(hours=1))
    assert clean.display is Display.ACCEPT and not clean.flags


# -- checkpoint verify -----------------------------------------------------------------------------


@BOUNDED
@given(name=hostile, vehicle=hostile)
def test_verify_text_and_json_never_print_raw_controls(issuer: tuple[keys.PrivateKey, Path], name: str,
                                                       vehicle: str, capsys: pytest.CaptureFixture[str]) -> None:
    key, folder = issuer
    text = make_pass(key, subject=replace(PERSON, name=name, vehicle=vehicle))
    assert main(["verify", "--trust", str(folder), "--at", LATE, text]) == 1
    out = capsys.readouterr().out
    assert raw(out) == set()
    assert out.splitlines()[0].startswith("REJECT  EXPIRED")
    assert f"  Name:        {shown(name)}\n" in out
    assert main(["verify", "--trust", str(folder), "--at", AT, text]) == 0
    out = capsys.readouterr().out
    assert raw(out) == set()
    assert out.splitlines()[0].startswith("CHECK" if has_hidden(name + vehicle) else "ACCEPT")
    assert main(["verify", "--trust", str(folder), "--at", AT, "--json", text]) == 0
    out = capsys.readouterr().out
    assert raw(out) == set()
    doc = json.loads(out)
    assert doc["name"] == name and doc["vehicle"] == vehicle  # JSON keeps the exact values


def test_verify_in_a_real_process_writes_no_escape_byte(issuer: tuple[keys.PrivateKey, Path]) -> None:
    key, folder = issuer
    text = make_pass(key, subject=replace(PERSON, name="Bob\x1b[2J\x1b[32mACCEPT\x9b0m\u202e"))
    proc = subprocess.run([sys.executable, "-m", "checkpoint", "verify", "--trust", str(folder), "--at", LATE, text],
                          capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout and b"\xc2\x9b" not in proc.stdout and "\u202e".encode() not in proc.stdout
    assert proc.stdout.startswith(b"REJECT  EXPIRED") and b"Bob\\x1b[2J\\x1b[32mACCEPT\\x9b0m\\u202e" in proc.stdout


def test_an_error_message_quoting_outside_text_is_escaped(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    assert main(["verify", "--trust", str(tmp_path / "no\x1b[2Jkeys"), "CP1:x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("checkpoint: ") and raw(err) == set() and "no\\x1b[2Jkeys" in err


# -- checkpoint scan ---------------------------------------------------------------------------------


def _qr_image(path: Path, text: str) -> None:
    import cv2

    from scanner.synthetic import Distortion, make_frame

    cv2.imwrite(str(path), make_frame(text, 1, size=(800, 600), d=Distortion(module_px=4.0, noise=2.0)))


def test_scan_decode_only_shows_any_qr_text_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    said = "hello\x1b[2J\x1b[31mworld\x07"
    _qr_image(tmp_path / "evil.png", said)
    assert main(["scan", "--source", str(tmp_path / "evil.png"), "--decode-only"]) == 0
    out = capsys.readouterr().out
    assert raw(out) == set()
    assert out.strip() == "evil.png: hello\\x1b[2J\\x1b[31mworld\\x07"
    assert main(["scan", "--source", str(tmp_path / "evil.png"), "--decode-only", "--json"]) == 0
    out = capsys.readouterr().out
    assert raw(out) == set() and json.loads(out)["text"] == said


def test_scan_text_output_of_a_hostile_pass(issuer: tuple[keys.PrivateKey, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    key, folder = issuer
    name = "\x1b[2J\x1b[32mACCEPT\x1b[0m [@click=app.quit] \u202eAn"
    _qr_image(tmp_path / "pass.png", make_pass(key, subject=replace(PERSON, name=name)))
    base = ["scan", "--source", str(tmp_path / "pass.png"), "--trust", str(folder), "--at", LATE]
    assert main([*base, "--show-personal"]) == 0
    out = capsys.readouterr().out
    assert raw(out) == set()
    assert out.startswith("pass.png: REJECT  EXPIRED") and shown(name) in out
    assert main(base) == 0  # masked (initials): still through the boundary
    out = capsys.readouterr().out
    assert raw(out) == set() and out.startswith("pass.png: REJECT  EXPIRED") and "ACCEPT" not in out


# -- the log's outputs: report (text and HTML) and exports ---------------------------------------------


@dataclass
class Station:
    data: Path
    key_file: Path
    names: list[str]
    officer: str


def _record(data: Path, names: list[str], officer: str) -> Station:
    from checkpoint import sealing
    from checkpoint.clock import FixedClock
    from checkpoint.log import CrossingContext, CrossingLog
    from checkpoint.log._personal import from_subject
    from checkpoint.station_keys import load_or_create_hmac_key

    key = ed25519()
    supervisor = sealing.generate()
    verifier = Verifier(load_key_folder(_key_folder(data, key)))
    clock = FixedClock(T0 + timedelta(hours=1))
    log = CrossingLog.open(data / "crossings.sqlite", station_id="STATION-01", seal_to=supervisor.public_key(),
                           hmac_key=load_or_create_hmac_key(data), clock=clock)
    with log:
        for i, name in enumerate(names):
            subject = replace(PERSON, name=name, vehicle=name[:20], origin=name, purpose=name)
            decision = verifier.verify(make_pass(key, subject=subject), clock.now())
            assert decision.pass_ is not None
            ctx = CrossingContext(officer, "1", "in", clock.now(), False, manual=i % 3 == 2)
            log.record(decision, ctx, from_subject(decision.pass_.subject))
            clock.advance(timedelta(minutes=7))
    key_file = data / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor))
    return Station(data, key_file, names, officer)


def _key_folder(data: Path, key: keys.PrivateKey) -> Path:
    folder = data / "issuers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "issuer.pub.pem").write_bytes(keys.public_pem(key.public_key()))
    return folder


def _exports_and_report(tmp: Path, names: list[str], officer: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp / "data"
    data.mkdir()
    s = _record(data, names, officer)
    day = "2021-07-24"
    at = "2021-07-24T12:00:00Z"
    for fmt in ("csv", "xlsx", "jsonl"):
        out = tmp / f"export.{fmt}"
        assert main(["export", "--data-dir", str(data), "--day", day, "--out", str(out), "--key", str(s.key_file),
                     "--by", "GS-1", "--at", at]) == 0
        said = capsys.readouterr()
        assert raw(said.out + said.err) == set()
        if fmt == "csv":
            body = out.read_bytes().decode("utf-8-sig")
            assert raw(body.replace("\r\n", "\n")) == set()
            rows = list(csv.reader(io.StringIO(body, newline="")))
            shown_names = [r[12] for r in rows[1:]]
        elif fmt == "xlsx":
            ws = load_workbook(out).active
            cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
            assert all(raw(c) == set() for c in cells)
            shown_names = [str(r[12]) for r in list(ws.iter_rows(values_only=True))[1:]]
        else:
            body = out.read_text(encoding="utf-8")
            assert raw(body) == set()
            docs = [json.loads(line) for line in body.splitlines()]
            assert [d["name"] for d in docs] == names  # JSON Lines: exact values, hidden ones as \u escapes
            assert {d["officer"] for d in docs} == {officer}
            continue
        # CSV and XLSX: each name as the display boundary shows it (a formula-looking one defused)
        assert [n.removeprefix("'") for n in shown_names] == [shown(n) for n in names]
    html = tmp / "report.html"
    assert main(["report", "--data-dir", str(data), "--day", day, "--html", str(html), "--at", at]) == 0
    said = capsys.readouterr()
    assert raw(said.out + said.err) == set()
    page = html.read_text(encoding="utf-8")
    assert raw(page.replace("\n", "")) == set()
    assert display.html_text(officer) in page and "<script>" not in page.split("<style>")[0] + page.split(
        "</style>")[1]


#: the log refuses an officer id with a control character; what printable text can do, it may
OFFICERS = ('CB<script>alert(1)</script>', "[@click=app.quit]CB", 'CB-01 & "x" \'y\'', "Nguyễn\u00a0Bình")


@settings(max_examples=6, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(names=st.lists(hostile, min_size=3, max_size=3), officer=st.sampled_from(OFFICERS))
def test_exports_and_report_carry_no_raw_control_characters(names: list[str], officer: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _exports_and_report(Path(tmp), names, officer, capsys)


def test_exports_and_report_with_the_reported_attacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["An\x1b[2J\x1b[32mACCEPT", "Bình\x9b31m\u202eđảo", "[@click=app.quit]<script>x</script>",
             unicodedata.normalize("NFD", "Nguyễn Thị Ỷ")]
    _exports_and_report(tmp_path, names, OFFICERS[0], capsys)


# -- a hostile server ------------------------------------------------------------------------------

EVIL = "\x1b[2J\x1b[31mSTATION COMPROMISED\x1b]0;pwn\x07\x9b1m\u202e"


class _Hostile(BaseHTTPRequestHandler):
    def _reply(self) -> None:
        body = json.dumps({"error": "refused\x1b[5m", "message": EVIL}).encode()
        # a 503 is read unsigned (it only delays the next try): its message must still reach the screen escaped
        self.send_response(503 if self.path.startswith("/v1/time") else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _reply

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def evil_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_servers_error_message_is_shown_escaped(evil_server: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from sync.settings import Enrolment, save_enrolment

    cfg = tmp_path / "station.toml"
    cfg.write_text('[station]\nid = "HN-EVIL-1"\n[sync]\ntimeout_seconds = 5\n')
    data = tmp_path / "data"
    args = ["--config", str(cfg), "--data-dir", str(data)]
    assert main(["enroll", *args, "--server", evil_server, "--token", "t0ken"]) == 2
    err = capsys.readouterr().err
    assert raw(err) == set() and "STATION COMPROMISED" in err and "\\x1b[2J" in err
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pinned = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    save_enrolment(data, Enrolment(evil_server, "HN-EVIL-1", "2021-07-24T00:00:00Z",
                                   base64.b64encode(pinned).decode()))
    assert main(["sync", *args, "--retries", "0", "--quiet"]) == 1
    said = capsys.readouterr()
    assert raw(said.out + said.err) == set() and "STATION COMPROMISED" in said.err and "\\x1b[2J" in said.err


def test_the_sync_clients_exception_carries_no_raw_control(evil_server: str, tmp_path: Path) -> None:
    """The message travels further than the CLI (the app's log, the sync worker's status)."""
    from checkpoint.config import parse_config
    from sync.errors import SyncError
    from sync.wiring import client_for

    config = parse_config({"station": {"id": "HN-EVIL-1"}, "sync": {"timeout_seconds": 5}})
    client = client_for(config, tmp_path, "HN-EVIL-1", evil_server)
    try:
        with pytest.raises(SyncError) as caught:
            client.server_time()
    finally:
        client.close()
    assert raw(str(caught.value)) == set() and "STATION COMPROMISED" in str(caught.value)


def test_doctor_values_cannot_forge_report_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A value holding a line feed (a USB descriptor, a camera name, a path) is one escaped value, not a new
    line of the report that could read 'server: ... reachable'."""
    forged = tmp_path / "cam\n  server: https://fake reachable\x1b[32m.png"
    config = tmp_path / "station.toml"
    config.write_text(f'[scanner]\nsource = {json.dumps(str(forged))}\n')
    main(["doctor", "--config", str(config), "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert raw(out) == set()
    assert not any(line.startswith("  server: https:/") for line in out.splitlines())
    assert "\\n  server: https:" in out  # escaped inside the one value


def test_station_ids_end_where_they_end() -> None:
    from sync.protocol import STATION_ID_RE

    assert STATION_ID_RE.match("HN-01") and not STATION_ID_RE.match("HN-01\n")
