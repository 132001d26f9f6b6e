"""The ``checkpoint`` command: verify's contract, the issuer tools end to end, trust install/status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checkpoint.cli import main
from tests.conftest import DATA

VECTORS = DATA / "cp1"
VALID = json.loads((VECTORS / "cases" / "valid_full_body.json").read_text())
AT = VALID["validation_time"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", "--trust", str(VECTORS / "trust"), "--at", AT, "--json", VALID["payload"])
    assert code == 0
    doc = json.loads(out)
    assert doc["verdict"] == "accept" and doc["reason"] is None and doc["format"] == "CP1"
    assert doc["kid"] == "b261d2b7cdd70747" and doc["expires"] == "2021-07-26T00:26:40Z"
    assert doc["name"] == "Trần Thị Bích Ngọc" and doc["vehicle"] == "83C-123.45"


def test_verify_reject_exit_status_and_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    case = json.loads((VECTORS / "cases" / "expired.json").read_text())
    code, out, _ = run(capsys, "verify", "--trust", str(VECTORS / "trust"), "--at", case["validation_time"],
                       case["payload"])
    assert code == 1
    assert out.startswith("REJECT  EXPIRED")
    assert "001085012345" not in out and "2345" in out  # id number masked for people


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--trust", "/nonexistent/keys", "CP1:x"],
        ["verify", "--trust", str(VECTORS / "trust"), "--at", "yesterday", "CP1:x"],
        ["verify", "--trust", str(VECTORS / "cases" / "valid_ed25519.json"), "CP1:x"],  # a list needs a root
    ],
)
def test_verify_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("checkpoint: ")


def test_verify_reads_stdin_with_a_scanner_line_ending() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "checkpoint", "verify", "--trust", str(VECTORS / "trust"), "--at", AT, "--json", "-"],
        input=VALID["payload"] + "\r\n", capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "accept"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2 and "verify" in out and "issuer" in out


def test_issuer_tools_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = str(tmp_path)
    assert run(capsys, "issuer", "keygen", "--out", f"{t}/root.key.pem")[0] == 0
    assert run(capsys, "issuer", "keygen", "--alg", "es256", "--out", f"{t}/lci.key.pem")[0] == 0
    assert (tmp_path / "lci.pub.pem").exists() and (tmp_path / "lci.key.pem").stat().st_mode & 0o077 == 0
    at = "2021-07-24T00:00:00Z"
    assert run(capsys, "issuer", "trust-list", "--root-key", f"{t}/root.key.pem", "--version", "1", "--at", at,
               "--key", f"VN-LCI={t}/lci.pub.pem", "--out", f"{t}/tl.cose")[0] == 0
    code, out, _ = run(capsys, "issuer", "sign", "--key", f"{t}/lci.key.pem", "--issuer", "VN-LCI", "--at", at,
                       "--name", "Hoàng Thị Mai", "--id", "001199001234", "--dob", "1999-02-03",
                       "--category", "freight", "--vehicle", "24C-111.11", "--png", f"{t}/pass.png")
    assert code == 0
    text = out.strip()
    assert text.startswith("CP1:") and (tmp_path / "pass.png").read_bytes().startswith(b"\x89PNG")
    code, out, _ = run(capsys, "verify", "--trust", f"{t}/tl.cose", "--root", f"{t}/root.pub.pem",
                       "--at", "2021-07-25T00:00:00Z", "--json", text)
    assert code == 0 and json.loads(out)["name"] == "Hoàng Thị Mai"
    pass_id = json.loads(out)["pass_id"]
    assert run(capsys, "issuer", "revoke", "--root-key", f"{t}/root.key.pem", "--version", "1", "--at", at,
               "--pass-id", pass_id, "--out", f"{t}/rl.cose")[0] == 0
    code, out, _ = run(capsys, "verify", "--trust", f"{t}/tl.cose", "--root", f"{t}/root.pub.pem",
                       "--revocations", f"{t}/rl.cose", "--at", "2021-07-25T00:00:00Z", "--json", text)
    assert code == 1 and json.loads(out)["reason"] == "PASS_REVOKED"
    # a newer revocation list keeps the ids of the previous one
    assert run(capsys, "issuer", "revoke", "--root-key", f"{t}/root.key.pem", "--version", "2", "--at", at,
               "--previous", f"{t}/rl.cose", "--out", f"{t}/rl2.cose")[0] == 0
    code, out, _ = run(capsys, "verify", "--trust", f"{t}/tl.cose", "--root", f"{t}/root.pub.pem",
                       "--revocations", f"{t}/rl2.cose", "--at", "2021-07-25T00:00:00Z", "--json", text)
    assert json.loads(out)["reason"] == "PASS_REVOKED"


def test_issuer_sign_with_json_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "issuer", "keygen", "--out", f"{tmp_path}/k.pem")
    body = json.dumps({"v": 1, "nam": "Ngô Bảo Châu", "idn": "001072000001", "dob": "1972", "cat": "official"})
    code, out, _ = run(capsys, "issuer", "sign", "--key", f"{tmp_path}/k.pem", "--issuer", "VN-HNI", "--body", body,
                       "--at", "2021-07-24T00:00:00Z")
    assert code == 0
    text = out.strip()
    code, _, err = run(capsys, "verify", "--trust", str(tmp_path), "--at", "2021-07-24T01:00:00Z", text)
    assert code == 2 and "PRIVATE key" in err  # a private key in a trust folder is named, not used
    (tmp_path / "trust").mkdir()
    (tmp_path / "k.pub.pem").rename(tmp_path / "trust" / "k.pub.pem")
    code, out, _ = run(capsys, "verify", "--trust", f"{tmp_path}/trust", "--at", "2021-07-24T01:00:00Z", "--json", text)
    assert code == 0 and json.loads(out)["name"] == "Ngô Bảo Châu"
    code, _, err = run(capsys, "issuer", "sign", "--key", f"{tmp_path}/k.pem", "--issuer", "X", "--body", "{nope")
    assert code == 2 and "not valid JSON" in err


def test_trust_install_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = str(tmp_path)
    run(capsys, "issuer", "keygen", "--out", f"{t}/root.key.pem")
    run(capsys, "issuer", "keygen", "--out", f"{t}/lci.key.pem")
    for version in ("1", "2"):
        run(capsys, "issuer", "trust-list", "--root-key", f"{t}/root.key.pem", "--version", version,
            "--key", f"VN-LCI={t}/lci.pub.pem", "--out", f"{t}/tl{version}.cose")
    (tmp_path / "station.toml").write_text(f'[station]\ndata_dir = "{t}/data"\n[trust]\nroot_keys = ["root.pub.pem"]\n')
    cfg = ["--config", f"{t}/station.toml"]
    assert run(capsys, "trust", "install", *cfg, "trust-list", f"{t}/tl2.cose")[0] == 0
    code, _, err = run(capsys, "trust", "install", *cfg, "trust-list", f"{t}/tl1.cose")
    assert code == 2 and "not newer" in err
    code, out, _ = run(capsys, "trust", "status", *cfg)
    assert code == 0 and "v2" in out


def test_corrupt_trust_file_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "issuer", "keygen", "--out", f"{tmp_path}/root.key.pem")
    bad = tmp_path / "trust-list.cose"
    bad.write_bytes(b"\x00garbage")
    code, _, err = run(capsys, "verify", "--trust", str(bad), "--root", f"{tmp_path}/root.pub.pem", "CP1:x")
    assert code == 2 and str(bad) in err and "not a signed list" in err
    bad_key = tmp_path / "keys"
    bad_key.mkdir()
    (bad_key / "issuer.pem").write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    code, _, err = run(capsys, "verify", "--trust", str(bad_key), "CP1:x")
    assert code == 2 and "issuer.pem" in err and "not a readable PEM public key" in err


def test_verify_hc1_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import base64

    case = json.loads((DATA / "dgc" / "DE-2.json").read_text())
    (tmp_path / "dsc.der").write_bytes(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]))
    at = case["TESTCTX"]["VALIDATIONCLOCK"]
    code, out, _ = run(capsys, "verify", "--trust", str(tmp_path), "--at", at, "--json", case["PREFIX"])
    doc = json.loads(out)
    assert code == 0 and doc["format"] == "HC1" and doc["certificate"] == "test", doc
    assert doc["name"] == "Erika Mustermann" and doc["name_icao"] == "ERIKA MUSTERMANN"
    assert doc["detail"].startswith("negative rapid antigen test")
    uvci = case["JSON"]["t"][0]["ci"]
    assert doc["id_number"] is None and doc["document_id"] == uvci  # the certificate's id is no id number
    code, out, _ = run(capsys, "verify", "--trust", str(tmp_path), "--at", at, case["PREFIX"])
    assert "ICAO name:" in out and "ERIKA MUSTERMANN" in out
    assert "ID number:" not in out and f"Document no.: {uvci}" in out


def test_verify_shc_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(DATA / "shc" / "issuer", tmp_path / "example")
    (tmp_path / "issuers.json").write_text(json.dumps({"https://spec.smarthealth.cards/examples/issuer": "example"}))
    qr = (DATA / "shc" / "example-00-f-qr-code-numeric-value-0.txt").read_text().strip()
    code, out, _ = run(capsys, "verify", "--trust", str(tmp_path), "--at", "2023-07-01T00:00:00Z", "--json", qr)
    doc = json.loads(out)
    assert code == 0 and doc["format"] == "SHC" and doc["name"] == "John B. Anyperson", doc
    assert doc["certificate"] == "vaccination" and doc["name_icao"] is None


def test_verify_nzcp_with_a_did_document(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "nzcp" / "valid.txt").read_text().strip()
    did = str(DATA / "nzcp" / "did.json")
    code, out, _ = run(capsys, "verify", "--trust", did, "--at", "2021-11-27T00:00:00Z", "--json", text)
    doc = json.loads(out)
    assert code == 0 and doc["format"] == "NZCP" and doc["name"] == "Jack Sparrow", doc


def test_verify_image_through_the_real_decoders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = str(tmp_path)
    run(capsys, "issuer", "keygen", "--alg", "es256", "--out", f"{t}/k.pem")
    (tmp_path / "trust").mkdir()
    (tmp_path / "k.pub.pem").rename(tmp_path / "trust" / "k.pub.pem")
    code, out, _ = run(capsys, "issuer", "sign", "--key", f"{t}/k.pem", "--issuer", "VN-HNI", "--at",
                       "2021-07-24T00:00:00Z", "--name", "Đỗ Thị Ánh", "--id", "001300000042", "--dob", "2000",
                       "--png", f"{t}/pass.png")
    assert code == 0
    code, out, _ = run(capsys, "verify", "--trust", f"{t}/trust", "--at", "2021-07-24T06:00:00Z", "--json",
                       "--image", f"{t}/pass.png")
    assert code == 0 and json.loads(out)["name"] == "Đỗ Thị Ánh"
    (tmp_path / "blank.png").write_bytes((tmp_path / "pass.png").read_bytes()[:60])  # not a readable image
    code, _, err = run(capsys, "verify", "--trust", f"{t}/trust", "--image", f"{t}/blank.png")
    assert code == 2 and "blank.png" in err


@pytest.mark.parametrize("name", ["HC1:cycle-unsigned", "CP1:bignum-v-20000-digits", "HC1:dag-24-unsigned"])
def test_verify_gives_hostile_passes_a_malformed_verdict(capsys: pytest.CaptureFixture[str], name: str) -> None:
    from tests import hostile

    text = next(c.text for c in hostile.corpus() if c.name == name)
    code, out, err = run(capsys, "verify", "--trust", str(VECTORS / "trust"), "--at", AT, "--json", text)
    assert code == 1 and not err
    doc = json.loads(out)
    assert (doc["verdict"], doc["reason"]) == ("reject", "MALFORMED")


def test_a_cp1_verify_loads_neither_numpy_nor_x509() -> None:
    """What made a one-shot ``checkpoint verify`` slow was imports (NumPy for Base45, X.509 for plain keys):
    a CP1 pass checked against a folder of public keys needs neither (bench/verify_bench.py times it)."""
    code = ("import sys\nfrom checkpoint.cli import main\n"
            f"code = main(['verify', '--trust', {str(VECTORS / 'trust')!r}, '--at', {AT!r}, {VALID['payload']!r}])\n"
            "print(code, 'numpy' in sys.modules, 'cryptography.x509' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-3:] == ["0", "False", "False"]
