"""``checkpoint scan`` and ``checkpoint doctor`` end to end: real images, real decoders, real verifier."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from checkpoint.cli import main
from scanner.synthetic import Distortion, fake_pass_text, make_frame, qr_modules

CP1 = Path(__file__).resolve().parents[1] / "data" / "cp1"


def _write_code(path: Path, text: str, seed: int) -> None:
    cv2.imwrite(str(path), make_frame(text, seed, size=(800, 600), d=Distortion(module_px=3.0, noise=4.0)))


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_decode_only_prints_every_image_including_those_without_a_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = fake_pass_text(200, 1), fake_pass_text(300, 2)
    _write_code(tmp_path / "01.png", a, 1)
    cv2.imwrite(str(tmp_path / "02.png"), make_frame(None, 2, size=(640, 480)))
    _write_code(tmp_path / "03.jpg", b, 3)
    assert main(["scan", "--source", str(tmp_path), "--decode-only", "--json"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [(Path(str(x["source"])).name, x["text"]) for x in lines] == [("01.png", a), ("02.png", None),
                                                                       ("03.jpg", b)]
    assert all(float(str(x["decode_ms"])) >= 0 and float(str(x["total_ms"])) >= 0 for x in lines)


def test_scan_verifies_each_pass_in_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {}
    for name in ("valid_ed25519", "tampered_name", "bad_signature", "unknown_key"):
        case = json.loads((CP1 / "cases" / f"{name}.json").read_text())
        cases[name] = case
        _write_code(tmp_path / f"{name}.png", case["payload"], len(cases))
    at = cases["valid_ed25519"]["validation_time"]
    assert main(["scan", "--source", str(tmp_path), "--trust", str(CP1 / "trust"), "--at", at, "--json",
                 "--data-dir", str(tmp_path / "data")]) == 0
    lines = {Path(str(x["source"])).stem: x for x in _lines(capsys.readouterr().out)}
    assert lines["valid_ed25519"]["verdict"] == "accept" and lines["valid_ed25519"]["reason"] is None
    assert lines["bad_signature"]["reason"] == "BAD_SIGNATURE"
    assert lines["unknown_key"]["reason"] == "UNKNOWN_KEY"
    assert lines["tampered_name"]["verdict"] == "reject"
    assert all({"decode_ms", "total_ms", "verdict", "reason"} <= set(x) for x in lines.values())


def test_a_pass_held_in_front_of_a_video_gives_one_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "held.avi"
    text = fake_pass_text(150, 7)
    other = fake_pass_text(150, 8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (640, 480))
    for i in range(24):
        shown = text if i < 12 else other
        img = make_frame(shown, 100 + i, size=(640, 480), d=Distortion(module_px=4.0, noise=3.0))
        writer.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    writer.release()
    assert main(["scan", "--source", str(path), "--decode-only", "--json", "--debounce", "60"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [x["text"] for x in lines] == [text, other]
    assert lines[0]["source"] == 0 and lines[1]["source"] == 12  # the frame index, for video


def test_scan_names_a_source_it_cannot_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--source", str(tmp_path / "nothing"), "--decode-only"]) == 2
    assert "no such file, folder or camera" in capsys.readouterr().err


def test_plain_text_output_for_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_code(tmp_path / "pass.png", "CP1:HELLO", 1)
    assert main(["scan", "--source", str(tmp_path / "pass.png"), "--decode-only"]) == 0
    assert capsys.readouterr().out.strip() == "pass.png: CP1:HELLO"


def test_doctor_lists_decoders_with_versions_and_self_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_code(tmp_path / "camera.png", "CP1:HELLO", 1)
    config = tmp_path / "station.toml"
    config.write_text(f'[scanner]\nsource = "{tmp_path / "camera.png"}"\n')
    assert main(["doctor", "--json", "--config", str(config), "--data-dir", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    zxing = next(d for d in report["decoders"] if d["name"] == "zxing")
    assert zxing["available"] and zxing["version"] and zxing["self_test"] == "reads"
    zbar = next(d for d in report["decoders"] if d["name"] == "zbar")
    assert zbar["available"] or "libzbar0" in zbar["problem"]
    assert isinstance(report["cameras"], list)
    assert report["station"]["clock"]["suspect"] is False
    assert report["settings"]["camera"] == {"source": str(tmp_path / "camera.png"), "state": "ok",
                                            "frame": "800x600"}
    assert report["problems"] == []
    assert any("seal_to is not set" in w for w in report["warnings"])


@pytest.mark.parametrize(("toml", "expected"), [
    (None, "the config file does not exist"),
    ('[ui]\nlanes = ["a-lane-name-far-too-long"]\n[scanner]\nsource = ""\n', "[ui]"),
    ('[export]\ntimezone = "Mars/Olympus"\n[scanner]\nsource = ""\n', "unknown time zone"),
    ('[scanner]\nsource = "/dev/video97"\n', "[scanner] source '/dev/video97'"),
    ('[log]\nseal_to = "missing.pub.pem"\n[scanner]\nsource = ""\n', "seal_to"),
])
def test_doctor_says_not_ready_and_why(tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str | None,
                                       expected: str) -> None:
    config = tmp_path / "station.toml"
    if toml is not None:
        config.write_text(toml)
    assert main(["doctor", "--config", str(config), "--data-dir", str(tmp_path / "data")]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM: ")]
    assert any(expected in line for line in problems), out
    assert out.rstrip().endswith("problem(s) above)")


def test_qr_modules_helper_is_square() -> None:
    m = qr_modules("CP1:X")
    assert m.shape[0] == m.shape[1]


def test_record_writes_each_verdict_to_the_crossing_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images, data = tmp_path / "images", tmp_path / "data"
    images.mkdir()
    for i, name in enumerate(("valid_ed25519", "bad_signature")):
        case = json.loads((CP1 / "cases" / f"{name}.json").read_text())
        _write_code(images / f"{name}.png", case["payload"], i)
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "TEST-01"\n\n[trust]\nkey_folder = "{CP1 / "trust"}"\n'
                      '[scanner]\nsource = ""\n')
    assert main(["scan", "--source", str(images), "--record", "--json", "--config", str(config),
                 "--data-dir", str(data)]) == 0
    lines = _lines(capsys.readouterr().out)
    assert len(lines) == 2 and all(x["crossing_id"] for x in lines)
    # the 2021 test passes are expired at today's date: rejections are recorded too
    assert [x["verdict"] for x in lines] == ["reject", "reject"]
    assert main(["log", "status", "--json", "--config", str(config), "--data-dir", str(data)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["crossings"] == 2 and status["station_id"] == "TEST-01"
    assert main(["doctor", "--json", "--config", str(config), "--data-dir", str(data)]) == 0
    log = json.loads(capsys.readouterr().out)["station"]["log"]
    assert (log["state"], log["crossings"], log["unsynced"]) == ("readable", 2, 2)


def test_record_refuses_a_trust_folder_or_a_fixed_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--source", str(tmp_path), "--record", "--trust", str(CP1 / "trust")]) == 2
    assert "--record uses the station's own trust lists and clock" in capsys.readouterr().err


def test_doctor_reports_the_crossing_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[scanner]\nsource = ""\n')  # handheld scanner only
    assert main(["doctor", "--json", "--config", str(config), "--data-dir", str(tmp_path)]) == 0
    station = json.loads(capsys.readouterr().out)["station"]
    assert station["log"]["state"].startswith("none yet")
    assert station["server"]["state"] == "not enrolled" and "checkpoint enroll" in station["server"]["problem"]


def test_doctor_reaches_the_enrolled_server_and_says_when_it_cannot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.sync.conftest import start_server

    srv = start_server(tmp_path / "server")
    config = tmp_path / "station.toml"
    config.write_text('[station]\nid = "DOC-01"\n[scanner]\nsource = ""\n')
    data = ["--config", str(config), "--data-dir", str(tmp_path / "data")]
    try:
        assert main(["enroll", *data, "--server", srv.url, "--token", srv.token()]) == 0
        capsys.readouterr()
        assert main(["doctor", "--json", *data]) == 0
        server = json.loads(capsys.readouterr().out)["station"]["server"]
        assert server["state"] == "reachable" and abs(server["clock_offset_seconds"]) < 5
        assert server["server_holds_up_to"] == 0
        # a server that answers its time but no longer takes this station's log is a problem, not "reachable"
        assert main(["server", "revoke", "DOC-01", "--data-dir", str(srv.data_dir)]) == 0
        capsys.readouterr()
        assert main(["doctor", "--json", *data]) == 1
        report = json.loads(capsys.readouterr().out)
        assert report["station"]["server"]["state"] == "REFUSES THIS STATION"
        assert any("refuses this station" in p for p in report["problems"])
    finally:
        srv.stop()
    assert main(["doctor", "--json", *data]) == 0
    server = json.loads(capsys.readouterr().out)["station"]["server"]
    assert server["state"] == "UNREACHABLE" and server["problem"]


def test_a_multi_part_smart_card_shown_code_by_code_is_decided_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The three codes of the SMART Health Cards spec's example 02, one image each, as a traveller shows them."""
    import shutil

    shc = Path(__file__).resolve().parents[1] / "data" / "shc"
    issuers = tmp_path / "shc-issuers"
    shutil.copytree(shc / "issuer", issuers / "example")
    (issuers / "issuers.json").write_text(json.dumps({"https://spec.smarthealth.cards/examples/issuer": "example"}))
    frames = tmp_path / "frames"
    frames.mkdir()
    for i, n in enumerate((2, 0, 1)):  # in any order
        text = (shc / f"example-02-f-qr-code-numeric-value-{n}.txt").read_text().strip()
        _write_code(frames / f"{i}.png", text, i)
    assert main(["scan", "--source", str(frames), "--trust", str(issuers), "--at", "2023-07-01T00:00:00Z",
                 "--json"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [x["part"] for x in lines[:2]] == [{"have": 1, "total": 3, "missing": [1, 2]},
                                             {"have": 2, "total": 3, "missing": [2]}]
    assert lines[0]["verdict"] is None
    last = lines[2]
    # authentic and in date, but a lab panel with nothing for the health-certificate rules to admit
    assert last["format"] == "SHC" and last["reason"] == "RULE_FAILED", last


PERSON = ("Nguyễn Văn An", "001085012345", "1985-03-02")  # the holder of the CP1 vector valid_ed25519


@pytest.mark.parametrize("record", [False, True])
def test_scan_output_masks_personal_data_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      record: bool) -> None:
    """``scan --record --json`` may run as a service whose output ends in the journal: no full identities."""
    images, data = tmp_path / "images", tmp_path / "data"
    images.mkdir()
    case = json.loads((CP1 / "cases" / "valid_ed25519.json").read_text())
    _write_code(images / "pass.png", case["payload"], 1)
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "TEST-01"\n\n[trust]\nkey_folder = "{CP1 / "trust"}"\n')
    how = ["--record"] if record else ["--trust", str(CP1 / "trust"), "--at", case["validation_time"]]
    base = ["scan", "--source", str(images), *how, "--config", str(config), "--data-dir", str(data)]
    for fmt in (["--json"], []):
        assert main([*base, *fmt]) == 0
        out = capsys.readouterr().out
        assert not any(value in out for value in PERSON), out
        assert "N.V.A." in out and "2345" in out
    assert main([*base, "--json"]) == 0
    line = _lines(capsys.readouterr().out)[0]
    assert (line["name"], line["id_number"], line["personal"]) == ("N.V.A.", "••••••••2345", "masked")
    assert "birth_date" not in line and "pass_id" not in line and line["verdict"] in ("accept", "reject")
    assert main([*base, "--json", "--show-personal"]) == 0
    line = _lines(capsys.readouterr().out)[0]
    assert (line["name"], line["id_number"], line["birth_date"]) == PERSON


def test_record_gives_hostile_passes_a_malformed_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An HC1 whose payload contains itself (RecursionError before) and a CP1 with a 20,000-digit
    integer (ValueError before) killed ``scan --record``; now each is a recorded MALFORMED crossing."""
    from tests import hostile

    cases = {c.name: c.text for c in hostile.corpus()}
    images, data = tmp_path / "images", tmp_path / "data"
    images.mkdir()
    for i, name in enumerate(("HC1:cycle-unsigned", "CP1:bignum-v-20000-digits")):
        _write_code(images / f"{i}.png", cases[name], i)
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "TEST-01"\n\n[trust]\nkey_folder = "{CP1 / "trust"}"\n')
    assert main(["scan", "--source", str(images), "--record", "--json", "--config", str(config),
                 "--data-dir", str(data)]) == 0
    lines = _lines(capsys.readouterr().out)
    assert [(x["verdict"], x["reason"]) for x in lines] == [("reject", "MALFORMED")] * 2
    assert all(x["crossing_id"] for x in lines)
