"""The layers hold (import-linter contracts in pyproject.toml), and the contracts can fail.

``scripts/test`` runs ``lint-imports`` on the tree; these tests show that each contract breaks on the
import it forbids (a copy of the packages with one forbidden import added per contract), that every module
of the station sits in a layer, and that the headless station loads no part of the app.
No module outside a package imports its private (``_name``) modules: checked by walking the code with ast.
"""

from __future__ import annotations

import ast
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


# Private modules (httpx style): a module named ``_x`` is an implementation detail of its package. Code outside
# that package imports from the package (``from checkpoint.log import CrossingLog``), whose ``__all__`` names what
# it offers. import-linter cannot say "any module whose name starts with an underscore", so this walks the code.
# It checks what ships (checkpoint, sync, scanner); tests and bench/ test and measure the private modules
# themselves (as httpx's own tests do) and may import them.
SHIPPED = ("checkpoint", "sync", "scanner")


def _imported(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """The dotted names an import statement reaches: ``from a.b import c`` reaches ``a.b`` and ``a.b.c``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _private_owner(name: str) -> str | None:
    """The package a private module belongs to (``checkpoint.log`` for ``checkpoint.log._store.x``), or None."""
    parts = name.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def private_imports(root: Path, tops: tuple[str, ...] = SHIPPED) -> list[str]:
    """Every import of a private module from outside its package, as ``file:line: name``."""
    found = []
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            is_package = rel.name == "__init__"
            module = ".".join(rel.parts[:-1] if is_package else rel.parts)
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                for name in _imported(module, node, is_package):
                    owner = _private_owner(name)
                    if owner is not None and not f"{module}.".startswith(f"{owner}."):
                        found.append(f"{rel}.py:{node.lineno}: {name}")
    return found


def test_no_private_module_is_imported_from_outside_its_package() -> None:
    assert private_imports(ROOT) == []


def test_the_private_module_check_fails_on_a_private_import(tmp_path: Path) -> None:
    """A copy of the shipped packages with private imports added from outside, and allowed ones inside."""
    for package in SHIPPED:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    added = {
        "checkpoint/service.py": "from checkpoint.log._store import connect",
        "sync/client.py": "import checkpoint.trust._store",
        "checkpoint/cli/scan.py": "from checkpoint.export import _engine",
        "checkpoint/camera.py": "from scanner._loop import ScanLoop",
        "checkpoint/log/_store.py": "from checkpoint.log._chain import GENESIS",  # inside its package: allowed
        "checkpoint/log/__init__.py": "from ._store import CrossingLog",  # relative, inside: allowed
        "checkpoint/export/_engine.py": "from ..log._store import connect",  # relative, outside: refused
    }
    for file, line in added.items():
        with (tmp_path / file).open("a") as f:
            f.write(f"\n{line}  # noqa\n")
    found = [x.split(": ", 1)[1] for x in private_imports(tmp_path)]
    assert sorted(found) == sorted([
        "checkpoint.log._store", "checkpoint.log._store.connect",
        "checkpoint.trust._store",
        "checkpoint.export._engine",
        "scanner._loop", "scanner._loop.ScanLoop",
        "checkpoint.log._store", "checkpoint.log._store.connect",
    ])
    every = {x.split(":", 1)[0] for x in private_imports(tmp_path)}
    assert every == {"checkpoint/service.py", "sync/client.py", "checkpoint/cli/scan.py", "checkpoint/camera.py",
                     "checkpoint/export/_engine.py"}
