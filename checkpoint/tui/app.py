"""The station app: a small shell that wires screens, workers and messages together.

Workers: the camera loop (``run_camera`` in a thread), each check (decide + record, in a thread, one at a
time through the station service's lock), PIN checks and exports. Threads post messages; only handlers here and in
the screens touch widgets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from textual import work
from textual.timer import Timer
from textual.worker import Worker

from checkpoint.camera_state import CameraState
from checkpoint.card_parts import PartialCard
from checkpoint.decision import Decision, Grounds, Reason, Verdict, Why
from checkpoint.display import shown
from checkpoint.errors import CheckpointError
from checkpoint.formats import cccd
from checkpoint.log import LogErrorCode
from checkpoint.occupancy import DayOccupancy
from checkpoint.officers import Officer
from checkpoint.policy import Notice
from checkpoint.sdnotify import Notifier
from checkpoint.service import Outcome, Post
from checkpoint.trust import REVOCATIONS, TRUST
from checkpoint.tui import console_font
from checkpoint.tui.app_logs import AppLogs
from checkpoint.tui.i18n import Texts
from checkpoint.tui.messages import (
    CameraChanged,
    Checked,
    DispositionDone,
    IdCardRead,
    PartScanned,
    PreviewFrame,
    SyncChanged,
    TextScanned,
    WedgeProblem,
)
from checkpoint.tui.palette import AppInWords, palette_key
from checkpoint.tui.screens.manual_entry import ManualEntryScreen
from checkpoint.tui.screens.scan import ScanScreen
from checkpoint.tui.screens.sign_in import SignInScreen
from checkpoint.tui.services import Services
from checkpoint.tui.sound import Sound
from checkpoint.tui.widgets.occupancy import Occupancy, count_day
from checkpoint.tui.widgets.preview import CameraPreview
from checkpoint.tui.widgets.status_bar import Status, StatusBar
from checkpoint.tui.widgets.vehicle_card import VehicleCard, summary_text
from checkpoint.tui.widgets.verdict_panel import TECHNICAL, VerdictPanel
from checkpoint.vehicle import Occupant, Seat, Vehicle, VehicleLane
from checkpoint.words import english

log = logging.getLogger(__name__)
#: scans kept while no officer is signed in (or another screen is up), and how long one stays worth checking
MAX_PENDING = 50
PENDING_SECONDS = 60

class StationApp(AppInWords[None]):
    CSS_PATH = Path(__file__).with_name("station.tcss")
    TITLE = "Checkpoint"

    def __init__(self, services: Services, *, officer: Officer | None = None) -> None:
        super().__init__()
        self.services = services
        self.texts: Texts = services.texts
        palette_key(self, self.texts)  # ctrl+p: the footer, the search line and the commands in its words
        st = services.station.config.station
        self.lanes = services.settings.lanes or (st.lane,)
        self.officer = officer
        self.post_state = Post(officer.id if officer else None, st.lane, st.direction)
        self.camera = CameraState("none" if services.camera is None else "starting")
        self.decoder = "-"
        self.log_error: LogErrorCode | None = None
        self.sound = Sound(services.settings.sound, services.data_dir / "sounds", self.bell,
                           lambda s, f: self.set_timer(s, f))
        self.tz = services.tz
        self.scan = ScanScreen(self.texts, recent_rows=services.settings.recent_rows,
                               dispositions_on_accept=services.settings.dispositions_on_accept,
                               preview=services.settings.preview and services.camera is not None, tz=self.tz)
        self.camera_stop = threading.Event()
        self.logs = AppLogs(services.data_dir)
        self.pending: deque[tuple[float, TextScanned]] = deque(maxlen=MAX_PENDING)  # scans before sign-in
        self.outcomes: list[Outcome] = []  # shown this session, oldest first (tests, and the shift total)
        self._status_timer: Timer | None = None
        self.console_font = console_font.on_linux_console()  # TERM=linux: draw only what its font has
        self._glyphs_put_back: Callable[[], None] | None = None
        self._notice_open = False  # a policy notice is on screen (lane policy)
        self.notifier = Notifier.from_env()  # systemd: READY=1 and the watchdog pings (no-op elsewhere)
        # vehicles (F8/F9) and, at a hospital or office gate, today's occupancy (checkpoint/tui/vehicles.py)
        self.vehicles = VehicleLane(timedelta(seconds=services.settings.vehicle_timeout_seconds))
        self._lists_reload: Worker[None] | None = None  # the lists timer's reload in flight
        self.gate = st.site != "road"
        self._vehicle_timer: Timer | None = None

    def local_now(self) -> datetime:
        return self.services.clock.now().astimezone(self.tz)

    # -- start and stop --------------------------------------------------------------------------
    async def on_mount(self) -> None:
        self.logs.start()  # log lines to the data folder's app.log, never over the screen
        # 16 colours (the Linux console): the verdict colours from the console's own palette (station.tcss)
        self.set_class(self.console.color_system in ("standard", "windows"), "-ansi")
        # the Linux console's font: only the glyphs it has (station.tcss, checkpoint/tui/console_font.py)
        self.set_class(self.console_font, "-console-font")
        if self.console_font:
            self._glyphs_put_back = console_font.use_console_glyphs()
        await self.push_screen(self.scan)
        for panel in self.scan.query(VerdictPanel):
            panel.set_camera(self.camera.state)
        self._show_post()
        self.refresh_status()
        self._status_timer = self.set_interval(1.0, self.refresh_status)
        self.scan.show_occupancy(self.gate)
        if self.gate:
            self.occupancy_worker()
        self.set_interval(1.0, self.tick_vehicles)
        self.services.station.refresh_on_decide = False  # lists reload in lists_worker, off the scan path
        self.set_interval(max(0.25, self.services.station.reload_interval), self._tick_lists)
        if self.services.camera is not None:
            self.camera_worker()
        else:
            self.warm_up()
        if self.services.sync is not None:
            self.services.sync.listener = lambda status: self.post_message(SyncChanged(status))
            self.services.sync.signals = replace(self.services.sync.signals, camera=self.camera.state)
            self.sync_worker()
        if self.officer is None:
            self.ask_sign_in()
        self._tell_systemd()

    def _tell_systemd(self) -> None:
        """Ready once the scan screen is up; then a watchdog ping from the event loop itself, so a frozen
        loop (not just a dead process) gets the station restarted."""
        if not self.notifier.notify("READY=1", "STATUS=scan screen ready"):
            return
        every = self.notifier.ping_interval
        if every is not None:
            self.set_interval(every, lambda: self.notifier.notify("WATCHDOG=1"))

    def on_unmount(self) -> None:
        self.logs.stop()
        if self._glyphs_put_back is not None:
            self._glyphs_put_back()
        self.notifier.notify("STOPPING=1")
        self.camera_stop.set()
        if self.services.sync is not None:
            self.services.sync.stop()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def sync_worker(self) -> None:
        """Sync rounds until the app stops (the worker backs off by itself while the link is down)."""
        assert self.services.sync is not None
        self.services.sync.run()

    def on_sync_changed(self, message: SyncChanged) -> None:
        self.refresh_status()

    def ask_sign_in(self) -> None:
        self.push_screen(SignInScreen(self.services.officers, self.texts, tz=self.tz),
                         self._signed_in)

    def _signed_in(self, officer: Officer | None) -> None:
        if officer is None:
            self.ask_sign_in()
            return
        self.officer = officer
        self.post_state = Post(officer.id, self.post_state.lane, self.post_state.direction)
        self.services.recorder.record_action("sign_in", officer.id, {"lane": self.post_state.lane})
        self.scan.reset_shift()
        self._show_post()
        self.check_pending()

    def check_officer(self) -> None:
        """The signed-in officer removed meanwhile (the officers screen, the CLI) is signed out: no crossing is
        recorded in the name of an officer the station no longer has."""
        if self.officer is None:
            return
        try:
            self.services.officers.reload_if_changed()  # a stat; a small read when the CLI changed the file
        except CheckpointError:
            return
        if self.services.officers.get(self.officer.id) is None:
            self.sign_out()

    def sign_out(self) -> None:
        if self.officer is not None:
            self.services.recorder.record_action("sign_out", self.officer.id, {})
        self.officer = None
        self.post_state = Post(None, self.post_state.lane, self.post_state.direction)
        self._show_post()
        self.ask_sign_in()

    def _tick_lists(self) -> None:
        """A tick of the lists timer: a reload still running (a big list being verified on a slow Pi) keeps
        going and this tick is skipped, rather than a new worker cancelling it (a thread runs on anyway)."""
        if self._lists_reload is None or self._lists_reload.is_finished:
            self._lists_reload = self.lists_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lists")
    def lists_worker(self) -> None:
        """Take in lists installed by another process (``checkpoint trust install``) without a restart: the
        files are stat-ed, and a changed one verified, off the UI thread."""
        if self.services.station.refresh():
            self.call_from_thread(self.refresh_status)

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm-up")
    def warm_up(self) -> None:
        """Load the scanner package (numpy) in the background, so the first handheld scan does not wait."""
        import scanner  # noqa: F401

    # -- camera ------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="camera")
    def camera_worker(self) -> None:
        """Start the scan loop (its own threads) and wait until it ends or the app stops."""
        factory = self.services.camera
        if factory is None:
            return
        from checkpoint.camera import Camera

        try:
            camera = Camera(factory(), self.services.scanner.decoders,
                            on_text=lambda text: self.post_message(TextScanned(text, "camera")),
                            on_state=lambda s: self.post_message(CameraChanged(s)),
                            on_preview=(lambda g: self.post_message(PreviewFrame(g)))
                            if self.services.settings.preview else None,
                            debounce=self.services.scanner.debounce_seconds)
        except Exception as e:  # no decoder, a bad source: say so in the status bar, scanning by hand goes on
            self.post_message(CameraChanged(CameraState("failed", error=str(e))))
            return
        self.decoder = camera.decoder
        camera.start()
        self.camera_stop.wait()
        camera.stop()

    def on_camera_changed(self, message: CameraChanged) -> None:
        self.camera = message.state
        if message.state.state == "failed":
            log.error("camera failed: %s", message.state.error)
        for panel in self.scan.query(VerdictPanel):
            panel.set_camera(message.state.state)
        if self.services.sync is not None:  # for the heartbeat
            self.services.sync.signals = replace(self.services.sync.signals, camera=message.state.state)
        self.refresh_status()

    def on_preview_frame(self, message: PreviewFrame) -> None:
        if self.screen is self.scan and self.scan.preview_on:
            for preview in self.scan.query(CameraPreview):
                preview.set_frame(message.gray)

    # -- scans -------------------------------------------------------------------------------------
    def on_text_scanned(self, message: TextScanned) -> None:
        if cccd.looks_like(message.text) and isinstance(self.screen, ManualEntryScreen):
            self.screen.fill_from_card(message.text)  # the chip ID card fills the declaration (lane cccd)
            return
        if self.officer is None or self.screen is not self.scan:
            # never dropped silently: kept (once per text) and checked after sign-in or back on this screen
            if all(p.text != message.text for _, p in self.pending):
                self.pending.append((time.monotonic(), message))
                self.notify(self.texts("scan.pending.kept", count=len(self.pending)), severity="warning")
            return
        self.check_worker(message.text, message.source, self.take_seat())

    def on_id_card_read(self, message: IdCardRead) -> None:
        result = message.scan.result
        if message.scan.problem:  # the parser's English words: for app.log, not the screen
            log.warning("ID card: %s", shown(message.scan.problem))
        self.scan.show_id_card(message.scan, self.services.settings.verdict_seconds)
        self.sound.play("REJECT" if result in ("mismatch", "damaged") else "CHECK")

    def check_pending(self) -> None:
        """The scans kept while no officer was signed in: the recent ones are checked now, the old ones
        (the person has likely gone) are said not to be checked."""
        if self.officer is None or self.screen is not self.scan or not self.pending:
            return
        now = time.monotonic()
        kept, self.pending = list(self.pending), deque(maxlen=MAX_PENDING)
        stale = 0
        for at, message in kept:
            if now - at <= PENDING_SECONDS:
                self.check_worker(message.text, message.source, self.take_seat())
            else:
                stale += 1
        if stale:
            self.notify(self.texts("scan.pending.stale", count=stale, seconds=PENDING_SECONDS),
                        severity="error", timeout=15)

    def on_wedge_problem(self, message: WedgeProblem) -> None:
        self.notify(self.texts(f"wedge.{message.code}"), severity="error", timeout=10)
        self.sound.play("REJECT")

    @work(thread=True, exit_on_error=False, group="check")
    def check_worker(self, text: str, source: str, seat: Seat | None = None) -> None:
        if cccd.looks_like(text):  # the chip ID card: never a pass, never a crossing; compared with the lane's pass
            if seat is not None:  # not a person of the vehicle: the seat goes back (event loop)
                self.call_from_thread(self.vehicles.release, seat)
            self.post_message(IdCardRead(self.services.service.id_card(text, self.post_state)))
            return
        post = self.post_state
        try:
            outcome = self.services.service.check(text, post, source, seat)
        except Exception:  # never admit on a fault: show a REJECT the officer can act on, in the catalogue's
            # words; the exception's own words (English, technical) go to app.log only
            log.exception("could not check a scan")
            now = self.services.clock.now()  # (deciding faults come back as unevaluated outcomes)
            grounds = Grounds.of(Why.CANNOT_RECORD, error=LogErrorCode.IO)
            refusal = Decision(Verdict.REJECT, Reason.CANNOT_RECORD, english(grounds), now, grounds=grounds)
            outcome = Outcome(refusal, None, None, source, LogErrorCode.IO, seat=seat)
        if isinstance(outcome, PartialCard):
            if seat is not None:  # a part of a card is not a person yet: the seat goes back (event loop)
                self.call_from_thread(self.vehicles.release, seat)
            self.post_message(PartScanned(outcome))
        else:
            self.post_message(Checked(outcome))

    def on_part_scanned(self, message: PartScanned) -> None:
        p = message.part
        missing = ", ".join(str(i) for i in p.missing)
        self.notify(self.texts("shc.part", have=p.have, total=p.total, missing=missing), timeout=15)

    def on_checked(self, message: Checked) -> None:
        outcome = message.outcome
        g = outcome.decision.grounds
        if g is not None and g.why in TECHNICAL:  # shown as the reason's words; the technical words kept here
            log.warning("%s: %s", outcome.decision.display.value, shown(outcome.decision.detail))
        self.outcomes.append(outcome)
        self.log_error = outcome.log_error if outcome.crossing is None else None
        local = self.local_now().strftime("%H:%M:%S")
        self.scan.show_outcome(outcome, local, self.services.settings.verdict_seconds)
        self.sound.play(outcome.decision.display.value)
        self.vehicle_outcome(outcome)
        if self.services.sync is not None:
            self.services.sync.signals = replace(self.services.sync.signals, last_scan_at=self.services.clock.now())
        if self.services.sync is not None and outcome.crossing is not None:
            self.services.sync.wake()
        self.refresh_status()

    # -- dispositions (what the officer did after a verdict: one key on the scan screen) ----------
    def record_disposition(self, crossing_seq: int, code: str) -> None:
        self.disposition_worker(crossing_seq, code)

    @work(thread=True, exit_on_error=False, group="disposition")
    def disposition_worker(self, crossing_seq: int, code: str) -> None:
        """Off the check group: a scan is never held up by a disposition being recorded."""
        from checkpoint.log import LogError

        try:
            self.services.service.record_disposition(crossing_seq, code, self.post_state)
            error: str | None = None
        except LogError as e:
            error = e.code
        except Exception:
            log.exception("disposition: could not record")
            error = LogErrorCode.IO.value
        self.post_message(DispositionDone(crossing_seq, code, error))

    def on_disposition_done(self, message: DispositionDone) -> None:
        from checkpoint.tui.widgets.dispositions import DispositionBar

        bar = self.scan.query_one(DispositionBar)
        if message.error is None:
            bar.recorded(message.crossing_seq, message.code)
            if self.services.sync is not None:
                self.services.sync.wake()
        else:
            bar.failed(message.crossing_seq, self.texts.log_error(message.error))
            self.sound.play("REJECT")

    # -- keys from the scan screen ---------------------------------------------------------------
    def toggle_direction(self) -> None:
        p = self.post_state
        self.post_state = Post(p.officer_id, p.lane, "out" if p.direction == "in" else "in")
        self._show_post()

    def next_lane(self) -> None:
        p = self.post_state
        i = self.lanes.index(p.lane) if p.lane in self.lanes else -1
        self.post_state = Post(p.officer_id, self.lanes[(i + 1) % len(self.lanes)], p.direction)
        self._show_post()

    def toggle_sound(self) -> None:
        on = self.sound.toggle()
        self.notify(self.texts("sound.on" if on else "sound.off"))

    def open_manual_entry(self) -> None:
        if self.officer is None:
            return
        self.push_screen(ManualEntryScreen(self.texts, self.local_now()),
                         self._manual_done)

    def _manual_done(self, form: object) -> None:
        from checkpoint.service import ManualForm

        if isinstance(form, ManualForm):
            self.manual_worker(form, self.take_seat())

    @work(thread=True, exit_on_error=False, group="check")
    def manual_worker(self, form: object, seat: Seat | None = None) -> None:
        from checkpoint.service import ManualForm

        assert isinstance(form, ManualForm)
        detail = english(Grounds(Why.MANUAL_SYMPTOMS if form.symptoms else Why.MANUAL))  # the English detail
        self.post_message(Checked(self.services.service.manual(form, self.post_state, detail, seat)))

    def open_supervisor(self) -> None:
        self.push_screen(SignInScreen(self.services.officers, self.texts, supervisor_only=True,
                                      tz=self.tz), self._supervisor_signed_in)

    def _supervisor_signed_in(self, officer: Officer | None) -> None:
        if officer is None:
            return
        from checkpoint.tui.screens.supervisor import SupervisorScreen

        self.services.recorder.record_action("supervisor_open", officer.id, {})
        self.push_screen(SupervisorScreen(self.services, officer))

    # -- vehicles and occupancy (F8 / F9; checkpoint.vehicle, checkpoint.occupancy) ---------------------
    def take_seat(self) -> Seat | None:
        """The seat of a scan about to be decided: in the open vehicle, if any (an expired one closes first)."""
        self.tick_vehicles()
        return self.vehicles.seat(self.services.clock.now())

    def open_vehicle(self) -> None:
        if self.officer is None:
            return
        from checkpoint.tui.screens.plate_entry import PlateScreen

        self.push_screen(PlateScreen(self.texts), self._vehicle_started)

    def _vehicle_started(self, entry: object) -> None:
        from checkpoint.tui.screens.plate_entry import PlateEntry

        if not isinstance(entry, PlateEntry):
            return
        closed = self.vehicles.start(entry.plate, entry.freight, self.services.clock.now())
        if closed is not None:  # a new vehicle closes the one before: its summary as a notice
            self._say_closed(closed, notice=True)
        assert self.vehicles.open is not None
        self._stop_vehicle_timer()
        for card in self.scan.query(VehicleCard):
            card.show_open(self.vehicles.open)

    def close_vehicle(self) -> None:
        closed = self.vehicles.close(self.services.clock.now())
        if closed is not None:
            self._say_closed(closed)

    def tick_vehicles(self) -> None:
        """Every second: an open vehicle with no scan for the timeout closes; a new local day recounts."""
        closed = self.vehicles.expire(self.services.clock.now())
        if closed is not None:
            self.notify(self.texts("vehicle.timed_out", plate=closed.plate,
                                   seconds=self.services.settings.vehicle_timeout_seconds), timeout=10)
            self._say_closed(closed)
        if self.gate:
            for occ in self.scan.query(Occupancy):
                if occ.figures is not None and occ.figures.day != self.local_now().date():
                    occ.figures = None  # counted again once, in the worker
                    self.occupancy_worker()

    def _say_closed(self, v: Vehicle, *, notice: bool = False) -> None:
        """A closed vehicle's summary card (or, when a new vehicle takes the card, a notice saying the same)."""
        if notice:
            if v.verdict == "REJECT":
                self.notify(summary_text(self.texts, v), severity="error", timeout=15)
            else:
                self.notify(summary_text(self.texts, v), severity="warning" if v.verdict == "CHECK" else "information",
                            timeout=15)
            return
        for card in self.scan.query(VehicleCard):
            card.show_closed(v)
            self._stop_vehicle_timer()
            self._vehicle_timer = self.set_timer(self.services.settings.verdict_seconds * 2, card.hide)

    def _stop_vehicle_timer(self) -> None:
        if self._vehicle_timer is not None:
            self._vehicle_timer.stop()
            self._vehicle_timer = None

    def vehicle_outcome(self, outcome: Outcome) -> None:
        """An occupant's verdict joins its vehicle's card; a recorded crossing counts in today's occupancy."""
        seat = outcome.seat
        if seat is not None:
            occupant = Occupant(seat.role, outcome.decision.display.value, recorded=outcome.crossing is not None)
            v = self.vehicles.add(seat.vehicle_id, occupant, self.services.clock.now())
            if v is not None:
                for card in self.scan.query(VehicleCard):
                    card.show_open(v)
        if self.gate and outcome.crossing is not None:
            for occ in self.scan.query(Occupancy):
                occ.add(outcome.crossing)

    @work(thread=True, exclusive=True, exit_on_error=False, group="occupancy")
    def occupancy_worker(self) -> None:
        """Today's occupancy counted from the log (off the UI thread), for the local day it is now."""
        day = self.local_now().date()
        figures = count_day(self.services.recorder.log, day, self.tz)
        self.call_from_thread(self._show_occupancy, figures)

    def _show_occupancy(self, figures: DayOccupancy) -> None:
        for occ in self.scan.query(Occupancy):
            occ.set_figures(figures)

    # -- status ------------------------------------------------------------------------------------
    def _show_post(self) -> None:
        st = self.services.station.config.station
        p = self.post_state
        name = self.officer.name if self.officer else "—"
        self.scan.set_post(f"{st.name} · {st.id}", name, p.direction, p.lane)

    def current_status(self) -> Status:
        s = self.services
        t = s.station.guard.assess()
        lists = {x.kind: x for x in s.station.lists_in_force()}
        tl, rl = lists.get(TRUST), lists.get(REVOCATIONS)
        sync = s.sync.summary() if s.sync is not None else None
        return self._with_policy(Status(
            camera=self.camera.state, fps=self.camera.fps, camera_error=self.camera.error, decoder=self.decoder,
            trust_age_hours=tl.age_hours(t.effective) if tl else None,
            trust_stale_after=s.station.config.trust.stale_after_hours,
            trust_expired=tl is not None and tl.expired(t.effective),
            revocation_age_hours=rl.age_hours(t.effective) if rl else None,
            revocation_expired=rl is not None and rl.expired(t.effective),
            clock_suspect=t.suspect,
            # start-up checks (quick_check, chain walk, anchor) run in the background: show damage at once
            log_error=self.log_error or (LogErrorCode(integrity) if (integrity := s.recorder.log.integrity) in
                                         ("corrupt", "tampered", "replaced") else None),
            sync=sync[0] if sync else None, sync_queue=sync[1] if sync else 0, online=sync[2] if sync else None,
        ), t.effective)

    def _with_policy(self, status: Status, now: datetime) -> Status:
        """The centre's policy bundle for the status bar: version, age, expired, this software below its minimum."""
        policy = self.services.station.policy
        b = policy.bundle
        if b is None:
            return status
        return replace(status, policy_version=b.version, policy_age_hours=(now - b.issued).total_seconds() / 3600,
                       policy_expired=b.expired(now), policy_outdated=policy.outdated() is not None)

    # -- policy notices (lane policy): shown on arrival, acknowledged, recorded --------------------
    def offer_notice(self) -> None:
        """Show the next policy notice no officer here has acknowledged (one at a time, on the scan screen,
        to a signed-in officer; scans meanwhile are kept and checked after)."""
        if self._notice_open or self.officer is None or self.screen is not self.scan:
            return
        policy = self.services.station.policy
        bundle = policy.bundle
        pending = policy.notices.pending(bundle, self.services.clock.now())
        if bundle is None or not pending:
            return
        from checkpoint.tui.screens.notice import NoticeScreen

        notice, version = pending[0], bundle.version
        self._notice_open = True
        self.push_screen(NoticeScreen(notice, self.texts, self.tz), lambda _: self._notice_read(notice, version))

    def _notice_read(self, notice: Notice, version: int) -> None:
        self._notice_open = False
        officer = self.officer.id if self.officer else None
        self.services.recorder.record_action("policy_notice_ack", officer,  # chained first, then the station's state
                                             {"notice": notice.id, "policy_version": str(version)})
        self.services.station.policy.notices.acknowledge(notice, version, officer, self.services.clock.now())
        if self.services.sync is not None:
            self.services.sync.wake()
        self.check_pending()
        self.refresh_status()

    def refresh_status(self) -> None:
        # query, not query_one: a camera or sync message can arrive while the scan screen is still
        # composing its widgets; the periodic refresh fills the bar in a moment later.
        for bar in self.scan.query(StatusBar):
            bar.set_status(self.current_status())
        self.offer_notice()
