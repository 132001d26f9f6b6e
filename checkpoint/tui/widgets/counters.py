"""This shift's counts: accepted, rejected, check, total."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from checkpoint.figures import Tally
from checkpoint.tui.i18n import Texts

#: This shift's figures: the station's one definition (checkpoint.figures), as the report and exports count.
Counts = Tally


class Counters(Static):
    def __init__(self, texts: Texts, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.counts = Counts()

    def on_mount(self) -> None:
        self.set_counts(self.counts)

    def set_counts(self, counts: Counts) -> None:
        self.counts = counts
        t = self.texts
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column()
        table.add_column(justify="right", style="bold")
        table.add_row(f"[green]{t.result('ACCEPT')}[/]", str(counts.accept))
        table.add_row(f"[red]{t.result('REJECT')}[/]", str(counts.reject))
        table.add_row(f"[yellow]{t.result('CHECK')}[/]", str(counts.check))
        table.add_row(t("scan.count.total"), str(counts.total))
        self.update(table)
