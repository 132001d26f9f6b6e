"""The scan screen: the officer's whole day.

The verdict panel fills most of it; on the right the shift's counters, the camera preview and the last
crossings; the status bar below. Every printable key typed while this screen is up is taken as a
keyboard-wedge scanner (which types the pass and presses Enter): actions sit on function keys, so no
letter of a pass ever triggers one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label, Static

from checkpoint.display import rich_text
from checkpoint.formats import cccd
from checkpoint.formats.base45 import ALPHABET
from checkpoint.id_cards import IdCardScan
from checkpoint.service import Outcome
from checkpoint.tui.i18n import Texts
from checkpoint.tui.messages import TextScanned, WedgeProblem
from checkpoint.tui.widgets.counters import Counters
from checkpoint.tui.widgets.dispositions import DispositionBar
from checkpoint.tui.widgets.occupancy import Occupancy
from checkpoint.tui.widgets.preview import CameraPreview
from checkpoint.tui.widgets.recent import RecentCrossings
from checkpoint.tui.widgets.status_bar import StatusBar
from checkpoint.tui.widgets.vehicle_card import VehicleCard
from checkpoint.tui.widgets.verdict_panel import VerdictPanel

if TYPE_CHECKING:
    from scanner import WedgeAssembler, WedgeScan

if TYPE_CHECKING:
    from collections.abc import Callable

    from checkpoint.tui.app import StationApp

#: a pause this long ends a scan typed without Enter (a wedge types a whole pass in well under a second)
WEDGE_IDLE = 1.0
#: shorter input ended by a pause is stray keys, not a scan
MIN_SCAN = 10
#: what a wedge scan may hold without a diagnosis: Base45 (CP1, HC1) and SMART Health Cards (shc:/digits)
WEDGE_ALPHABET = frozenset(ALPHABET) | frozenset("shc:/")
#: layout classes by the screen's width and height (the styles are in station.tcss)
NARROW, COMPACT, TINY, SHORT = 120, 90, 70, 30
#: keys left out of the footer on a narrow and on a tiny screen (they still work), so the rest, sign-out
#: too, fit: sound and preview are set once; the lane shows in the line above
FOOTER_SPARE = {"f6": NARROW, "f7": NARROW, "f3": TINY, "f8": COMPACT}


class ScanScreen(Screen[None]):
    def __init__(self, texts: Texts, *, recent_rows: int, preview: bool, tz: tzinfo = UTC,
                 dispositions_on_accept: bool = False) -> None:
        super().__init__(id="scan")
        self.dispositions_on_accept = dispositions_on_accept
        self.texts, self.tz = texts, tz
        t = texts
        self._bindings.bind("f2", "toggle_direction", t("key.direction"))
        self._bindings.bind("f3", "next_lane", t("key.lane"))
        self._bindings.bind("f4", "manual_entry", t("key.manual"))
        self._bindings.bind("f5", "supervisor", t("key.supervisor"))
        self._bindings.bind("f6", "toggle_sound", t("key.sound"))
        self._bindings.bind("f7", "toggle_preview", t("key.preview"))
        self._bindings.bind("f8", "new_vehicle", t("key.vehicle"))
        # F9 is said on the vehicle card while a vehicle is open, not in the footer (which then cut F10)
        self._bindings.bind("f9", "close_vehicle", t("key.vehicle_close"), show=False)
        self._bindings.bind("f10", "sign_out", t("key.sign_out"))
        self.recent_rows = recent_rows
        self.preview_on = preview
        self._wedge: WedgeAssembler | None = None
        #: the wedge's clock (monotonic seconds) for its idle gap: tests hold it still, so a pause between keys
        #: on a loaded machine does not end a scan they type
        self.wedge_clock: Callable[[], float] = time.monotonic
        self._reset_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        t = self.texts
        with Horizontal(id="post-bar"):
            yield Label("", id="station-name")
            yield Label("", id="officer")
            yield Label("", id="direction")
            yield Label("", id="lane")
        with Horizontal(id="main"):
            yield VerdictPanel(t, self.tz, id="verdict")
            with Vertical(id="side"):
                yield Static(t("scan.counters"), classes="side-title")
                yield Counters(t, id="counters")
                yield Static(t("scan.occupancy"), classes="side-title", id="occupancy-title")
                yield Occupancy(t, self.tz, id="occupancy")
                yield Static(t("scan.preview"), classes="side-title", id="preview-title")
                yield CameraPreview(id="preview")
                yield Static(t("scan.recent"), classes="side-title")
                yield RecentCrossings(t, self.recent_rows, id="recent")
        yield DispositionBar(t, id="dispositions")
        yield VehicleCard(t, id="vehicle")
        yield StatusBar(t, id="status")
        yield Footer()

    def on_resize(self, event: Resize) -> None:
        self.lay_out(event.size.width, event.size.height)

    def lay_out(self, width: int, height: int) -> None:
        """Classes for the size (Textual has no media queries): see station.tcss."""
        narrow = width < NARROW
        self.set_class(narrow, "narrow")
        self.set_class(width < COMPACT, "compact")
        self.set_class(width < TINY, "tiny")
        self.set_class(height < SHORT, "short")
        for footer in self.query(Footer):
            footer.compact = narrow
            footer.show_command_palette = not narrow
        changed = False
        for key, below in FOOTER_SPARE.items():
            hide = width < below
            bindings = self._bindings.key_to_bindings.get(key, [])
            if any(b.show == hide for b in bindings):
                self._bindings.key_to_bindings[key] = [replace(b, show=not hide) for b in bindings]
                changed = True
        if changed:
            self.refresh_bindings()

    def on_screen_resume(self) -> None:
        self._app().check_officer()  # removed meanwhile: signed out
        self._app().check_pending()  # scans that came while a dialog was up

    def on_mount(self) -> None:
        self.lay_out(self.size.width, self.size.height)
        self._show_preview(self.preview_on)
        self.set_interval(WEDGE_IDLE / 2, self._poll_wedge)

    # -- what the app tells it -------------------------------------------------------------------
    def set_post(self, station: str, officer: str, direction: str, lane: str) -> None:
        t = self.texts
        # config strings and officer names: Text, never markup
        self.query_one("#station-name", Label).update(rich_text(station))
        self.query_one("#officer", Label).update(rich_text(f"{t('scan.officer')}: {officer}"))
        d = self.query_one("#direction", Label)
        d.update(rich_text(f"{t('scan.direction')}: {t('scan.direction.' + direction)}"))
        d.set_class(direction == "out", "-out")
        self.query_one("#lane", Label).update(rich_text(f"{t('scan.lane')}: {lane}"))

    def show_outcome(self, outcome: Outcome, local_time: str, seconds: float) -> None:
        panel = self.query_one(VerdictPanel)
        panel.show(outcome)
        counters = self.query_one(Counters)
        counters.set_counts(counters.counts.add(outcome.decision.display.value))
        self.query_one(RecentCrossings).add(outcome, local_time)
        self._offer_dispositions(outcome)
        if self._reset_timer is not None:
            self._reset_timer.stop()
        self._reset_timer = self.set_timer(seconds, panel.show_ready)

    def show_id_card(self, scan: IdCardScan, seconds: float) -> None:
        """A chip ID card (CCCD) on the verdict panel (not a crossing: counters and recent list unchanged)."""
        panel = self.query_one(VerdictPanel)
        panel.show_id_card(scan)
        if self._reset_timer is not None:
            self._reset_timer.stop()
        self._reset_timer = self.set_timer(seconds, panel.show_ready)

    def _offer_dispositions(self, outcome: Outcome) -> None:
        """The keys 1..7 for a recorded CHECK or REJECT (ACCEPT too if the station says so); else none."""
        bar = self.query_one(DispositionBar)
        display = outcome.decision.display.value
        if outcome.crossing is not None and (display != "ACCEPT" or self.dispositions_on_accept):
            bar.offer(outcome.crossing.seq)
        else:
            bar.clear()

    def _disposition_key(self, char: str) -> bool:
        """A key 1..7 while a verdict awaits its disposition and no scanner is typing: record it (in a worker)."""
        from checkpoint.crossing.disposition import KEYS

        bar = self.query_one(DispositionBar)
        if char not in KEYS or bar.crossing_seq is None or (self._wedge is not None and self._wedge.pending):
            return False
        self._app().record_disposition(bar.crossing_seq, KEYS[char].value)
        return True

    def reset_shift(self) -> None:
        from checkpoint.tui.widgets.counters import Counts

        self.query_one(Counters).set_counts(Counts())
        self.query_one(VerdictPanel).show_ready()

    def _show_preview(self, on: bool) -> None:
        self.preview_on = on
        self.query_one("#preview").display = on
        self.query_one("#preview-title").display = on

    # -- keyboard-wedge scanner ------------------------------------------------------------------
    @property
    def wedge(self) -> WedgeAssembler:
        """Made on first use: the scanner package loads numpy, which the screen need not wait for."""
        if self._wedge is None:
            from scanner import WedgeAssembler

            self._wedge = WedgeAssembler(WEDGE_ALPHABET, idle_timeout=WEDGE_IDLE)
        return self._wedge

    def on_key(self, event: Key) -> None:
        if event.key == "enter":
            chars = "\r"
        elif event.is_printable and event.character is not None:
            chars = event.character
            if self._disposition_key(chars):
                event.stop()
                return
        else:
            return
        event.stop()
        for scan in self.wedge.feed(chars, self.wedge_clock()):
            self._scanned(scan)

    def _poll_wedge(self) -> None:
        """A scanner set to send no Enter: a pause ends its scan. A few stray keys are not a scan."""
        if self._wedge is None:
            return
        scan = self._wedge.poll(self.wedge_clock())
        if scan is not None and len(scan.text) >= MIN_SCAN:
            self._scanned(scan)

    def _scanned(self, scan: WedgeScan) -> None:
        d = scan.diagnosis
        # not a pass, perhaps, but the station decides that; a chip ID card's '|' and Vietnamese letters are its own
        if d is None or d.code == "outside_alphabet" or cccd.looks_like(scan.text):
            self.app.post_message(TextScanned(scan.text, "scanner"))
        else:  # the computer mangled the keystrokes: tell the officer why; nothing to decide or record
            self.app.post_message(WedgeProblem(d.code))

    # -- actions (the app does the work) ---------------------------------------------------------
    def action_toggle_preview(self) -> None:
        self._show_preview(not self.preview_on)

    def action_toggle_direction(self) -> None:
        self._app().toggle_direction()

    def action_next_lane(self) -> None:
        self._app().next_lane()

    def action_new_vehicle(self) -> None:
        self._app().open_vehicle()

    def action_close_vehicle(self) -> None:
        self._app().close_vehicle()

    def show_occupancy(self, on: bool) -> None:
        """Today's occupancy: shown at a hospital or office gate, hidden at a road checkpoint."""
        self.query_one("#occupancy").display = on
        self.query_one("#occupancy-title").display = on

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
