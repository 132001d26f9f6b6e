"""The vehicle card: the open vehicle (plate, people so far, who to scan next), then its summary once closed.

One line under the verdict panel, hidden when no vehicle is open or just closed. The summary says the
vehicle's own verdict (its worst occupant's: any REJECT, else any CHECK) in that verdict's colour, and how
many of its people were accepted, to check and rejected (styles in station.tcss).
"""

from __future__ import annotations

from textual.widgets import Static

from checkpoint.display import rich_text
from checkpoint.tui.i18n import Texts
from checkpoint.vehicle import Vehicle

STATES = ("open", "accept", "check", "reject", "empty")


class VehicleCard(Static):
    def __init__(self, texts: Texts, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.state: str | None = None  # None: hidden; else one of STATES

    def on_mount(self) -> None:
        self.display = False

    def _set(self, state: str | None, text: str = "") -> None:
        self.state = state
        for s in STATES:
            self.set_class(s == state, f"-{s}")
        self.update(rich_text(text))  # the plate was typed by a person: Text, never markup
        self.display = state is not None

    def show_open(self, v: Vehicle) -> None:
        t = self.texts
        self._set("open", t("vehicle.open", plate=v.plate, freight=t("vehicle.freight_mark") if v.freight else "",
                            people=len(v.occupants), role=t(f"vehicle_role.{v.next_role}").lower()))

    def show_closed(self, v: Vehicle) -> None:
        self._set(v.verdict.lower() if v.verdict else "empty", summary_text(self.texts, v))

    def hide(self) -> None:
        self._set(None)

    @property
    def plain(self) -> str:
        return str(self.render())


def summary_text(t: Texts, v: Vehicle) -> str:
    """A closed vehicle in one line: its verdict (the worst of its people's) and how many were what."""
    if v.verdict is None:
        return t("vehicle.closed_empty", plate=v.plate)
    c = v.counts
    return t("vehicle.closed", plate=v.plate, verdict=t(f"verdict.{v.verdict}"), people=len(v.occupants),
             accepted=c["ACCEPT"], checks=c["CHECK"], rejected=c["REJECT"])
