"""The scan screen: the officer's whole day.

The verdict panel fills most of it; on the right the shift's counters, the camera preview and the last
crossings; the status bar below. Every printable key typed while this screen is up is taken as a
keyboard-wedge scanner (which types the pass and presses Enter): actions sit on function keys, so no
letter of a pass ever triggers one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label, Static

from checkpoint.tui.i18n import Texts
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.pipeline import MAX_TEXT, Outcome
from checkpoint.tui.widgets.counters import Counters
from checkpoint.tui.widgets.preview import CameraPreview
from checkpoint.tui.widgets.recent import RecentCrossings
from checkpoint.tui.widgets.status_bar import StatusBar
from checkpoint.tui.widgets.verdict_panel import VerdictPanel

if TYPE_CHECKING:
    from checkpoint.tui.app import StationApp

#: a pause this long between keys starts a new scan (a wedge types a whole pass in well under a second)
WEDGE_GAP = 1.0


class ScanScreen(Screen[None]):
    def __init__(self, texts: Texts, *, recent_rows: int, preview: bool) -> None:
        super().__init__(id="scan")
        self.texts = texts
        t = texts
        self._bindings.bind("f2", "toggle_direction", t("key.direction"))
        self._bindings.bind("f3", "next_lane", t("key.lane"))
        self._bindings.bind("f4", "manual_entry", t("key.manual"))
        self._bindings.bind("f5", "supervisor", t("key.supervisor"))
        self._bindings.bind("f6", "toggle_sound", t("key.sound"))
        self._bindings.bind("f7", "toggle_preview", t("key.preview"))
        self._bindings.bind("f10", "sign_out", t("key.sign_out"))
        self.recent_rows = recent_rows
        self.preview_on = preview
        self._wedge: list[str] = []
        self._wedge_at = 0.0
        self._reset_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        t = self.texts
        with Horizontal(id="post-bar"):
            yield Label("", id="station-name")
            yield Label("", id="officer")
            yield Label("", id="direction")
            yield Label("", id="lane")
        with Horizontal(id="main"):
            yield VerdictPanel(t, id="verdict")
            with Vertical(id="side"):
                yield Static(t("scan.counters"), classes="side-title")
                yield Counters(t, id="counters")
                yield Static(t("scan.preview"), classes="side-title", id="preview-title")
                yield CameraPreview(id="preview")
                yield Static(t("scan.recent"), classes="side-title")
                yield RecentCrossings(t, self.recent_rows, id="recent")
        yield StatusBar(t, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_preview(self.preview_on)

    # -- what the app tells it -------------------------------------------------------------------
    def set_post(self, station: str, officer: str, direction: str, lane: str) -> None:
        t = self.texts
        self.query_one("#station-name", Label).update(station)
        self.query_one("#officer", Label).update(f"{t('scan.officer')}: {officer}")
        d = self.query_one("#direction", Label)
        d.update(f"{t('scan.direction')}: {t('scan.direction.' + direction)}")
        d.set_class(direction == "out", "-out")
        self.query_one("#lane", Label).update(f"{t('scan.lane')}: {lane}")

    def show_outcome(self, outcome: Outcome, local_time: str, seconds: float) -> None:
        panel = self.query_one(VerdictPanel)
        panel.show(outcome)
        counters = self.query_one(Counters)
        counters.set_counts(counters.counts.add(outcome.decision.display.value))
        self.query_one(RecentCrossings).add(outcome, local_time)
        if self._reset_timer is not None:
            self._reset_timer.stop()
        self._reset_timer = self.set_timer(seconds, panel.show_ready)

    def reset_shift(self) -> None:
        from checkpoint.tui.widgets.counters import Counts

        self.query_one(Counters).set_counts(Counts())
        self.query_one(VerdictPanel).show_ready()

    def _show_preview(self, on: bool) -> None:
        self.preview_on = on
        self.query_one("#preview").display = on
        self.query_one("#preview-title").display = on

    # -- keyboard-wedge scanner ------------------------------------------------------------------
    def on_key(self, event: Key) -> None:
        now = time.monotonic()
        if event.key == "enter":
            text = "".join(self._wedge).strip()
            self._wedge.clear()
            if text:
                event.stop()
                self.app.post_message(TextScanned(text, "scanner"))
            return
        if event.is_printable and event.character is not None:
            if now - self._wedge_at > WEDGE_GAP:
                self._wedge.clear()
            self._wedge_at = now
            if len(self._wedge) < MAX_TEXT:
                self._wedge.append(event.character)
            event.stop()

    # -- actions (the app does the work) ---------------------------------------------------------
    def action_toggle_preview(self) -> None:
        self._show_preview(not self.preview_on)

    def action_toggle_direction(self) -> None:
        self._app().toggle_direction()

    def action_next_lane(self) -> None:
        self._app().next_lane()

    def action_manual_entry(self) -> None:
        self._app().open_manual_entry()

    def action_supervisor(self) -> None:
        self._app().open_supervisor()

    def action_toggle_sound(self) -> None:
        self._app().toggle_sound()

    def action_sign_out(self) -> None:
        self._app().sign_out()

    def _app(self) -> StationApp:
        from checkpoint.tui.app import StationApp

        app = self.app
        assert isinstance(app, StationApp)
        return app
