"""The layers hold (import-linter contracts in pyproject.toml), and the contracts can fail.

``scripts/test`` runs ``lint-imports`` on the tree; these tests show that each contract breaks on the
import it forbids (a copy of the packages with one forbidden import added per contract), that every module
of the station sits in a layer, and that the headless station loads no part of the app.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def _contract(contract_id: str) -> dict[str, object]:
    return next(c for c in CONTRACTS if c["id"] == contract_id)


def test_the_contracts_hold() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


#: One forbidden import per contract: (file, line added, contract id).
INJECTED = [
    ("checkpoint/service.py", "import checkpoint.tui.app", "layers"),  # the service reaching up into the app
    ("checkpoint/verify.py", "import checkpoint.config", "pure-core"),  # the core reading the config
    ("checkpoint/rules.py", "import sqlite3", "pure-core"),  # the core touching storage
    ("sync/server/app.py", "import checkpoint.station", "server-apart"),  # the server using the station
    ("checkpoint/cli/officers.py", "import checkpoint.tui.app", "one-app-launcher"),  # a headless command
    ("scanner/_loop.py", "import checkpoint.model", "scanner-apart"),  # the scanner knowing passes
]


def test_each_contract_breaks_on_the_import_it_forbids(tmp_path: Path) -> None:
    for package in ("checkpoint", "sync", "scanner"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for file, line, _ in INJECTED:
        with (tmp_path / file).open("a") as f:
            f.write(f"\n{line}  # noqa\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    out = " ".join(done.stdout.split())  # the report wraps long contract names
    for file, line, contract_id in INJECTED:
        name = " ".join(str(_contract(contract_id)["name"]).split())
        assert f"{name} BROKEN" in out, (contract_id, done.stdout)
        module = file.removesuffix(".py").replace("/", ".")
        assert f"{module} -> {line.split()[1]}" in out, (contract_id, done.stdout)
    assert f"Contracts: 0 kept, {len(CONTRACTS)} broken." in done.stdout


def test_every_module_of_the_station_is_in_a_layer() -> None:
    """A new module must be placed (and so checked): one missing from the layers escapes the contract."""
    layers = " ".join(str(x) for x in _contract("layers")["layers"])  # type: ignore[union-attr]
    named = {part.strip() for part in layers.replace("|", " ").replace(":", " ").split()}
    modules = {f"checkpoint.{p.stem}" for p in (ROOT / "checkpoint").glob("*.py")} | {
        f"checkpoint.{p.parent.name}" for p in (ROOT / "checkpoint").glob("*/__init__.py")}
    assert modules - {"checkpoint.__init__", "checkpoint.__main__"} - named == set()


def test_the_headless_station_loads_no_part_of_the_app() -> None:
    """The service and the headless commands run without Textual (harlequin's check, in a fresh process)."""
    code = (
        "import sys\n"
        "import checkpoint.service, checkpoint.camera, checkpoint.officers, checkpoint.settings\n"
        "import checkpoint.cli.demo, checkpoint.cli.scan, checkpoint.cli.officers, checkpoint.cli.clock\n"
        "import checkpoint.cli.doctor\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'textual' or m.startswith('checkpoint.tui'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
