"""Curated package exports: every public name resolves, importing a package loads none of its modules, a typo fails."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["checkpoint.formats", "checkpoint.trust", "checkpoint.log", "checkpoint.export", "scanner"]
LAZY = ["checkpoint.formats", "checkpoint.trust", "checkpoint.log", "checkpoint.export"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__all__ == sorted(set(package.__all__), key=package.__all__.index)  # no duplicates
    homes = getattr(package, "_HOME", {})
    for public in package.__all__:
        value = getattr(package, public)
        if public in homes:  # the very object its module defines, not a copy
            assert value is getattr(importlib.import_module(f"{name}.{homes[public]}"), public), public
        elif name in LAZY:  # a module of the package
            assert value is importlib.import_module(f"{name}.{public}"), public
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("name", LAZY)
def test_a_name_not_exported_is_an_error(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError):
        package.NoSuchName  # noqa: B018
    with pytest.raises(ImportError):
        exec(f"from {name} import NoSuchName")


def test_importing_a_package_loads_none_of_its_modules() -> None:
    """The trust package keeps X.509 (certs) and the SMART/NZ loaders out until they are asked for."""
    code = (
        "import sys\nimport checkpoint.trust, checkpoint.formats, checkpoint.log, checkpoint.export\n"
        f"print(sorted(m for m in sys.modules if m.startswith(tuple(p + '.' for p in {LAZY!r}))))\n"
        "from checkpoint.trust import TrustStore\n"
        "print(sorted(m for m in sys.modules if m.startswith('checkpoint.trust.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] == "['checkpoint.trust._store', 'checkpoint.trust.keys']"
