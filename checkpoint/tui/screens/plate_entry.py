"""Starting a vehicle: the officer types its plate and ticks "freight" for a goods vehicle.

The plate is checked (:func:`checkpoint.vehicle.plate_of`: letters and digits once separators and hidden
characters are gone); one that is not Vietnamese-shaped (a foreign truck) is taken when Start is pressed a
second time. The plate is personal data: it is kept in each occupant's sealed record, never in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from checkpoint.display import rich_text
from checkpoint.tui.i18n import Texts
from checkpoint.vehicle import MAX_PLATE, is_vietnamese, plate_of


@dataclass(frozen=True)
class PlateEntry:
    plate: str  # normalised (checkpoint.lookup_keys.normalise_plate)
    freight: bool


class PlateScreen(ModalScreen[PlateEntry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, texts: Texts) -> None:
        super().__init__()
        self.texts = texts
        self._warned: str | None = None  # a non-Vietnamese plate the officer was warned about once

    def compose(self) -> ComposeResult:
        t = self.texts
        with Vertical(id="plate-box", classes="dialog"):
            yield Label(t("vehicle.title"), classes="title")
            yield Label(t("vehicle.help"))
            yield Label(t("vehicle.plate"))
            yield Input(id="plate", max_length=MAX_PLATE + 8)
            yield Checkbox(t("vehicle.freight"), id="freight")
            yield Label("", id="plate-message", classes="message")
            with Horizontal(classes="buttons"):
                yield Button(t("vehicle.start"), id="start", variant="primary")
                yield Button(t("vehicle.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#plate", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        plate = plate_of(self.query_one("#plate", Input).value)
        message = self.query_one("#plate-message", Label)
        if plate is None:
            message.update(rich_text(self.texts("vehicle.bad_plate")))
            return
        if not is_vietnamese(plate) and plate != self._warned:
            self._warned = plate
            message.update(rich_text(self.texts("vehicle.odd_plate")))
            return
        self.dismiss(PlateEntry(plate, self.query_one("#freight", Checkbox).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
