"""The commands: the headless demo runs the real pipeline, officers are added with a PIN from stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from checkpoint.cli import main


def test_headless_demo_gets_every_expected_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--headless", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "11 of 11 passes got the expected verdict." in out
    assert (tmp_path / "crossings.sqlite").exists()  # the demo recorded through the real log


def test_officers_add_list_unlock(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("482913\n"))
    assert main(["officers", "--data-dir", str(tmp_path), "add", "--id", "CH01", "--name", "Lê Thị Hoa",
                 "--supervisor"]) == 0
    doc = json.loads((tmp_path / "officers.json").read_text(encoding="utf-8"))
    assert doc["officers"][0]["role"] == "supervisor" and "482913" not in json.dumps(doc)
    assert main(["officers", "--data-dir", str(tmp_path), "list"]) == 0
    assert "CH01" in capsys.readouterr().out
    assert main(["officers", "--data-dir", str(tmp_path), "unlock", "--id", "CH01"]) == 0
    assert main(["officers", "--data-dir", str(tmp_path), "unlock", "--id", "NOBODY"]) == 2
    assert "no officer with id NOBODY" in capsys.readouterr().err


def test_run_without_officers_says_how_to_add_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--data-dir", str(tmp_path), "--camera", ""]) == 2
    assert "checkpoint officers add" in capsys.readouterr().err


def test_run_with_a_camera_that_does_not_exist_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--data-dir", str(tmp_path), "--camera", str(tmp_path / "nope.mp5")]) == 2
    assert "nope.mp5" in capsys.readouterr().err
