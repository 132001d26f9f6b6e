"""Officer management for supervisors: who exists, unlock a locked account, add an officer."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from checkpoint.display import rich_text
from checkpoint.errors import CheckpointError
from checkpoint.officers import Officer
from checkpoint.tui.services import Services

#: seconds between looks at the officers file for changes made by the CLI
RELOAD_EVERY = 2.0


class OfficersScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", show=False)]

    def __init__(self, services: Services, supervisor: Officer) -> None:
        super().__init__(id="officers")
        self.services, self.supervisor, self.texts = services, supervisor, services.texts

    def compose(self) -> ComposeResult:
        t = self.texts
        store = self.services.officers
        with VerticalScroll(id="off-body"):
            yield Label(t("off.title"), classes="title")
            yield Static(id="off-table")
            with Horizontal(classes="buttons"):
                yield Input(placeholder=t("off.id"), id="off-unlock-id", max_length=32)
                yield Button(t("off.unlock"), id="unlock")
            yield Label(t("off.add"), classes="title")
            yield Input(placeholder=t("off.id"), id="off-id", max_length=32)
            yield Input(placeholder=t("off.name"), id="off-name", max_length=100)
            yield Input(placeholder=t("off.new_pin", min=store.policy.min_pin_length), id="off-pin",
                        password=True, max_length=32)
            yield Checkbox(t("off.role.supervisor"), id="off-supervisor")
            with Horizontal(classes="buttons"):
                yield Button(t("off.add"), id="add", variant="primary")
                yield Button(t("sup.close"), id="close")
            yield Label("", id="off-message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self._refresh()
        self.set_interval(RELOAD_EVERY, self._reload)

    @work(thread=True, exclusive=True, exit_on_error=False, group="officers-reload")
    def _reload(self) -> None:
        """The CLI (``checkpoint officers unlock`` and the rest) changes the same file: show its changes."""
        try:
            changed = self.services.officers.reload_if_changed()
        except CheckpointError as e:
            self.app.call_from_thread(self._say, self.texts("off.error", error=e))
            return
        if changed:
            self.app.call_from_thread(self._refresh)

    def _refresh(self) -> None:
        t = self.texts
        now = self.services.clock.now()
        table = Table(t("off.id"), t("off.name"), t("off.role"), t("off.status"))
        for o in self.services.officers.all():
            locked = o.locked_at(now) is not None
            table.add_row(rich_text(o.id), rich_text(o.name), Text(t(f"off.role.{o.role}")),
                          Text(t("off.locked"), style="red") if locked else Text(t("off.active")))
        self.query_one("#off-table", Static).update(table)

    def _say(self, message: str) -> None:
        self.query_one("#off-message", Label).update(rich_text(message))  # quotes what was typed
        self._refresh()

    @on(Button.Pressed, "#unlock")
    def _unlock(self) -> None:
        officer_id = self.query_one("#off-unlock-id", Input).value.strip()
        try:
            self.services.officers.unlock(officer_id)
        except CheckpointError as e:
            self._say(self.texts("off.error", error=e))
            return
        self.services.recorder.record_action("officer_unlock", self.supervisor.id, {"officer": officer_id})
        self._say(self.texts("off.unlocked", id=officer_id))

    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        self._do_add(self.query_one("#off-id", Input).value.strip(), self.query_one("#off-name", Input).value,
                     self.query_one("#off-pin", Input).value, self.query_one("#off-supervisor", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="officers")
    def _do_add(self, officer_id: str, name: str, pin: str, supervisor: bool) -> None:
        try:
            self.services.officers.add(officer_id, name, pin, supervisor=supervisor)
        except CheckpointError as e:
            self.app.call_from_thread(self._say, self.texts("off.error", error=e))
            return
        self.services.recorder.record_action("officer_add", self.supervisor.id,
                                             {"officer": officer_id, "role": "supervisor" if supervisor else "officer"})
        self.app.call_from_thread(self._added, officer_id)

    def _added(self, officer_id: str) -> None:
        for key in ("#off-id", "#off-name", "#off-pin"):
            self.query_one(key, Input).value = ""
        self._say(self.texts("off.added", id=officer_id))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.app.pop_screen()
