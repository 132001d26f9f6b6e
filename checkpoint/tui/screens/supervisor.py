"""The supervisor screen (behind a supervisor PIN): today's figures, export, lists, sync, officers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Static

from checkpoint.tui.export_log import export_csv
from checkpoint.tui.figures import Figures, bar_chart, figures
from checkpoint.tui.i18n import Texts
from checkpoint.tui.officers import Officer
from checkpoint.tui.services import Services


class SupervisorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", show=False)]

    def __init__(self, services: Services, supervisor: Officer) -> None:
        super().__init__(id="supervisor")
        self.services, self.supervisor = services, supervisor
        self.texts: Texts = services.texts
        self.tz = timezone(timedelta(hours=services.settings.utc_offset_hours))
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        t = self.texts
        with VerticalScroll(id="sup-body"):
            yield Label(f"{t('sup.title')}: {self.supervisor.name} ({self.supervisor.id})", classes="title")
            yield Static(id="sup-figures")
            yield Static(id="sup-lists")
            yield Label("", id="sup-message", classes="message")
            with Horizontal(classes="buttons"):
                yield Button(t("sup.export"), id="export", variant="primary")
                yield Button(t("sup.sync_now"), id="sync")
                yield Button(t("sup.officers"), id="officers")
                yield Button(t("sup.close"), id="close")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_figures()

    def _today(self) -> tuple[datetime, datetime]:
        local = self.services.clock.now().astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)

    def refresh_figures(self) -> None:
        t = self.texts
        since, until = self._today()
        offset = timedelta(hours=self.services.settings.utc_offset_hours)
        f = figures(self.services.recorder.between(since, until), offset)
        self.figures = f
        self.query_one("#sup-figures", Static).update(render_figures(f, t, since))
        self.query_one("#sup-lists", Static).update(self._lists())

    def _lists(self) -> Text:
        t = self.texts
        st = self.services.station
        out = Text(t("sup.trust") + "\n", style="bold")
        if st.trust_list is not None:
            tl = st.trust_list
            out.append(t("sup.trust_line", version=tl.version, issued=f"{tl.issued.astimezone(self.tz):%d/%m %H:%M}",
                         keys=len(tl.store)) + "\n")
        else:
            out.append(t("status.trust") + ": " + t("sup.no_list") + "\n", style="red")
        if st.revocations is not None:
            rl = st.revocations
            out.append(t("sup.revocation_line", version=rl.version,
                         issued=f"{rl.issued.astimezone(self.tz):%d/%m %H:%M}", count=len(rl.ids)) + "\n")
        for p in st.problems:
            out.append(f"! {p.message}\n", style="yellow")
        return out

    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        folder = self.services.export_dir or self.services.data_dir / "exports"
        local = self.services.clock.now().astimezone(self.tz)
        path = folder / f"crossings-{self.services.station.config.station.id}-{local:%Y%m%d-%H%M%S}.csv"
        self.query_one("#export", Button).disabled = True
        self._run_export(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _run_export(self, path: Path) -> None:
        t = self.texts
        since, until = self._today()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            rows = export_csv(self.services.recorder.between(since, until), path,
                              lambda n: self.app.call_from_thread(self._say, t("sup.exporting", done=n)))
            self.services.recorder.record_action("export", self.supervisor.id,
                                                 {"file": path.name, "rows": str(rows), "personal": "no"})
        except OSError as e:
            self.app.call_from_thread(self._say, t("sup.export_failed", error=e.strerror or str(e)))
        else:
            self.exported = path
            self.app.call_from_thread(self._say, t("sup.export_done", rows=rows, path=path))
        finally:
            self.app.call_from_thread(self._enable_export)

    def _enable_export(self) -> None:
        self.query_one("#export", Button).disabled = False

    def _say(self, message: str) -> None:
        self.query_one("#sup-message", Label).update(message)

    @on(Button.Pressed, "#sync")
    def _sync(self) -> None:
        sync = self.services.sync
        if sync is None:
            self._say(self.texts("sup.sync_unavailable"))
            return
        sync.sync_now()

    @on(Button.Pressed, "#officers")
    def _officers(self) -> None:
        from checkpoint.tui.screens.officers import OfficersScreen

        self.app.push_screen(OfficersScreen(self.services, self.supervisor))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.app.pop_screen()


def render_figures(f: Figures, t: Texts, day: datetime) -> Table:
    grid = Table.grid(padding=(0, 3))
    grid.add_column()
    grid.add_column()
    counts = Table.grid(padding=(0, 1))
    counts.add_column()
    counts.add_column(justify="right", style="bold")
    counts.add_row(Text(f"{t('sup.today')} {day:%d/%m/%Y}", style="bold"), "")
    counts.add_row(f"[green]{t('sup.accepted')}[/]", str(f.accepted))
    counts.add_row(f"[red]{t('sup.rejected')}[/]", str(f.rejected))
    counts.add_row(f"[yellow]{t('scan.count.check')}[/]", str(f.check))
    counts.add_row(t("sup.duplicates"), str(f.duplicates))
    counts.add_row(t("sup.manual"), str(f.manual))
    counts.add_row(t("scan.count.total"), str(f.total))
    counts.add_row("", "")
    counts.add_row(Text(t("sup.by_reason"), style="bold"), "")
    for key, n in f.by_reason.items():
        reason, _, rule = key.partition(":")
        counts.add_row(t.reason(reason, rule or None), str(n))
    chart = Text(t("sup.per_hour") + "\n", style="bold")
    chart.append("\n".join(bar_chart(f.per_hour)) + "\n")
    chart.append(" ".join(f"{h:02}" for h in range(24)), style="dim")
    grid.add_row(counts, chart)
    return grid
