"""The supervisor screen (behind a supervisor PIN): today's figures, export, lists, sync, officers.

Figures come from ``checkpoint.report.summarize`` over the log's rows (the same numbers as ``checkpoint
report``); the export is ``checkpoint.export`` (CSV with a signed manifest). Personal data stays sealed in
an export made here: the supervisor's private key never sits on the station, so opening personal data is
``checkpoint export --key`` on the supervisor's own machine.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, ProgressBar, Static

from checkpoint.display import rich_text
from checkpoint.officers import Officer
from checkpoint.report.aggregate import Summary
from checkpoint.tui.error_words import error_words
from checkpoint.tui.i18n import Texts
from checkpoint.tui.services import Services

CHART_ROWS = 6


class SupervisorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]

    def __init__(self, services: Services, supervisor: Officer) -> None:
        super().__init__(id="supervisor")
        self.services, self.supervisor = services, supervisor
        self.texts: Texts = services.texts
        self.tz = services.tz
        self.exported: Path | None = None
        self.summary: Summary | None = None
        self.reset_armed = False  # the clock reset asks a second press

    def compose(self) -> ComposeResult:
        t = self.texts
        with VerticalScroll(id="sup-body"):
            yield Label(rich_text(f"{t('sup.title')}: {self.supervisor.name} ({self.supervisor.id})"), classes="title")
            yield Static(id="sup-figures")
            yield Static(id="sup-lists")
            yield Static(id="sup-station-key")
            yield Label("", id="sup-message", classes="message")
            yield ProgressBar(id="sup-progress", show_eta=False)
            with Horizontal(classes="buttons"):
                yield Button(t("sup.export"), id="export", variant="primary")
                yield Button(t("sup.sync_now"), id="sync")
                yield Button(t("sup.officers"), id="officers")
                yield Button(t("sup.clock_reset"), id="clock-reset")
                yield Button(t("sup.close"), id="close")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sup-progress").display = False
        self.refresh_figures()
        self.set_interval(1.0, self.refresh_lists)  # a list installed meanwhile shows within a second
        self.query_one("#sup-station-key", Static).update(self.texts("sup.station_key",
                                                                     fingerprint=self.station_fingerprint()))

    def station_fingerprint(self) -> str:
        """The station key's fingerprint, as ``checkpoint station fingerprint`` prints it (a supervisor pins it
        to check this station's exports elsewhere)."""
        from checkpoint.fingerprint import fingerprint
        from checkpoint.station_keys import load_or_create_station_key

        return fingerprint(load_or_create_station_key(self.services.data_dir).public_key())

    def refresh_lists(self) -> None:
        self.query_one("#sup-lists", Static).update(self._lists())

    def _today(self) -> tuple[datetime, datetime]:
        local = self.services.clock.now().astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + timedelta(days=1)

    def refresh_figures(self) -> None:
        from checkpoint.export import LogRows
        from checkpoint.report import summarize

        since, until = self._today()
        with LogRows(self.services.recorder.log.path, since=since, until=until) as rows:
            st = self.services.station.config.station
            self.summary = summarize(rows, tz=self.tz, station_id=st.id, station_name=st.name,
                                     generated_at=self.services.clock.now(), since=since, until=until)
        self.query_one("#sup-figures", Static).update(
            render_figures(self.summary, self.texts, since, whole=getattr(self.app, "console_font", False)))
        self.query_one("#sup-lists", Static).update(self._lists())

    def _lists(self) -> Text:
        t = self.texts
        st = self.services.station
        now = st.guard.assess()
        out = Text(t("sup.trust") + "\n", style="bold")
        if st.trust_list is not None:
            tl = st.trust_list
            out.append(t("sup.trust_line", version=tl.version, issued=f"{tl.issued.astimezone(self.tz):%d/%m %H:%M}",
                         keys=len(tl.store)) + "\n")
            self._expired(out, tl.expires, now.effective)
        else:
            out.append(t("status.trust") + ": " + t("sup.no_list") + "\n", style="red")
        if st.revocations is not None:
            rl = st.revocations
            out.append(t("sup.revocation_line", version=rl.version,
                         issued=f"{rl.issued.astimezone(self.tz):%d/%m %H:%M}", count=len(rl.ids)) + "\n")
            self._expired(out, rl.expires, now.effective)
        else:
            out.append(t("status.revocations") + ": " + t("sup.no_list") + "\n", style="yellow")
        pb = st.policy.bundle  # lane policy: the centre's policy bundle in force
        if pb is not None:
            out.append(t("sup.policy_line", version=pb.version, issued=f"{pb.issued.astimezone(self.tz):%d/%m %H:%M}",
                         levels=len(pb.levels), rules=len(pb.rules)) + "\n")
            self._expired(out, pb.expires, now.effective)
        mark = f"{now.high_water.astimezone(self.tz):%d/%m/%Y %H:%M}" if now.high_water else "—"
        out.append(t("sup.clock_line", system=f"{now.system.astimezone(self.tz):%d/%m/%Y %H:%M}", mark=mark) + "\n")
        if now.suspect:
            out.append(t("sup.clock_suspect") + "\n", style="red")
        for p in st.problems:  # the catalogue's words by the problem's source; its English message is in app.log
            out.append(f"! {problem_words(t, p.source)}\n", style="yellow")
        return out

    def _expired(self, out: Text, expires: datetime, now: datetime) -> None:
        if now >= expires:
            out.append("  " + self.texts("sup.expired", expires=f"{expires.astimezone(self.tz):%d/%m/%Y %H:%M}") + "\n",
                       style="bold red")

    # -- export ------------------------------------------------------------------------------------
    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        folder = self.services.export_dir or self.services.data_dir / "exports"
        local = self.services.clock.now().astimezone(self.tz)
        path = folder / f"crossings-{self.services.station.config.station.id}-{local:%Y%m%d-%H%M%S}.csv"
        self.query_one("#export", Button).disabled = True
        self.query_one("#sup-progress").display = True
        self._run_export(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _run_export(self, path: Path) -> None:
        from checkpoint.export import CrossingFilter, ExportError, ExportRequest, Format, LogRows, export, tz_label
        from checkpoint.station_keys import load_or_create_station_key

        t = self.texts
        s = self.services
        since, until = self._today()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            request = ExportRequest(path, Format.CSV, self.tz, tz_label(self.tz, since),
                                    CrossingFilter(since=since, until=until), t.language)
            with LogRows(s.recorder.log.path, since=since, until=until) as rows:
                result = export(rows, request, station_id=s.station.config.station.id,
                                station_key=load_or_create_station_key(s.data_dir), clock=s.clock,
                                exported_by=self.supervisor.id, total=rows.count(), chain_head=rows.head(),
                                progress=lambda done, total: self.app.call_from_thread(self._progress, done, total))
            s.recorder.record_action("export", self.supervisor.id,
                                     {"file": path.name, "rows": str(result.rows), "personal": result.personal})
        except (ExportError, OSError) as e:  # said in the catalogue's words; the English detail goes to app.log
            self.app.call_from_thread(self._say, t("sup.export_failed", error=error_words(t, e, "export")))
        else:
            self.exported = result.path
            self.app.call_from_thread(self._say, t("sup.export_done", rows=result.rows, path=result.path))
        finally:
            self.app.call_from_thread(self._export_finished)

    def _progress(self, done: int, total: int | None) -> None:
        self.query_one("#sup-progress", ProgressBar).update(total=total, progress=done)
        self._say(self.texts("sup.exporting", done=done))

    def _export_finished(self) -> None:
        self.query_one("#export", Button).disabled = False
        self.query_one("#sup-progress").display = False

    def _say(self, message: str) -> None:
        self.query_one("#sup-message", Label).update(rich_text(message))  # may quote a server or a path

    # -- the rest ----------------------------------------------------------------------------------
    @on(Button.Pressed, "#sync")
    def _sync(self) -> None:
        sync = self.services.sync
        if sync is None:
            self._say(self.texts("sup.sync_unavailable"))
            return
        sync.wake()
        status = sync.status
        if status is not None and status.retry_in is not None and status.state.value != "synced":
            self._say(self.texts("sup.sync_retry", seconds=f"{status.retry_in:.0f}"))
        else:
            self._say(self.texts("sup.sync_started"))

    @on(Button.Pressed, "#officers")
    def _officers(self) -> None:
        from checkpoint.tui.screens.officers import OfficersScreen

        self.app.push_screen(OfficersScreen(self.services, self.supervisor))

    @on(Button.Pressed, "#clock-reset")
    def _clock_reset(self) -> None:
        """Set the trusted-time mark to the system clock: a second press confirms; recorded in the log first."""
        from checkpoint.clockguard import correct_mark
        from checkpoint.errors import CheckpointError

        t = self.texts
        guard = self.services.station.guard
        system = guard.clock.now()
        if not self.reset_armed:
            self.reset_armed = True
            self._say(t("sup.clock_confirm", system=f"{system.astimezone(self.tz):%d/%m/%Y %H:%M:%S}"))
            return
        self.reset_armed = False
        try:
            old, new = correct_mark(guard, self.services.recorder.log.record_action, self.supervisor.id, system, "app")
        except CheckpointError as e:
            self._say(t("sup.clock_failed", error=error_words(t, e, "clock reset")))
            return
        when = "%d/%m/%Y %H:%M"
        self._say(t("sup.clock_done", old=f"{old.astimezone(self.tz):{when}}" if old else "—",
                    new=f"{new.astimezone(self.tz):{when}}" if new else "—"))
        self.refresh_lists()
        self.app.refresh_status()  # type: ignore[attr-defined]

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.app.pop_screen()


#: the station problems' sources name the list (``sync trust list``, ``config watch list``, ``policy bundle time``...)
LISTS = (("trust list", "list.trust"), ("revocation list", "list.revocations"), ("watch list", "list.watch"),
         ("policy", "list.policy"))


def problem_words(t: Texts, source: str) -> str:
    """A station problem (checkpoint.station.Problems) in the catalogue's words, by its source: which list, and
    whether the server's copy was refused or the list's time is ahead; the English message is in app.log."""
    if source == "policy software version":
        return t("sup.problem.software")
    what = next((key for name, key in LISTS if name in source), "list.other")
    kind = "server" if source.startswith("sync ") else "time" if source.endswith(" time") else "other"
    return t(f"sup.problem.{kind}", what=t(what))


def render_figures(s: Summary, t: Texts, day: datetime, *, whole: bool = False) -> Table:
    """``whole``: the chart in whole cells (the Linux console's font has no eighth blocks)."""
    grid = Table.grid(padding=(0, 3))
    grid.add_column()
    grid.add_column()
    counts = Table.grid(padding=(0, 1))
    counts.add_column()
    counts.add_column(justify="right", style="bold")
    counts.add_row(Text(f"{t('sup.today')} {day:%d/%m/%Y}", style="bold"), "")
    counts.add_row(f"[green]{t.result('ACCEPT')}[/]", str(s.accepted))
    counts.add_row(f"[yellow]{t.result('CHECK')}[/]", str(s.checks))
    counts.add_row(f"[red]{t.result('REJECT')}[/]", str(s.rejected))
    counts.add_row(t("figure.duplicates"), str(s.duplicates))
    counts.add_row(t("figure.manual"), str(s.manual))
    counts.add_row(t("scan.count.total"), str(s.total))
    counts.add_row("", "")
    counts.add_row(Text(t("sup.by_reason"), style="bold"), "")
    for reason, n in s.by_reason:
        counts.add_row(t.reason(reason, short=True), str(n))
    hours = [h.total for h in s.by_hour]
    chart = Text(t("sup.per_hour") + "\n", style="bold")
    chart.append("\n".join(bar_chart(hours, CHART_ROWS, whole=whole)) + "\n")
    chart.append(" ".join(f"{h.start.hour:02}" for h in s.by_hour), style="dim")
    grid.add_row(counts, chart)
    return grid


def bar_chart(values: list[int], height: int, *, whole: bool = False) -> list[str]:
    """A column chart in block characters, one two-cell column per value, ``height`` rows (top row first);
    ``whole``: in whole cells only."""
    top = max(values, default=0) or 1
    eighths = " " * 4 + "█" * 5 if whole else " ▁▂▃▄▅▆▇█"  # whole: a cell at least half full is full
    rows = []
    for level in range(height, 0, -1):
        cells = []
        for v in values:
            filled = v / top * height - (level - 1)
            cells.append(eighths[max(0, min(8, round(filled * 8)))] * 2)
        rows.append(" ".join(cells))
    return rows
