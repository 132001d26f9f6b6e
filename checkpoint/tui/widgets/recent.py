"""The last crossings: time, verdict, reason. No names here: the list stays on screen between people."""

from __future__ import annotations

from collections import deque

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from checkpoint.display import rich_text
from checkpoint.service import Outcome
from checkpoint.tui.i18n import Texts

STYLE = {"ACCEPT": "green", "REJECT": "red", "CHECK": "yellow"}


class RecentCrossings(Static):
    def __init__(self, texts: Texts, rows: int = 8, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.items: deque[tuple[str, str, str, str]] = deque(maxlen=rows)

    def on_mount(self) -> None:
        self._redraw()

    def add(self, outcome: Outcome, local_time: str) -> None:
        d = outcome.decision
        t = self.texts
        why = t.reason(d.reason.value, d.rule) if d.reason else ""
        if not why and d.flags:
            why = ", ".join(t.flag_short(f.value) for f in sorted(d.flags))  # as an export's notes say them
        tail = (outcome.card.masked_id or "")[-4:] if outcome.card else ""
        self.items.appendleft((local_time, d.display.value, tail, why))
        self._redraw()

    def _redraw(self) -> None:
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True, min_width=8)
        table.add_column(no_wrap=True, min_width=8)
        table.add_column(style="dim", no_wrap=True, min_width=4)
        table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
        for when, display, tail, why in self.items:
            table.add_row(Text(when), Text(self.texts("verdict." + display), style=f"bold {STYLE[display]}"),
                          rich_text(tail), rich_text(why))
        self.update(table)
