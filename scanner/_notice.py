"""Messages for people, as a code plus parameters plus the English text.

Every module that speaks to the officer keeps its templates in one ``MESSAGES`` dict, so a translation
layer (Vietnamese first) can map ``code`` to its own template and fill in ``params`` without parsing
English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    code: str
    text: str  # English, filled in
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str | None:
        return dict(self.params).get(key)


def notice(messages: Mapping[str, str], code: str, **params: object) -> Notice:
    """Fill in ``messages[code]`` with ``params`` (stringified) and keep both."""
    strs = {k: str(v) for k, v in params.items()}
    return Notice(code, messages[code].format(**strs), tuple(sorted(strs.items())))
