"""Sign-in: officer id and PIN. The PIN check runs in a worker (argon2id is slow on purpose)."""

from __future__ import annotations

import logging
from datetime import UTC, tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from checkpoint.errors import CheckpointError
from checkpoint.officers import Officer, OfficerStore, SignIn
from checkpoint.tui.i18n import Texts

log = logging.getLogger(__name__)


class SignInScreen(ModalScreen[Officer | None]):
    """Dismissed with the officer who signed in; ``supervisor_only`` refuses officers (and can be cancelled,
    with its button or Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, officers: OfficerStore, texts: Texts, *, supervisor_only: bool = False,
                 tz: tzinfo = UTC) -> None:
        super().__init__()
        self.officers, self.texts, self.supervisor_only, self.tz = officers, texts, supervisor_only, tz

    def compose(self) -> ComposeResult:
        t = self.texts
        with Vertical(id="signin-box", classes="dialog"):
            yield Label(t("signin.supervisor_title" if self.supervisor_only else "signin.title"), classes="title")
            yield Label(t("signin.subtitle"))
            yield Input(placeholder=t("signin.officer_id"), id="officer-id", max_length=32)
            yield Input(placeholder=t("signin.pin"), id="pin", password=True, max_length=32)
            yield Label("", id="signin-message", classes="message")
            yield Button(t("signin.submit"), id="submit", variant="primary")
            if self.supervisor_only:
                yield Button(t("signin.cancel"), id="cancel")

    def on_mount(self) -> None:
        if len(self.officers) == 0:
            self.query_one("#signin-message", Label).update(self.texts("signin.no_officers"))
        self.query_one("#officer-id", Input).focus()

    @on(Input.Submitted, "#officer-id")
    def _next(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        officer_id = self.query_one("#officer-id", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not officer_id or not pin:
            return
        self.query_one("#submit", Button).disabled = True
        self._check(officer_id, pin)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.supervisor_only:  # the officer's own sign-in has nowhere to go back to
            self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in")
    def _check(self, officer_id: str, pin: str) -> None:
        try:
            result = self.officers.sign_in(officer_id, pin)
        except CheckpointError as e:  # the officers file unreadable: said in words, the cause in app.log
            log.error("sign-in: %s", e)
            self.app.call_from_thread(self._failed)
            return
        self.app.call_from_thread(self._answer, result)

    def _failed(self) -> None:
        self.query_one("#submit", Button).disabled = False
        self.query_one("#pin", Input).value = ""
        self.query_one("#signin-message", Label).update(self.texts("signin.error"))

    def _answer(self, result: SignIn) -> None:
        t = self.texts
        message = self.query_one("#signin-message", Label)
        self.query_one("#submit", Button).disabled = False
        pin = self.query_one("#pin", Input)
        pin.value = ""
        if result.officer is not None:
            if self.supervisor_only and not result.officer.is_supervisor:
                message.update(t("signin.not_supervisor"))
                return
            self.dismiss(result.officer)
            return
        if result.locked_until is not None:
            until = result.locked_until.astimezone(self.tz).strftime("%H:%M")
            message.update(t("signin.locked", until=until))
        else:
            message.update(t("signin.failed", left=result.tries_left))
        pin.focus()
