"""What the first-run screen's workers do: plain blocking functions, called off the event loop.

Each goes through the station's existing code: ``checkpoint.station_setup`` (config written whole and
checked, supervisor's key), the sync client's enrolment and ``save_enrolment``, the officer store, and the
app's camera (``checkpoint.camera.Camera``: the scanner's loop and decoders) for the test scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from checkpoint.clock import Clock
from checkpoint.config import StationConfig, load_config
from checkpoint.datadir import prepare_data_dir
from checkpoint.errors import CheckpointError
from checkpoint.officers import OfficerPolicy, OfficerStore
from checkpoint.settings import scanner_settings
from checkpoint.station_setup import SealKey, install_seal_key, mark_done, read_seal_key, write_config

SourceOpener = Callable[[str], Any]  # a source spec -> a scanner FrameSource (not yet opened)


@dataclass
class Setup:
    """The station being set up: its config file (may not exist yet) and its data folder."""

    config_path: Path
    data_dir: Path
    clock: Clock
    hasher: PasswordHasher | None = None
    open_source: SourceOpener | None = None  # None: scanner.open_source with the configured capture size
    _officers: OfficerStore | None = field(default=None, init=False)

    def config(self) -> StationConfig:
        return load_config(self.config_path) if self.config_path.is_file() else StationConfig()

    def initial(self) -> tuple[str, str, str, str]:
        """What the screen shows at the start: station id, name, server URL and camera from the config,
        or the defaults where the config lacks them or cannot be read (the step that writes says why)."""
        from sync.settings import sync_settings

        d = StationConfig()
        try:
            config = self.config()
        except CheckpointError:
            return d.station.id, d.station.name, "", scanner_settings(d).source
        values = [config.station.id, config.station.name, "", scanner_settings(d).source]
        try:
            values[2] = sync_settings(config).server_url or ""
            values[3] = scanner_settings(config).source
        except CheckpointError:
            pass
        return values[0], values[1], values[2], values[3]

    @property
    def station_id(self) -> str:
        return self.config().station.id

    @property
    def station_name(self) -> str:
        return self.config().station.name

    # -- steps -------------------------------------------------------------------------------------
    def save_station(self, station_id: str, name: str) -> StationConfig:
        from sync.protocol import STATION_ID_RE

        if not STATION_ID_RE.match(station_id):
            raise CheckpointError(f"station id {station_id!r}: 1 to 64 letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit", code="station_id")
        if not name or len(name) > 80:
            raise CheckpointError("the station name must be 1 to 80 characters", code="station_name")
        prepare_data_dir(self.data_dir)
        station: dict[str, Any] = {"id": station_id, "name": name}
        if not self.config_path.is_file() and self.config_path.parent.resolve() != self.data_dir.resolve():
            station["data_dir"] = str(self.data_dir.resolve())  # so the next start finds this data folder
        return write_config(self.config_path, {"station": station})

    def enrol(self, server: str, token: str, expected_fingerprint: str) -> str:
        """Enrol with the central server (as ``checkpoint enroll``); returns the pinned key's fingerprint."""
        from sync.protocol import fingerprint, public_key_text
        from sync.settings import Enrolment, save_enrolment
        from sync.wiring import client_for

        if not server or not token:
            raise CheckpointError("give the server address and the enrolment token (or skip this step)",
                                  code="enrol_missing")
        if not server.startswith(("http://", "https://")):  # said in the catalogue's words (the client says it too)
            raise CheckpointError(f"server URL {server!r} must be http(s)://host[:port]", code="config.sync.server_url")
        config = self.config()
        station_id = config.station.id
        client = client_for(config, self.data_dir, station_id, server, self.clock)
        try:
            client.server_time()
            reply = client.enroll(token, expected_fingerprint or None)
        finally:
            client.close()
        assert client.server_key is not None  # enroll pins it or raises
        enrolled_at = str(reply.get("enrolled_at") or datetime.now(UTC).isoformat())
        save_enrolment(self.data_dir, Enrolment(server, station_id, enrolled_at, public_key_text(client.server_key)))
        return fingerprint(client.server_key)

    def _opener(self) -> SourceOpener:
        if self.open_source is not None:
            return self.open_source
        from scanner import CaptureSettings, open_source

        s = scanner_settings(self.config())
        return lambda spec: open_source(spec, CaptureSettings(s.width, s.height))

    def save_camera(self, source: str) -> StationConfig:
        """``[scanner] source``; checked first (a typo would leave a dead camera). "" is no camera."""
        from scanner import SourceError

        if source:
            try:
                self._opener()(source)
            except SourceError as e:
                raise CheckpointError(str(e), code="camera_source") from None
        return write_config(self.config_path, {"scanner": {"source": source}})

    def test_scan(self, source: str, stop: threading.Event, seconds: float,
                  on_preview: Callable[[Any], object]) -> str | None:
        """Run the station's scan loop on ``source`` until it reads a code (returned), ``stop`` is set or
        ``seconds`` pass (None)."""
        from checkpoint.camera import Camera
        from checkpoint.camera_state import CameraState
        from scanner import SourceError

        if not source:
            raise CheckpointError("type a camera (0, /dev/video0) or a video/image file first", code="camera_missing")
        try:
            frames = self._opener()(source)
        except SourceError as e:
            raise CheckpointError(str(e), code="camera_source") from None
        found: list[str] = []
        failed: list[str] = []

        def on_text(text: str) -> None:
            found.append(text)
            stop.set()

        def on_state(state: CameraState) -> None:
            if state.state == "failed" and state.error:
                failed.append(state.error)

        camera = Camera(frames, scanner_settings(self.config()).decoders, on_text=on_text, on_state=on_state,
                        on_preview=on_preview).start()
        try:
            stop.wait(seconds)
        finally:
            camera.stop()
        if not found and failed:
            raise CheckpointError(failed[-1], code="camera_failed")
        return found[0] if found else None

    def read_key(self, text: str) -> SealKey:
        return read_seal_key(text)

    def save_seal_key(self, key: SealKey) -> StationConfig:
        return install_seal_key(self.config_path, self.data_dir, key)

    def officers(self) -> OfficerStore:
        if self._officers is None:
            prepare_data_dir(self.data_dir)
            self._officers = OfficerStore.open(self.data_dir, self.clock, OfficerPolicy.from_config(self.config()),
                                               self.hasher)
        return self._officers

    def add_officer(self, officer_id: str, name: str, pin: str, supervisor: bool) -> str:
        return self.officers().add(officer_id, name, pin, supervisor=supervisor).id

    def officer_lines(self) -> list[tuple[str, str, str]]:
        """(id, name, role) of each officer: the screen says them in its language."""
        return [(o.id, o.name, o.role) for o in self.officers().all()]

    def officer_summary(self) -> tuple[int, int]:
        everyone = self.officers().all()
        return len(everyone), sum(1 for o in everyone if o.is_supervisor)

    def finish(self, skipped: list[str]) -> None:
        if not self.config_path.is_file():  # every step skipped that writes: the defaults, written down
            write_config(self.config_path, {"station": {"id": self.station_id, "name": self.station_name}})
        mark_done(self.data_dir, self.clock.now(), skipped)
