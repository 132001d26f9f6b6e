"""scripts/install-station into a folder standing for / (--root): the files a station needs, their modes,
the units with this install's paths, and an uninstall that keeps the crossing log unless told."""

from __future__ import annotations

import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install-station"


def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), "--root", str(root), "--no-packages", "--no-software", *args],
                          capture_output=True, text=True, timeout=60)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    r.mkdir()
    (r / "etc" / "default").mkdir(parents=True)
    (r / "etc" / "default" / "console-setup").write_text('ACTIVE_CONSOLES="/dev/tty[1-6]"\nCODESET="guess"\n')
    return r


def test_install_lays_out_a_station(root: Path) -> None:
    proc = install(root, "--data", "/srv/cp", "--prefix", "/opt/cp", "--server")
    assert proc.returncode == 0, proc.stderr
    cfg = root / "etc" / "checkpoint" / "station.toml"
    assert mode(root / "etc" / "checkpoint") == 0o750 and mode(cfg) == 0o640
    assert tomllib.loads(cfg.read_text())["station"]["data_dir"] == "/srv/cp"
    assert mode(root / "srv" / "cp") == 0o700
    unit = (root / "etc" / "systemd" / "system" / "checkpoint-station.service").read_text()
    assert "ExecStart=/opt/cp/venv/bin/checkpoint run" in unit
    assert "Type=notify" in unit and "WatchdogSec=" in unit and "StandardError=journal" in unit
    assert "ReadWritePaths=/srv/cp" in unit
    server = (root / "etc" / "systemd" / "system" / "checkpoint-server.service").read_text()
    assert "LimitNOFILE=" in server and "/opt/cp/venv/bin/checkpoint server run" in server
    console = (root / "etc" / "default" / "console-setup").read_text()
    assert 'CODESET="Vietnamese"' in console and 'CODESET="guess"' not in console
    # the font whose glyphs tests/tui/test_console_font.py checks the app against: Vietnamese-Fixed16
    assert 'FONTFACE="Fixed"' in console and 'FONTSIZE="8x16"' in console and 'CHARMAP="UTF-8"' in console
    assert "no /usr/share/consolefonts/Vietnamese-Fixed16.psf.gz" in proc.stdout  # not in this root: said
    assert 'ACTIVE_CONSOLES="/dev/tty[1-6]"' in console
    assert "SystemMaxUse=" in (root / "etc" / "systemd" / "journald.conf.d" / "checkpoint.conf").read_text()


def test_no_font_warning_where_the_font_is(root: Path) -> None:
    fonts = root / "usr" / "share" / "consolefonts"
    fonts.mkdir(parents=True)
    (fonts / "Vietnamese-Fixed16.psf.gz").write_bytes(b"")
    proc = install(root)
    assert proc.returncode == 0 and "console font: Vietnamese" in proc.stdout and "Fixed16" not in proc.stdout


def test_install_twice_keeps_an_edited_config(root: Path) -> None:
    assert install(root).returncode == 0
    cfg = root / "etc" / "checkpoint" / "station.toml"
    cfg.write_text('[station]\nid = "HN-01"\n')
    proc = install(root)
    assert proc.returncode == 0 and "kept the existing" in proc.stdout
    assert cfg.read_text() == '[station]\nid = "HN-01"\n'


def test_uninstall_keeps_the_log_and_restores_the_font(root: Path) -> None:
    assert install(root).returncode == 0
    log = root / "var" / "lib" / "checkpoint" / "crossings.sqlite"
    log.write_bytes(b"the crossing log")
    proc = install(root, "--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert log.read_bytes() == b"the crossing log" and (root / "etc" / "checkpoint" / "station.toml").exists()
    assert not (root / "etc" / "systemd" / "system" / "checkpoint-station.service").exists()
    assert 'CODESET="guess"' in (root / "etc" / "default" / "console-setup").read_text()


def test_purge_refuses_a_log_it_cannot_prove_synced(root: Path) -> None:
    assert install(root).returncode == 0
    log = root / "var" / "lib" / "checkpoint" / "crossings.sqlite"
    log.write_bytes(b"the crossing log")
    proc = install(root, "--uninstall", "--purge")
    assert proc.returncode != 0 and "synced" in proc.stderr
    assert log.exists()
    assert install(root, "--uninstall", "--purge", "--force").returncode == 0
    assert not log.exists() and not (root / "etc" / "checkpoint").exists()


def test_dry_run_changes_nothing(root: Path) -> None:
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    proc = install(root, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_help_and_bad_options() -> None:
    assert "Usage: scripts/install-station" in subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True,
                                                              text=True, timeout=30).stdout
    bad = subprocess.run(["bash", str(SCRIPT), "--bogus"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "unknown option" in bad.stderr


def test_the_command_on_path_uses_the_station_config(root: Path) -> None:
    assert install(root, "--prefix", "/opt/cp").returncode == 0
    wrapper = root / "usr" / "local" / "bin" / "checkpoint"
    assert mode(wrapper) == 0o755
    text = wrapper.read_text()
    assert 'BIN="/opt/cp/venv/bin/checkpoint"' in text
    assert "CHECKPOINT_CONFIG:-/etc/checkpoint/station.toml" in text
    assert 'runuser -u "checkpoint"' in text
    assert subprocess.run(["sh", "-n", str(wrapper)], timeout=30).returncode == 0
