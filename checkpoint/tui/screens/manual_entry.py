"""Manual entry: the officer fills the health declaration for someone without a smartphone."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from checkpoint.display import rich_text
from checkpoint.service import ManualForm
from checkpoint.tui.i18n import Texts

FIELDS = ("name", "id_number", "birth_year", "phone", "origin", "destination", "purpose")
REQUIRED = ("name", "id_number", "birth_year")
LIMITS = {"name": 100, "id_number": 12, "birth_year": 4, "phone": 15, "origin": 100, "destination": 100,
          "purpose": 100}


def validate(values: dict[str, str], symptoms: bool, this_year: int, texts: Texts) -> ManualForm | str:
    """The form, or what is wrong with it (in the officer's language)."""
    missing = [texts(f"field.{k}") for k in REQUIRED if not values.get(k, "").strip()]
    if missing:
        return texts("manual.required", fields=", ".join(missing))
    id_number = values["id_number"].strip()
    if not (id_number.isdigit() and 9 <= len(id_number) <= 12):
        return texts("manual.bad_id")
    year = values["birth_year"].strip()
    if not (year.isdigit() and len(year) == 4 and 1900 <= int(year) <= this_year):
        return texts("manual.bad_year")
    clean = {k: " ".join(values.get(k, "").split())[: LIMITS[k]] for k in FIELDS}
    return ManualForm(clean["name"], id_number, year, clean["phone"], clean["origin"], clean["destination"],
                      clean["purpose"], symptoms)


class ManualEntryScreen(ModalScreen[ManualForm | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, texts: Texts, now: datetime) -> None:
        super().__init__()
        self.texts, self.now = texts, now

    def compose(self) -> ComposeResult:
        t = self.texts
        with VerticalScroll(id="manual-box", classes="dialog"):
            yield Label(t("manual.title"), classes="title")
            yield Label(t("manual.subtitle"))
            for key in FIELDS:
                yield Label(t(f"field.{key}") + (" *" if key in REQUIRED else ""))
                yield Input(id=f"m-{key}", max_length=LIMITS[key],
                            type="integer" if key == "birth_year" else "text")
            yield Checkbox(t("field.symptoms"), id="m-symptoms")
            yield Label("", id="manual-message", classes="message")
            with Horizontal(classes="buttons"):
                yield Button(t("manual.save"), id="save", variant="primary")
                yield Button(t("manual.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#m-name", Input).focus()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        values = {k: self.query_one(f"#m-{k}", Input).value for k in FIELDS}
        symptoms = self.query_one("#m-symptoms", Checkbox).value
        result = validate(values, symptoms, self.now.year, self.texts)
        if isinstance(result, str):
            self.query_one("#manual-message", Label).update(rich_text(result))
            return
        self.dismiss(result)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
