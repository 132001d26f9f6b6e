"""``checkpoint watch-list build / show`` and ``checkpoint trust install watch-list``: a provincial office's CSV
becomes a signed list holding no id number; every mistake in the CSV names the file and the line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from checkpoint.cli import main
from checkpoint.trust import keys, load_watch_list
from tests import factories
from tests.factories import T0

AT = (T0 + timedelta(hours=1)).isoformat()
CHEAP = ["--hash-cost", "1,1"]


@pytest.fixture
def root_files(tmp_path: Path) -> tuple[keys.PrivateKey, Path, Path]:
    root = factories.ed25519()
    key = tmp_path / "root.key.pem"
    key.write_bytes(keys.private_pem(root))
    pub = tmp_path / "root.pub.pem"
    pub.write_bytes(keys.public_pem(root.public_key()))
    return root, key, pub


def build(tmp_path: Path, key: Path, text: str, version: int = 1) -> tuple[int, Path]:
    csv = tmp_path / "watch.csv"
    csv.write_text(text, encoding="utf-8")
    out = tmp_path / f"watch-{version}.cose"
    code = main(["watch-list", "build", "--csv", str(csv), "--root-key", str(key), "--version", str(version),
                 "--at", AT, "--out", str(out), *CHEAP])
    return code, out


def test_build_show_and_install(tmp_path: Path, root_files: tuple[keys.PrivateKey, Path, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    root, key, pub = root_files
    code, out = build(tmp_path, key, "id_number,kind,until\n# the office's note\n001 085 012 345,case,\n"
                      "079190001234,quarantine,2021-08-06\n\n094190000321,quarantine,2021-08-06\n")
    assert code == 0 and "3 entries" in capsys.readouterr().out
    data = out.read_bytes()
    assert b"001085012345" not in data and b"079190001234" not in data
    wl = load_watch_list(data, [root.public_key()], T0)
    assert wl.match("001085012345", T0) is not None and len(wl) == 3
    assert main(["watch-list", "show", str(out), "--root", str(pub), "--at", AT]) == 0
    shown = capsys.readouterr().out
    assert "watch list v1: 3 entries" in shown and "2  quarantine until 2021-08-06T17:00:00Z" in shown
    assert "001085012345" not in shown

    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n[trust]\nroot_keys = ["{pub}"]\n')
    args = ["--config", str(cfg), "--at", AT]
    assert main(["trust", "install", *args, "watch-list", str(out)]) == 0
    assert "watch list v1 in force (3 entries)" in capsys.readouterr().out
    assert main(["trust", "status", *args]) == 0
    assert "watch list:      v1, 3 entr(ies)" in capsys.readouterr().out


def test_every_build_has_a_fresh_salt(tmp_path: Path, root_files: tuple[keys.PrivateKey, Path, Path]) -> None:
    root, key, _ = root_files
    text = "id_number,kind,until\n001085012345,case,\n"
    _, one = build(tmp_path, key, text, 1)
    _, two = build(tmp_path, key, text, 2)
    a, b = (load_watch_list(p.read_bytes(), [root.public_key()], T0) for p in (one, two))
    assert a.salt != b.salt and a.entries != b.entries


@pytest.mark.parametrize(("text", "error"), [
    ("", "watch.csv: empty"),
    ("id,kind\n001085012345,case\n", "watch.csv:1: the header must be"),
    ("id_number,kind,until\n001085012345,case,\n1234,case,\n", "watch.csv:3: the id number is not a citizen id"),
    ("id_number,kind,until\n001085012345,case,\n001-085-012-345,quarantine,2021-08-06\n",
     "watch.csv:3: the same id number as line 2"),
    ("id_number,kind,until\n001085012345,sick,\n", "watch.csv:2: kind 'sick' is not one of: case, quarantine"),
    ("id_number,kind,until\n001085012345,quarantine,\n", "watch.csv:2: a quarantine order needs its last day"),
    ("id_number,kind,until\n001085012345,quarantine,6/8/2021\n", "watch.csv:2: until '6/8/2021' is not a date"),
    ("id_number,kind,until\n001085012345,quarantine,2021-07-01\n", "watch.csv:2: the order ended on 2021-07-01"),
    ("id_number,kind,until\n001085012345,case,,extra\n", "watch.csv:2: expected 3 columns"),
])
def test_a_mistake_in_the_csv_names_the_file_and_the_line(tmp_path: Path,
                                                         root_files: tuple[keys.PrivateKey, Path, Path],
                                                         capsys: pytest.CaptureFixture[str], text: str,
                                                         error: str) -> None:
    code, out = build(tmp_path, root_files[1], text)
    assert code == 2 and error in capsys.readouterr().err and not out.exists()


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["watch-list", "--help"], ["watch-list", "build", "--help"], ["watch-list", "show", "--help"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 0
    out = capsys.readouterr().out
    assert "id_number,kind,until" in out and "docs/watch-list.md" in out
