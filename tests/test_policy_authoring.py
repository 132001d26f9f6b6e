"""``checkpoint policy build``: a provincial office's TOML and CSV files -> a signed bundle; errors name the file
and the line. Then install and status on a station, and the bundle decides (docs/policy.md)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.decision import Display
from checkpoint.model import Subject
from checkpoint.policy_authoring import package_units, read_source
from checkpoint.station import Station
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from tests.factories import PERSON, ed25519, make_pass, trust_list

EXAMPLE = Path(__file__).parent.parent / "config" / "policy-example"
needs_package = pytest.mark.skipif(package_units() is None, reason="the vietnam-provinces package is not installed")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "policy"))


@needs_package
def test_the_example_builds_installs_and_decides(tmp_path: Path, folder: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root, issuer = ed25519(), ed25519()
    (tmp_path / "root.key.pem").write_bytes(keys.private_pem(root))
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    code, out, err = run(capsys, "policy", "build", str(folder), "--root-key", str(tmp_path / "root.key.pem"),
                         "--version", "3", "--out", str(tmp_path / "p.cose"))
    assert code == 0, err
    assert "3355 units" in out and "4 levels" in out and "6 rules" in out and "policy bundle v3" in out
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n'
                   f'[trust]\nroot_keys = ["{tmp_path / "root.pub.pem"}"]\n')
    code, out, err = run(capsys, "policy", "install", "--config", str(cfg), str(tmp_path / "p.cose"))
    assert code == 0 and "policy bundle v3 in force" in out, err
    code, out, _ = run(capsys, "policy", "status", "--config", str(cfg))
    assert code == 0 and "v3, units VN-2025-07" in out and "test 72 h" in out

    station = Station(parse_config({"station": {"data_dir": str(tmp_path / "data")},
                                    "trust": {"root_keys": [str(tmp_path / "root.pub.pem")]}}),
                      FixedClock(_now()))
    station.install_trust_list(trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=_now()))

    def verdict(origin: str) -> tuple[Display, str | None]:
        s = Subject(PERSON.name, PERSON.id_number, PERSON.birth_date, "worker", None, origin, None)
        d = station.decide(make_pass(issuer, subject=s, at=_now()))[0]
        return d.display, d.policy.level if d.policy else None

    assert verdict("Phường Hoàn Kiếm") == (Display.REJECT, "4")  # level 4: a test within 72 h
    assert verdict("Xã Tân Tiến, Bắc Ninh") == (Display.ACCEPT, "1")  # a commune of Bắc Ninh (level 1)
    assert verdict("27") == (Display.ACCEPT, "1")  # the old Bắc Ninh code (renamed.csv)
    assert verdict("Phường Cửa Nam") == (Display.ACCEPT, "2")  # Hà Nội's level
    assert verdict("Xã Tân Tiến") == (Display.ACCEPT, "unknown")  # seven communes of that name: not guessed


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def _error(capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> str:
    code, _, err = run(capsys, "policy", "build", str(folder), "--check", "--root-key", "x", "--version", "1",
                       "--out", "x", *extra)
    assert code == 2
    return err


@needs_package
def test_errors_name_the_file_and_the_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "levels.csv").write_text("code,level\n01,2\n00071,4\n")
    assert f"{folder / 'levels.csv'}:3: '00071' is not a unit code" in _error(capsys, folder)
    (folder / "levels.csv").write_text("code,level,name\n01,2,Hà Nội\n00070,4,Phường Hàng Bạc\n")
    assert f"{folder / 'levels.csv'}:3: code 00070 is Phường Hoàn Kiếm" in _error(capsys, folder)
    (folder / "levels.csv").write_text("code,level\n01,12\n")
    assert f"{folder / 'levels.csv'}:2: level '12'" in _error(capsys, folder)
    (folder / "levels.csv").write_text("code,level\n01,2\n")
    text = (folder / "policy.toml").read_text()
    lines = text.splitlines()
    third = [n for n, line in enumerate(lines, 1) if line == "[[rule]]"][2]
    (folder / "policy.toml").write_text(text.replace('action = "test"', 'action = "tset"', 1))
    assert f"{folder / 'policy.toml'}:{third}: action must be one of" in _error(capsys, folder)
    (folder / "policy.toml").write_text(text.replace("max_hours = 72", "max_hours = 0", 1))
    assert f"{folder / 'policy.toml'}:{third}: action 'test' needs max_hours" in _error(capsys, folder)
    (folder / "policy.toml").write_text(text + "\n[[rule]]\nlevel = 4\naction = \"admit\"\n")
    assert "a second rule for level 4, category *" in _error(capsys, folder)
    (folder / "policy.toml").write_text(text.replace('below_min = "warn"', 'below_min = warn'))
    assert f"{folder / 'policy.toml'}:8: not valid TOML" in _error(capsys, folder)
    (folder / "policy.toml").write_text(text)
    (folder / "renamed.csv").write_text("old_code,new_code\n27,24\n26,99\n")
    assert f"{folder / 'renamed.csv'}:3: new code '99' is not a unit" in _error(capsys, folder)


def test_without_the_package_a_units_file_is_needed(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no unit table: install the vietnam-provinces package" in _error(capsys, folder, "--no-package")
    (folder / "units.csv").write_text("code,name,province_code\n01,Thành phố Hà Nội,\n00070,Phường Hoàn Kiếm,01\n"
                                      "24,Bắc Ninh,\n79,Thành phố Hồ Chí Minh,\n"
                                      "08,Tuyên Quang,\n19,Thái Nguyên,\n15,Lào Cai,\n25,Phú Thọ,\n31,Hải Phòng,\n"
                                      "33,Hưng Yên,\n37,Ninh Bình,\n44,Quảng Trị,\n48,Đà Nẵng,\n66,Đắk Lắk,\n"
                                      "56,Khánh Hòa,\n68,Lâm Đồng,\n51,Quảng Ngãi,\n52,Gia Lai,\n75,Đồng Nai,\n"
                                      "80,Tây Ninh,\n86,Vĩnh Long,\n82,Đồng Tháp,\n91,An Giang,\n92,Cần Thơ,\n"
                                      "96,Cà Mau,\n")
    src, origin = read_source(folder, use_package=False)
    assert origin.endswith("units.csv") and src.levels["00070"] == 4 and src.units.renamed["27"] == "24"
    (folder / "units.csv").write_text("code,name,province_code\n01,Hà Nội,\n7,Bad,01\n")
    assert f"{folder / 'units.csv'}:3: unit code '7' is not 2 to 5 digits" in _error(capsys, folder, "--no-package")


def test_help_text_describes_the_files(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["policy", "build", "--help"])
    out = capsys.readouterr().out
    assert "levels.csv" in out and "renamed.csv" in out and "quarantine" in out
