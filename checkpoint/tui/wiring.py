"""Build the app's services from a station config: the station, the log, officers, camera, decoder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher

from checkpoint.clock import Clock
from checkpoint.config import StationConfig
from checkpoint.station import Station
from checkpoint.tui.officers import OfficerPolicy, OfficerStore
from checkpoint.tui.pipeline import Decode, FrameFeed, scanner_decode
from checkpoint.tui.recorder import LogRecorder
from checkpoint.tui.services import Services
from checkpoint.tui.settings import ui_settings

log = logging.getLogger(__name__)


def open_recorder(config: StationConfig, clock: Clock, data_dir: Path) -> LogRecorder:
    """The station's crossing log (``[log]`` table); a log that cannot be opened stops the start."""
    from checkpoint.log.settings import open_station_log

    return LogRecorder(open_station_log(config, clock, data_dir))


def camera_from_spec(spec: str) -> Callable[[], FrameFeed] | None:
    if not spec:
        return None
    from checkpoint.tui.camera import OpenCVCamera

    return lambda: OpenCVCamera(spec)


def build_services(config: StationConfig, clock: Clock, *, data_dir: Path | None = None,
                   camera: Callable[[], FrameFeed] | str | None = "config",
                   decode: Callable[[], Decode] | None = None, recorder: LogRecorder | None = None,
                   hasher: PasswordHasher | None = None) -> Services:
    """``camera``: a source factory, None for no camera, or "config" for ``[ui] camera``."""
    settings = ui_settings(config)
    data_dir = data_dir or config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    station = Station(config, clock, data_dir=data_dir)
    officers = OfficerStore.open(data_dir, clock, OfficerPolicy.from_config(config), hasher)
    cam = camera_from_spec(settings.camera) if camera == "config" else camera
    assert not isinstance(cam, str)
    return Services(
        station=station, recorder=recorder or open_recorder(config, clock, data_dir), officers=officers, settings=settings,
        clock=clock, data_dir=data_dir, camera=cam, decode=decode or scanner_decode,
    )
