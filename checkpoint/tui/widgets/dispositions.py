"""The disposition bar under the verdict: after a CHECK or REJECT (and ACCEPT, if the station says so) the
officer records what happened next with one key, 1..7; the bar lists the keys, then says what was recorded.

It never holds up the next scan: the keys stay offered for the last verdict until the next one replaces it,
and a scan typed by a handheld scanner is never taken for a key (the screen checks the scanner is idle)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from checkpoint.crossing.disposition import ALERTING, KEYS
from checkpoint.display import rich_text
from checkpoint.tui.i18n import Texts


class DispositionBar(Static):
    def __init__(self, texts: Texts, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.plain = ""  # what the bar says, as plain text (tests)
        self.crossing_seq: int | None = None  # the crossing the keys record a disposition for

    def on_mount(self) -> None:
        self.clear()

    def offer(self, crossing_seq: int) -> None:
        """The keys, for this crossing (the verdict just shown)."""
        self.crossing_seq = crossing_seq
        t = self.texts
        keys = "  ".join(f"{key} {t(f'disposition.{code.value}')}" for key, code in KEYS.items())
        self._say(f"{t('disposition.title')}: {keys}", "-offered")

    def recorded(self, crossing_seq: int, code: str) -> None:
        if crossing_seq != self.crossing_seq:
            return  # a later verdict replaced it: the officer sees that one's keys
        t = self.texts
        text = t("disposition.recorded", what=t(f"disposition.{code}"))
        if code in {c.value for c in ALERTING}:
            text += f". {t('disposition.alert')}"
        self._say(text, "-recorded")

    def failed(self, crossing_seq: int, why: str) -> None:
        if crossing_seq == self.crossing_seq:
            self._say(self.texts("disposition.failed", why=why), "-failed")

    def clear(self) -> None:
        self.crossing_seq = None
        self._say("", None)
        self.display = False

    def _say(self, text: str, state: str | None) -> None:
        self.plain = text
        for s in ("-offered", "-recorded", "-failed"):
            self.set_class(s == state, s)
        self.display = bool(text)
        self.update(rich_text(text) if text else Text(""))
