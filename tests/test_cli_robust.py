"""No tracebacks: a closed pipe, no terminal, an unusable data folder, a server that is down."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from checkpoint.cli import EXIT_INTERNAL, EXIT_PIPE, main
from sync.client import _short
from tests.conftest import DATA

VECTORS = DATA / "cp1"
VALID = json.loads((VECTORS / "cases" / "valid_full_body.json").read_text())
ROOT = Path(__file__).resolve().parents[1]


def _checkpoint(*argv: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKPOINT_")}
    return subprocess.run([sys.executable, "-m", "checkpoint", *argv], capture_output=kw.pop("capture", True),
                          text=True, timeout=60, cwd=ROOT, env=env, **kw)  # type: ignore[call-overload, no-any-return]


def test_output_into_a_closed_pipe_ends_quietly() -> None:
    """``checkpoint verify ... | head -0``: the reader is gone before the first write."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "checkpoint", "verify", "--trust", str(VECTORS / "trust"), "--at",
             VALID["validation_time"], VALID["payload"]],
            stdout=w, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT,
        )
    finally:
        os.close(w)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr == ""
    assert proc.returncode == EXIT_PIPE


def test_supervisor_key_without_a_terminal_says_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "sup.key.pem"
    proc = _checkpoint("supervisor-key", "generate", "--out", str(out), stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "no terminal" in proc.stderr and "CHECKPOINT_SUPERVISOR_PASSPHRASE" in proc.stderr
    assert not out.exists() and not (tmp_path / "sup.pub.pem").exists()


def test_run_with_a_file_as_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "not-a-folder"
    f.write_text("x")
    assert main(["run", "--data-dir", str(f), "--camera", ""]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and str(f) in err


def test_run_with_a_data_folder_that_cannot_be_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["run", "--data-dir", str(f / "sub"), "--camera", ""]) == 2
    err = capsys.readouterr().err
    assert "cannot make the data folder" in err and "--data-dir" in err


def test_an_unexpected_fault_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import checkpoint.cli.verify as verify_cli

    def boom(args: object) -> int:
        raise ZeroDivisionError("secret name Nguyễn Văn An")

    monkeypatch.setattr(verify_cli, "run", boom)  # main builds its parser afresh, binding the patched run
    code = main(["verify", "--trust", str(VECTORS / "trust"), "CP1:x"])
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL
    assert "internal error (ZeroDivisionError in test_cli_robust.py:" in err
    assert "Nguyễn" not in err and "Traceback" not in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_server_that_is_down_is_described_in_a_few_words() -> None:
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(f"http://127.0.0.1:{_closed_port()}/v1/time", timeout=5)
    raw = str(info.value)
    assert "HTTPConnectionPool" in raw  # what the officer used to see
    text = _short(info.value)
    assert text == "connection refused: is the server running?"


def test_demo_data_folder_reused(tmp_path: Path) -> None:
    d = tmp_path / "demo"
    for _ in range(2):
        proc = _checkpoint("demo", "--headless", "--data-dir", str(d))
        assert proc.returncode == 0, proc.stderr
        assert "11 of 11" in proc.stdout
        assert "refused" not in proc.stderr and "Traceback" not in proc.stderr


def test_demo_never_clears_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "station"
    d.mkdir()
    (d / "crossings.sqlite").write_text("a real station's log")
    assert main(["demo", "--headless", "--data-dir", str(d)]) == 2
    assert "not made by 'checkpoint demo'" in capsys.readouterr().err
    assert (d / "crossings.sqlite").read_text() == "a real station's log"


def test_trust_install_reads_standard_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``sudo checkpoint trust install trust-list - < file``: the caller's shell opens the file, so a list in
    the administrator's home folder can be installed by the station's user."""
    t = str(tmp_path)
    for name in ("root", "lci"):
        assert main(["issuer", "keygen", "--out", f"{t}/{name}.key.pem"]) == 0
    assert main(["issuer", "trust-list", "--root-key", f"{t}/root.key.pem", "--version", "3",
                 "--key", f"VN-LCI={t}/lci.pub.pem", "--out", f"{t}/tl.cose"]) == 0
    (tmp_path / "station.toml").write_text(f'[station]\ndata_dir = "{t}/data"\n[trust]\nroot_keys = ["root.pub.pem"]\n')
    capsys.readouterr()
    proc = _checkpoint("trust", "install", "--config", f"{t}/station.toml", "trust-list", "-",
                       stdin=(tmp_path / "tl.cose").open("rb"), capture=True)
    assert proc.returncode == 0, proc.stderr
    assert "trust list v3 in force" in proc.stdout


def test_every_command_and_action_has_help() -> None:
    """Every command and every action under it says what it does in ``--help`` (officers and supervisors
    read these, not the code)."""
    import argparse

    from checkpoint.cli import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    if not (helps.get(name) or sub.description):
                        missing.append(f"{path} {name}".strip())
                    missing += walk(sub, f"{path} {name}")
        return missing

    assert walk(build_parser(), "") == []
