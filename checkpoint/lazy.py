"""Lazy package exports (PEP 562): a package names its public API in ``__all__`` and where each name lives;
a name's module is imported on first use, so importing the package loads none of its modules.

Each of ``checkpoint.formats``, ``.trust``, ``.log`` and ``.export`` ends with::

    if not TYPE_CHECKING:  # type checkers see the plain imports above
        __getattr__, __dir__ = lazy_exports(__name__, _HOME, globals(), __all__)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any


def lazy_exports(package: str, home: Mapping[str, str], namespace: MutableMapping[str, Any],
                 public: Sequence[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``: ``home`` maps each exported name to the module
    of the package that defines it; a loaded name is kept in ``namespace`` (the package's globals)."""

    def __getattr__(name: str) -> Any:
        where = home.get(name)
        if where is None:  # a submodule not imported yet (``from package import module``), or a typo
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{where}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__
