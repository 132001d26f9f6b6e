"""The first run of a station that is not set up: station, enrolment, camera, supervisor's key, officers.

One screen, one step shown at a time. Every step that touches a file, the network, the camera or argon2
runs in a thread worker (:mod:`checkpoint.tui.screens.first_run_work` holds what they call) and reports
back with ``call_from_thread``; the event loop never waits. Each write goes through the station's own
writers (``checkpoint.station_setup`` for the config, the officer store, the sync enrolment record), so
the config on disk is always whole and valid. Skippable steps say what the station then lacks; the
officers step ends only when a supervisor exists (the station cannot be run without one). Dismissed with
the list of skipped steps, or None when the supervisor quits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, ContentSwitcher, Input, Label, TextArea

from checkpoint.display import rich_text, shown
from checkpoint.station_setup import STEPS, SealKey
from checkpoint.tui.error_words import error_words
from checkpoint.tui.i18n import Texts
from checkpoint.tui.screens.first_run_work import Setup
from checkpoint.tui.widgets.preview import CameraPreview

SCAN_SECONDS = 15.0  # the test scan gives up after this long without a code


class FirstRunScreen(Screen[list[str] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "quit_setup", show=False)]

    def __init__(self, setup: Setup, texts: Texts) -> None:
        super().__init__()
        self.setup, self.texts = setup, texts
        self.step = 0
        self.skipped: list[str] = []
        self.seal_key: SealKey | None = None
        self.scan_stop = threading.Event()
        self.scanned: str | None = None
        self.initial = setup.initial()  # a few small reads of the config, once, before the screen is drawn

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        t = self.texts
        station_id, station_name, server_url, camera_source = self.initial
        with Vertical(id="first-run"):
            yield Label("", id="fr-title", classes="title")
            with ContentSwitcher(initial="station", id="fr-steps"):
                with Vertical(id="station"):
                    yield Label(t("fr.station.help"))
                    yield Input(station_id, placeholder=t("fr.station.id"), id="fr-id", max_length=64)
                    yield Input(station_name, placeholder=t("fr.station.name"), id="fr-name", max_length=80)
                with Vertical(id="enrol"):
                    yield Label(t("fr.enrol.help"))
                    yield Input(server_url, placeholder=t("fr.enrol.server"), id="fr-server", max_length=200)
                    yield Input(placeholder=t("fr.enrol.token"), id="fr-token", password=True, max_length=200)
                    yield Input(placeholder=t("fr.enrol.fingerprint"), id="fr-fingerprint", max_length=80)
                with Vertical(id="camera"):
                    yield Label(t("fr.camera.help"))
                    with Horizontal(classes="fr-row"):
                        yield Input(camera_source, placeholder=t("fr.camera.source"), id="fr-source",
                                    max_length=300)
                        yield Button(t("fr.camera.test"), id="fr-test")
                    yield CameraPreview("", id="fr-preview")
                with Vertical(id="seal"):
                    yield Label(t("fr.seal.help"))
                    yield TextArea(id="fr-key")
                    yield Button(t("fr.seal.check"), id="fr-check")
                with Vertical(id="officers"):
                    yield Label(t("fr.officers.help"))
                    with Horizontal(classes="fr-row"):
                        yield Input(placeholder=t("fr.officers.id"), id="fr-off-id", max_length=32)
                        yield Input(placeholder=t("fr.officers.name"), id="fr-off-name", max_length=80)
                    with Horizontal(classes="fr-row"):
                        yield Input(placeholder=t("fr.officers.pin"), id="fr-off-pin", password=True, max_length=32)
                        yield Checkbox(t("fr.officers.supervisor"), True, id="fr-off-sup")
                        yield Button(t("fr.officers.add"), id="fr-off-add")
                    yield Label("", id="fr-off-list")
            yield Label("", id="fr-message", classes="message")
            with Horizontal(classes="buttons"):
                yield Button(t("fr.next"), id="fr-next", variant="primary")
                yield Button(t("fr.skip"), id="fr-skip")

    def on_mount(self) -> None:
        self._show_step()

    def on_unmount(self) -> None:
        self.scan_stop.set()  # a test scan never outlives the screen

    def _show_step(self) -> None:
        name = STEPS[self.step]
        t = self.texts
        self.query_one(ContentSwitcher).current = name
        self.query_one("#fr-title", Label).update(
            t("fr.title", step=self.step + 1, steps=len(STEPS), name=t(f"fr.{name}.title")))
        next_key = {"enrol": "fr.enrol.do", "seal": "fr.seal.save", "officers": "fr.finish"}.get(name, "fr.next")
        button = self.query_one("#fr-next", Button)
        button.label = t(next_key)
        button.refresh(layout=True)  # its width follows the new words
        self.query_one("#fr-skip", Button).display = name in ("enrol", "camera", "seal")
        self._say("")
        self._busy(False)
        if name == "officers":
            self._list_officers()
        first = {"station": "#fr-id", "enrol": "#fr-token", "camera": "#fr-source", "seal": "#fr-key",
                 "officers": "#fr-off-id"}[name]
        self.query_one(first).focus()

    def _say(self, text: str, *, ok: bool = False) -> None:
        label = self.query_one("#fr-message", Label)
        label.update(rich_text(text))  # may quote what was typed or read: sanitised, never parsed as markup
        label.set_class(ok, "fr-ok")

    def _busy(self, busy: bool) -> None:
        for b in self.query(Button):
            b.disabled = busy

    # -- buttons -----------------------------------------------------------------------------------
    @on(Button.Pressed, "#fr-next")
    @on(Input.Submitted, "#fr-name, #fr-fingerprint")
    def _next(self) -> None:
        name = STEPS[self.step]
        if name == "station":
            sid, sname = self._value("#fr-id"), self._value("#fr-name")
            self._do(lambda: self.setup.save_station(sid, sname), lambda _: self._advance())
        elif name == "enrol":
            server, token, fp = self._value("#fr-server"), self._value("#fr-token"), self._value("#fr-fingerprint")
            self._say(self.texts("fr.enrol.working"))
            self._do(lambda: self.setup.enrol(server, token, fp), self._enrolled)
        elif name == "camera":
            source = self._value("#fr-source")
            self._do(lambda: self.setup.save_camera(source), lambda _: self._advance())
        elif name == "seal":
            if self.seal_key is None:
                self._check_key()
                return
            key = self.seal_key
            self._do(lambda: self.setup.save_seal_key(key), lambda _: self._advance())
        else:
            self._do(self.setup.officer_summary, self._finish)

    @on(Button.Pressed, "#fr-skip")
    def _skip(self) -> None:
        name = STEPS[self.step]
        self.scan_stop.set()
        if name == "camera":  # no camera: the handheld scanner only
            self._do(lambda: self.setup.save_camera(""), lambda _: self._skipped(name))
        else:
            self._skipped(name)

    def _skipped(self, name: str) -> None:
        self.skipped.append(name)
        self.notify(self.texts(f"fr.{name}.skipped"), severity="warning", timeout=8)
        self._advance()

    def _advance(self) -> None:
        self.scan_stop.set()
        if self.step < len(STEPS) - 1:
            self.step += 1
            self._show_step()

    def _enrolled(self, fingerprint: object) -> None:
        self.notify(self.texts("fr.enrol.done", fingerprint=str(fingerprint)), timeout=12)
        self._advance()

    def _finish(self, summary: object) -> None:
        supervisors = summary[1] if isinstance(summary, tuple) else 0
        if not supervisors:
            self._busy(False)
            self._say(self.texts("fr.officers.need_supervisor"))
            return
        self._do(lambda: self.setup.finish(self.skipped), self._finished)

    def _finished(self, _: object) -> None:
        self.dismiss(list(self.skipped))

    def action_quit_setup(self) -> None:
        self.scan_stop.set()
        self.dismiss(None)

    # -- supervisor key ----------------------------------------------------------------------------
    @on(Button.Pressed, "#fr-check")
    def _check_key(self) -> None:
        text = self.query_one("#fr-key", TextArea).text
        self._do(lambda: self.setup.read_key(text), self._key_read)

    @on(TextArea.Changed, "#fr-key")
    def _key_changed(self) -> None:
        self.seal_key = None  # a changed key must be checked (and its fingerprint read) again

    def _key_read(self, key: object) -> None:
        assert isinstance(key, SealKey)
        self.seal_key = key
        self._say(self.texts("fr.seal.fingerprint", fingerprint=key.fingerprint), ok=True)

    # -- officers ----------------------------------------------------------------------------------
    @on(Button.Pressed, "#fr-off-add")
    @on(Input.Submitted, "#fr-off-pin")
    def _add_officer(self) -> None:
        oid, name, pin = self._value("#fr-off-id"), self._value("#fr-off-name"), self.query_one("#fr-off-pin",
                                                                                                  Input).value
        supervisor = self.query_one("#fr-off-sup", Checkbox).value
        self._do(lambda: self.setup.add_officer(oid, name, pin, supervisor), self._officer_added)

    def _officer_added(self, officer_id: object) -> None:
        for wid in ("#fr-off-id", "#fr-off-name", "#fr-off-pin"):
            self.query_one(wid, Input).value = ""
        self.query_one("#fr-off-sup", Checkbox).value = False
        self._say(self.texts("off.added", id=shown(officer_id)), ok=True)
        self._list_officers()
        self.query_one("#fr-off-id").focus()

    def _list_officers(self) -> None:
        self._do(self.setup.officer_lines, self._show_officers, quiet=True)

    def _show_officers(self, lines: object) -> None:
        assert isinstance(lines, list)
        t = self.texts
        rows = [t("fr.officers.line", id=shown(oid), name=shown(name), role=t(f"off.role.{role}"))
                for oid, name, role in lines]
        self.query_one("#fr-off-list", Label).update(Text("\n".join(rows)))

    # -- camera ------------------------------------------------------------------------------------
    @on(Button.Pressed, "#fr-test")
    @on(Input.Submitted, "#fr-source")
    def _test_scan(self) -> None:
        self.scan_stop.set()
        self.scan_stop = threading.Event()
        self.scanned = None
        self._say(self.texts("fr.camera.looking"))
        self.test_scan_worker(self._value("#fr-source"), self.scan_stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="first-run-camera")
    def test_scan_worker(self, source: str, stop: threading.Event) -> None:
        """Open the source, show its frames in the preview and decode them through the station's scanner
        pipeline until a code is read, the supervisor moves on, or ``SCAN_SECONDS`` pass."""
        preview = self.query_one("#fr-preview", CameraPreview)
        try:
            text = self.setup.test_scan(source, stop, SCAN_SECONDS,
                                        lambda gray: self.app.call_from_thread(preview.set_frame, gray))
        except Exception as e:  # a bad source or no decoder: say so; the supervisor can choose another
            self.app.call_from_thread(self._say, self.texts("fr.error", error=error_words(self.texts, e, "test scan")))
            return
        if stop.is_set() and text is None:
            return
        self.app.call_from_thread(self._scan_result, text)

    def _scan_result(self, text: str | None) -> None:
        self.scanned = text
        if text is None:
            self._say(self.texts("fr.camera.nothing", seconds=int(SCAN_SECONDS)))
        else:
            self._say(self.texts("fr.camera.read", text=shown(text[:60])), ok=True)

    # -- workers -----------------------------------------------------------------------------------
    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _do(self, job: Callable[[], Any], then: Callable[[Any], None], *, quiet: bool = False) -> None:
        """Run ``job`` in a thread worker; ``then`` its result on the event loop, or show its error."""
        if not quiet:
            self._busy(True)
        self.step_worker(job, then, quiet)

    @work(thread=True, exit_on_error=False, group="first-run")
    def step_worker(self, job: Callable[[], Any], then: Callable[[Any], None], quiet: bool) -> None:
        try:
            result = job()
        except Exception as e:  # every failure is shown, in words the supervisor can act on
            self.app.call_from_thread(self._failed, e)
            return
        self.app.call_from_thread(self._done, then, result, quiet)

    def _done(self, then: Callable[[Any], None], result: Any, quiet: bool) -> None:
        if not quiet:
            self._busy(False)
        then(result)

    def _failed(self, e: Exception) -> None:
        self._busy(False)
        self._say(self.texts("fr.error", error=error_words(self.texts, e, f"first run: {STEPS[self.step]}")))
