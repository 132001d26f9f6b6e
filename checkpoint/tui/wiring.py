"""Build the app's services from a station config: the station, the log, officers, the camera."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher

from checkpoint.clock import Clock
from checkpoint.config import StationConfig
from checkpoint.datadir import prepare_data_dir
from checkpoint.errors import CheckpointError
from checkpoint.officers import OfficerPolicy, OfficerStore
from checkpoint.settings import ScannerSettings, scanner_settings, ui_settings
from checkpoint.station import Station
from checkpoint.tui.recorder import LogRecorder
from checkpoint.tui.services import Services
from checkpoint.tui.sync_link import open_sync
from scanner import FrameSource

CameraFactory = Callable[[], FrameSource]


def open_recorder(config: StationConfig, clock: Clock, data_dir: Path) -> LogRecorder:
    """The station's crossing log (``[log]`` table); a log that cannot be opened stops the start."""
    from checkpoint.log import open_station_log

    return LogRecorder(open_station_log(config, clock, data_dir, check_chain=True))


def camera_from(settings: ScannerSettings, spec: str | None = None) -> CameraFactory | None:
    """A factory for the configured source (``spec`` overrides ``[scanner] source``); None for no camera.
    The spec is checked now, so a typo stops the start with a clear error instead of a dead camera."""
    from scanner import CaptureSettings, SourceError, open_source

    source = settings.source if spec is None else spec.strip()
    if not source:
        return None
    capture = CaptureSettings(settings.width, settings.height)
    try:
        open_source(source, capture)
    except SourceError as e:
        where = "[scanner] source" if spec is None else "--camera"
        raise CheckpointError(f"{where}: {e}") from None
    return lambda: open_source(source, capture)


def build_services(config: StationConfig, clock: Clock, *, data_dir: Path | None = None,
                   camera: CameraFactory | str | None = "config", hasher: PasswordHasher | None = None,
                   sync: bool = True) -> Services:
    """``camera``: a source factory, None for no camera, or "config" for ``[scanner] source``. ``sync``: run
    the sync worker when the station is enrolled with a server."""
    settings = ui_settings(config)
    scanner = scanner_settings(config)
    data_dir = prepare_data_dir(data_dir or config.data_dir)
    station = Station(config, clock, data_dir=data_dir)
    officers = OfficerStore.open(data_dir, clock, OfficerPolicy.from_config(config), hasher)
    cam = camera_from(scanner) if camera == "config" else camera
    assert not isinstance(cam, str)
    recorder = open_recorder(config, clock, data_dir)
    link = open_sync(config, data_dir, station, clock) if sync else None
    return Services(station=station, recorder=recorder, officers=officers, settings=settings, scanner=scanner,
                    clock=clock, data_dir=data_dir, camera=cam, sync=link)



def first_run(config_path: Path, data_dir: Path, clock: Clock, language: str) -> list[str] | None:
    """Run the first-run flow (``checkpoint.tui.first_run_app``) for a station that is not set up; the
    skipped steps when it is done, None when the supervisor quit it (nothing half-written is left)."""
    from checkpoint.tui.first_run_app import FirstRunApp
    from checkpoint.tui.i18n import Texts
    from checkpoint.tui.screens.first_run_work import Setup

    return FirstRunApp(Setup(config_path, data_dir, clock), Texts(language)).run()
