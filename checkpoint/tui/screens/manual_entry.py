"""Manual entry: the officer fills the health declaration for someone without a smartphone.

Scanning the person's chip ID card (CCCD) fills the name, id number, birth date and address (the scan
field at the top takes a handheld scanner's text; the app sends camera scans here while the form is up).
The declaration (address, places in the last 14 days, contact with a case, symptoms) is sealed with the rest.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from checkpoint.display import rich_text, shown
from checkpoint.errors import MalformedPass
from checkpoint.formats import cccd
from checkpoint.service import ManualForm
from checkpoint.tui.i18n import Texts

log = logging.getLogger(__name__)

FIELDS = ("name", "id_number", "birth_year", "phone", "address", "origin", "destination", "purpose",
          "places_visited")
REQUIRED = ("name", "id_number", "birth_year")
LIMITS = {"name": 100, "id_number": 12, "birth_year": 10, "phone": 15, "address": cccd.MAX_ADDRESS, "origin": 100,
          "destination": 100, "purpose": 100, "places_visited": 200}
CONTACTS = ("unknown", "no", "yes")
SYMPTOMS = ("fever", "cough", "breath", "throat", "taste_smell", "other")
#: the words of a field's label, where not ``field.<key>``
LABELS = {"birth_year": "field.birth_year_or_date"}


def birth(text: str, this_year: int) -> str | None:
    """A birth year (``1960``) or a date ``DD/MM/YYYY`` (as ISO ``YYYY-MM-DD``), 1900 to this year; else None."""
    text = text.strip()
    if len(text) == 4 and text.isascii() and text.isdigit():
        return text if 1900 <= int(text) <= this_year else None
    parts = text.split("/")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts) or [len(p) for p in parts] != [2, 2, 4]:
        return None
    try:
        day = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None
    return day.isoformat() if 1900 <= day.year <= this_year else None


def validate(values: dict[str, str], symptoms: bool, this_year: int, texts: Texts, *,
             symptom_list: tuple[str, ...] = (), case_contact: str = "unknown") -> ManualForm | str:
    """The form, or what is wrong with it (in the officer's language)."""
    missing = [texts(f"field.{k}") for k in REQUIRED if not values.get(k, "").strip()]
    if missing:
        return texts("manual.required", fields=", ".join(missing))
    id_number = values["id_number"].strip()
    if not (id_number.isdigit() and 9 <= len(id_number) <= 12):
        return texts("manual.bad_id")
    born = birth(values["birth_year"], this_year)
    if born is None:
        return texts("manual.bad_birth")
    clean = {k: " ".join(values.get(k, "").split())[: LIMITS[k]] for k in FIELDS}
    listed = tuple(s for s in SYMPTOMS if s in symptom_list)
    return ManualForm(clean["name"], id_number, born, clean["phone"], clean["origin"], clean["destination"],
                      clean["purpose"], symptoms or bool(listed), address=clean["address"],
                      places_visited=clean["places_visited"],
                      case_contact=case_contact if case_contact in CONTACTS else "unknown", symptom_list=listed)


class ManualEntryScreen(ModalScreen[ManualForm | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, texts: Texts, now: datetime) -> None:
        super().__init__()
        self.texts, self.now = texts, now

    def compose(self) -> ComposeResult:
        t = self.texts
        with VerticalScroll(id="manual-box", classes="dialog"):
            yield Label(t("manual.title"), classes="title")
            yield Label(t("manual.subtitle"))
            yield Input(id="m-scan", max_length=cccd.MAX_TEXT, placeholder=t("manual.scan_hint"))
            for key in FIELDS:
                yield Label(t(LABELS.get(key, f"field.{key}")) + (" *" if key in REQUIRED else ""))
                yield Input(id=f"m-{key}", max_length=LIMITS[key])
            yield Label(t("field.case_contact"))
            with RadioSet(id="m-case_contact"):
                for code in CONTACTS:
                    yield RadioButton(t(f"contact.{code}"), value=code == "unknown", id=f"m-contact-{code}")
            yield Label(t("field.symptom_list"))
            for code in SYMPTOMS:
                yield Checkbox(t(f"symptom.{code}"), id=f"m-symptom-{code}")
            yield Label("", id="manual-message", classes="message")
            with Horizontal(classes="buttons"):
                yield Button(t("manual.save"), id="save", variant="primary")
                yield Button(t("manual.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#m-scan", Input).focus()  # a handheld scan of the CCCD fills the form

    def _say(self, text: str) -> None:
        self.query_one("#manual-message", Label).update(rich_text(text))

    def fill_from_card(self, text: str) -> bool:
        """Fill the name, id number, birth date and address from a CCCD's QR text; False (and why, on the
        form) when it is not a readable card. The fields stay editable: the officer checks them."""
        try:
            card = cccd.parse(text)
        except MalformedPass as e:  # the parser's English words go to app.log, the officer reads the catalogue's
            log.warning("ID card in the manual entry: %s", shown(str(e)))
            self._say(self.texts("idcard.damaged"))
            return False
        filled = {"name": card.name, "id_number": card.id_number, "birth_year": f"{card.birth_date:%d/%m/%Y}",
                  "address": card.address}
        for key, value in filled.items():
            self.query_one(f"#m-{key}", Input).value = value[: LIMITS[key]]
        self._say(self.texts("manual.filled"))
        return True

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        values = {k: self.query_one(f"#m-{k}", Input).value for k in FIELDS}
        listed = tuple(code for code in SYMPTOMS if self.query_one(f"#m-symptom-{code}", Checkbox).value)
        pressed = self.query_one("#m-case_contact", RadioSet).pressed_button
        contact = (pressed.id or "").removeprefix("m-contact-") if pressed is not None else "unknown"
        result = validate(values, False, self.now.year, self.texts, symptom_list=listed, case_contact=contact)
        if isinstance(result, str):
            self._say(result)
            return
        self.dismiss(result)

    @on(Input.Submitted, "#m-scan")
    def _scanned(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        event.input.value = ""  # the card's text is not kept on screen
        if text.strip() and self.fill_from_card(text):
            self.query_one("#m-phone", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id != "m-scan":
            self.focus_next()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
