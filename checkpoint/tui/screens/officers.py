"""Officer management for supervisors: who exists, unlock a locked account, change a PIN, remove an officer
(a second press confirms), add an officer. Each change is recorded in the log's action trail."""

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
from checkpoint.officers import ID_CHARS, Officer
from checkpoint.tui.error_words import error_words
from checkpoint.tui.services import Services

#: seconds between looks at the officers file for changes made by the CLI
RELOAD_EVERY = 2.0


class OfficersScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]

    def __init__(self, services: Services, supervisor: Officer) -> None:
        super().__init__(id="officers")
        self.services, self.supervisor, self.texts = services, supervisor, services.texts
        self.removing: str | None = None  # the officer id whose removal awaits a second press

    def compose(self) -> ComposeResult:
        t = self.texts
        store = self.services.officers
        with VerticalScroll(id="off-body"):
            yield Label(t("off.title"), classes="title")
            yield Static(id="off-table")
            yield Label("", id="off-message", classes="message")  # near the top: seen at 80x24 too
            with Horizontal(classes="buttons"):
                yield Input(placeholder=t("off.id"), id="off-unlock-id", max_length=32)
                yield Button(t("off.unlock"), id="unlock")
                yield Button(t("off.remove"), id="remove", variant="error")
            with Horizontal(classes="buttons"):
                yield Input(placeholder=t("off.new_pin", min=store.policy.min_pin_length), id="off-set-pin",
                            password=True, max_length=32)
                yield Input(placeholder=t("off.pin_again"), id="off-set-pin2", password=True, max_length=32)
                yield Button(t("off.set_pin"), id="set-pin")
            yield Label(t("off.add"), classes="title")
            yield Input(placeholder=t("off.id"), id="off-id", max_length=32)
            yield Input(placeholder=t("off.name"), id="off-name", max_length=100)
            yield Input(placeholder=t("off.new_pin", min=store.policy.min_pin_length), id="off-pin",
                        password=True, max_length=32)
            yield Checkbox(t("off.role.supervisor"), id="off-supervisor")
            with Horizontal(classes="buttons"):
                yield Button(t("off.add"), id="add", variant="primary")
                yield Button(t("sup.close"), id="close")
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
            self.app.call_from_thread(self._say, self.texts("off.error", error=error_words(self.texts, e, "officers")))
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
        self.removing = None
        officer_id = self.query_one("#off-unlock-id", Input).value.strip()
        try:
            self.services.officers.unlock(officer_id)
        except CheckpointError as e:
            self._say(self.texts("off.error", error=error_words(self.texts, e, "officers")))
            return
        self.services.recorder.record_action("officer_unlock", self.supervisor.id, {"officer": officer_id})
        self._say(self.texts("off.unlocked", id=officer_id))

    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        self.removing = None
        officer_id, name = self.query_one("#off-id", Input).value.strip(), self.query_one("#off-name", Input).value
        pin = self.query_one("#off-pin", Input).value
        problem = self._add_problem(officer_id, name, pin)
        if problem:
            self._say(problem)
            return
        self._do_add(officer_id, name, pin, self.query_one("#off-supervisor", Checkbox).value)

    def _add_problem(self, officer_id: str, name: str, pin: str) -> str:
        """What is wrong with a new officer, in the catalogue's words (the store's own checks stay the rule)."""
        t, store = self.texts, self.services.officers
        if not officer_id or len(officer_id) > 32 or not set(officer_id) <= ID_CHARS:
            return t("off.bad_id")
        if not name.strip() or len(name) > 100:
            return t("off.bad_name")
        try:
            store.check_pin(pin)
        except CheckpointError:
            return t("off.pin_rule", min=store.policy.min_pin_length)
        if store.get(officer_id) is not None:
            return t("off.exists", id=officer_id)
        return ""

    @work(thread=True, exclusive=True, exit_on_error=False, group="officers")
    def _do_add(self, officer_id: str, name: str, pin: str, supervisor: bool) -> None:
        try:
            self.services.officers.add(officer_id, name, pin, supervisor=supervisor)
        except CheckpointError as e:
            self.app.call_from_thread(self._say, self.texts("off.error", error=error_words(self.texts, e, "officers")))
            return
        self.services.recorder.record_action("officer_add", self.supervisor.id,
                                             {"officer": officer_id, "role": "supervisor" if supervisor else "officer"})
        self.app.call_from_thread(self._added, officer_id)

    def _added(self, officer_id: str) -> None:
        for key in ("#off-id", "#off-name", "#off-pin"):
            self.query_one(key, Input).value = ""
        self._say(self.texts("off.added", id=officer_id))

    def _target(self) -> Officer | None:
        """The officer the id field names (its file looked at again first: the CLI may have changed it), or
        None, said on screen."""
        officer_id = self.query_one("#off-unlock-id", Input).value.strip()
        try:
            self.services.officers.reload_if_changed()
        except CheckpointError as e:
            self._say(self.texts("off.error", error=error_words(self.texts, e, "officers")))
            return None
        officer = self.services.officers.get(officer_id)
        if officer is None:
            self._say(self.texts("off.unknown", id=officer_id))
        return officer

    @on(Button.Pressed, "#remove")
    def _remove(self) -> None:
        """Supervisors only; never oneself nor the last supervisor; a second press on the same id confirms."""
        t = self.texts
        officer = self._target() if self.supervisor.is_supervisor else None
        if officer is None:
            self.removing = None
            return
        if officer.id == self.supervisor.id:
            self.removing = None
            self._say(t("off.remove_self"))
            return
        supervisors = [o for o in self.services.officers.all() if o.is_supervisor]
        if officer.is_supervisor and len(supervisors) <= 1:
            self.removing = None
            self._say(t("off.last_supervisor"))
            return
        if self.removing != officer.id:
            self.removing = officer.id
            self._say(t("off.remove_confirm", id=officer.id, name=officer.name))
            return
        self.removing = None
        self._do_remove(officer.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="officers")
    def _do_remove(self, officer_id: str) -> None:
        try:
            self.services.officers.remove(officer_id)
        except CheckpointError as e:
            self.app.call_from_thread(self._say, self.texts("off.error", error=error_words(self.texts, e, "officers")))
            return
        self.services.recorder.record_action("officer_remove", self.supervisor.id, {"officer": officer_id})
        self.app.call_from_thread(self._done, self.texts("off.removed", id=officer_id))

    @on(Button.Pressed, "#set-pin")
    def _set_pin(self) -> None:
        """A new PIN typed twice (that is its confirmation); it also unlocks the account."""
        t = self.texts
        self.removing = None
        officer = self._target() if self.supervisor.is_supervisor else None
        if officer is None:
            return
        pin, again = self.query_one("#off-set-pin", Input).value, self.query_one("#off-set-pin2", Input).value
        try:
            self.services.officers.check_pin(pin)
        except CheckpointError:
            self._say(t("off.pin_rule", min=self.services.officers.policy.min_pin_length))
            return
        if pin != again:
            self._say(t("off.pin_mismatch"))
            return
        self._do_set_pin(officer.id, pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="officers")
    def _do_set_pin(self, officer_id: str, pin: str) -> None:
        try:
            self.services.officers.set_pin(officer_id, pin)  # argon2: off the UI thread
        except CheckpointError as e:
            self.app.call_from_thread(self._say, self.texts("off.error", error=error_words(self.texts, e, "officers")))
            return
        self.services.recorder.record_action("officer_set_pin", self.supervisor.id, {"officer": officer_id})
        self.app.call_from_thread(self._done, self.texts("off.pin_set", id=officer_id))

    def _done(self, message: str) -> None:
        for key in ("#off-unlock-id", "#off-set-pin", "#off-set-pin2"):
            self.query_one(key, Input).value = ""
        self._say(message)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.app.pop_screen()
