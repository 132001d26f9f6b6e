"""A notice from the centre's policy bundle (docs/policy.md), shown to the officer on arrival: its severity,
its text in the station's language (the other language below), how long it holds; acknowledged with a
button (never by a stray key: the officer must have seen it). The app records the acknowledgement."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from checkpoint.display import shown
from checkpoint.policy import Notice
from checkpoint.tui.i18n import Texts


class NoticeScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "noop", show=False)]  # only the button closes it

    def __init__(self, notice: Notice, texts: Texts, tz: tzinfo) -> None:
        super().__init__()
        self.notice, self.texts, self.tz = notice, texts, tz

    def compose(self) -> ComposeResult:
        t, n = self.texts, self.notice
        first, second = (n.vi, n.en) if t.language == "vi" else (n.en, n.vi)
        with VerticalScroll(id="notice-box", classes=f"dialog notice-{n.severity}"):
            yield Label(f"{t('policy.notice.title')} · {t('policy.notice.severity.' + n.severity)}", classes="title")
            yield Label(shown(first), id="notice-text", markup=False)
            yield Label(shown(second), classes="notice-other", markup=False)
            until = n.valid_until.astimezone(self.tz)
            yield Label(t("policy.notice.valid", until=f"{until:%H:%M %d/%m/%Y}"), classes="notice-valid")
            with Horizontal(classes="buttons"):
                yield Button(t("policy.notice.ack"), id="ack", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ack", Button).focus()

    def action_noop(self) -> None:
        """Escape does not dismiss a notice: the officer acknowledges it."""

    @on(Button.Pressed, "#ack")
    def _ack(self) -> None:
        self.dismiss(True)
