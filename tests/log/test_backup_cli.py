"""Backups through the SQLite backup API, the ``[log]`` config table, and the log and key commands."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.errors import ConfigError, KeyLoadError
from checkpoint.log import CrossingLog, LogError, open_personal
from checkpoint.log._settings import log_settings, open_station_log
from checkpoint.sealing import load_private
from tests.log.conftest import Passes, ctx, open_log


def test_backup_is_a_consistent_copy_while_recording(log: CrossingLog, passes: Passes, tmp_path: Path,
                                                     clock: FixedClock) -> None:
    for _ in range(50):
        log.record(passes.decide(), ctx())
    stop = threading.Event()

    def keep_recording() -> None:
        while not stop.is_set():
            log.record(passes.decide(), ctx())

    writer = threading.Thread(target=keep_recording)
    writer.start()
    try:
        seen: list[tuple[int, int]] = []
        log.backup(tmp_path / "b" / "copy.sqlite", lambda done, total: seen.append((done, total)))
    finally:
        stop.set()
        writer.join(timeout=10)
    assert seen and seen[-1][0] == seen[-1][1]
    with CrossingLog.open_readonly(tmp_path / "b" / "copy.sqlite", clock=clock) as copy:
        report = copy.verify_chain()
        assert report.ok and report.checked >= 50
    assert (tmp_path / "b" / "copy.sqlite").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(tmp_path / "b" / "copy.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_refuses_to_overwrite_the_log(log: CrossingLog, log_path: Path) -> None:
    with pytest.raises(LogError):
        log.backup(log_path)


def test_log_settings_defaults_and_errors(tmp_path: Path) -> None:
    s = log_settings(parse_config({"station": {"data_dir": str(tmp_path)}}))
    assert s.path == tmp_path / "crossings.sqlite" and s.seal_to is None
    assert (s.duplicate_window.total_seconds(), s.retention.days, s.busy_timeout) == (1800, 30, 2.0)
    cfg = parse_config({"log": {"path": "/x/log.sqlite", "retention_days": 14, "duplicate_window_minutes": 5}},
                       "/etc/station.toml")
    s = log_settings(cfg)
    assert (s.path, s.retention.days, s.duplicate_window.total_seconds()) == (Path("/x/log.sqlite"), 14, 300)
    with pytest.raises(ConfigError, match=r"station.toml: \[log.retention_days\]"):
        log_settings(parse_config({"log": {"retention_days": 0}}, "station.toml"))
    with pytest.raises(ConfigError, match=r"\[log.retention\]"):
        log_settings(parse_config({"log": {"retention": 3}}, "station.toml"))


def test_open_station_log_from_config(tmp_path: Path, passes: Passes, supervisor: X25519PrivateKey,
                                      clock: FixedClock) -> None:
    from checkpoint.sealing import public_pem

    (tmp_path / "sup.pub.pem").write_bytes(public_pem(supervisor.public_key()))
    cfg = parse_config({"station": {"id": "QN-02", "data_dir": str(tmp_path / "data")},
                        "log": {"seal_to": str(tmp_path / "sup.pub.pem")}})
    with open_station_log(cfg, clock) as log:
        c = log.record(passes.decide(), ctx())
    assert c.station_id == "QN-02" and open_personal(c, supervisor) is not None
    assert (tmp_path / "data" / "lookup.key").exists() and not (tmp_path / "data" / "hmac.key").exists()
    bad = parse_config({"log": {"seal_to": str(tmp_path / "missing.pem")}})
    with pytest.raises(KeyLoadError, match="does not exist"):
        open_station_log(bad, clock, tmp_path / "data")


def test_status_and_backup_commands(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                    passes: Passes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_log(log_path, supervisor, clock) as log:
        for _ in range(3):
            log.record(passes.decide(), ctx())
        log.acknowledge(1)
    data = str(log_path.parent)
    assert main(["log", "status", "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "crossings:" in out and "unsynced:          2" in out and "HN-01" in out
    assert "Nguyễn" not in out
    assert main(["log", "status", "--json", "--data-dir", data]) == 0
    import json

    status = json.loads(capsys.readouterr().out)
    assert (status["crossings"], status["synced_up_to"], status["unsynced"], status["last_seq"]) == (3, 1, 2, 3)
    assert status["id_unindexed"] == 0
    out_file = tmp_path / "backup.sqlite"
    assert main(["log", "backup", "--data-dir", data, "--out", str(out_file)]) == 0
    assert "backed up 3 crossings" in capsys.readouterr().out
    assert main(["log", "backup", "--data-dir", data, "--out", str(out_file)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["log", "backup", "--data-dir", data, "--out", str(out_file), "--force"]) == 0


def test_erase_expired_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "erase-expired", "--data-dir", str(tmp_path)]) == 0
    assert "erased the personal fields of 0 crossings" in capsys.readouterr().out


def test_supervisor_key_generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CHECKPOINT_SUPERVISOR_PASSPHRASE", "a long enough phrase")
    out = tmp_path / "supervisor.pem"
    assert main(["supervisor-key", "generate", "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "supervisor.pub.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY")
    assert b"ENCRYPTED" in out.read_bytes()
    load_private(out.read_bytes(), str(out), b"a long enough phrase")
    with pytest.raises(KeyLoadError):
        load_private(out.read_bytes(), str(out), b"wrong")
    assert main(["supervisor-key", "generate", "--out", str(out)]) == 2
    assert "never overwritten" in capsys.readouterr().err


def test_supervisor_key_asks_twice_and_refuses_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import getpass

    monkeypatch.delenv("CHECKPOINT_SUPERVISOR_PASSPHRASE", raising=False)
    answers = iter(["first phrase here", "second phrase here", "short", "short"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["supervisor-key", "generate", "--out", str(tmp_path / "k.pem")]) == 2
    assert "differ" in capsys.readouterr().err
    assert main(["supervisor-key", "generate", "--out", str(tmp_path / "k.pem")]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert not (tmp_path / "k.pem").exists()


def test_every_log_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (["log"], ["log", "verify"], ["log", "status"], ["log", "backup"], ["log", "erase-expired"],
                ["supervisor-key", "generate"]):
        with pytest.raises(SystemExit):
            main([*cmd, "--help"])
        assert "usage:" in capsys.readouterr().out


def test_supervisor_private_key_opens_sealed_data(tmp_path: Path, passes: Passes, clock: FixedClock,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKPOINT_SUPERVISOR_PASSPHRASE", "a long enough phrase")
    assert main(["supervisor-key", "generate", "--out", str(tmp_path / "sup.pem")]) == 0
    cfg = parse_config({"station": {"data_dir": str(tmp_path / "d")},
                        "log": {"seal_to": str(tmp_path / "sup.pub.pem")}})
    with open_station_log(cfg, clock) as log:
        c = log.record(passes.decide(), ctx())
    key = load_private((tmp_path / "sup.pem").read_bytes(), "sup.pem", b"a long enough phrase")
    opened = open_personal(c, key)
    assert opened is not None and opened.id_number == "001085012345"
    assert isinstance(key, X25519PrivateKey)


def test_example_config_log_table() -> None:
    from checkpoint.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "station.example.toml")
    s = log_settings(cfg, Path("/data"))
    assert (s.path, s.seal_to, s.retention.days, s.duplicate_window.total_seconds()) == (
        Path("/data/crossings.sqlite"), None, 30, 1800)


def test_supervisor_key_keeps_nothing_when_the_private_key_cannot_be_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CHECKPOINT_SUPERVISOR_PASSPHRASE", "a long enough phrase")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where a folder should be")
    out = blocked / "sup.pem"  # writing the private key fails
    assert main(["supervisor-key", "generate", "--out", str(out), "--public-out", str(tmp_path / "sup.pub.pem")]) == 2
    assert "nothing was kept" in capsys.readouterr().err
    assert not (tmp_path / "sup.pub.pem").exists()
