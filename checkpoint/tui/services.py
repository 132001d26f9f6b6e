"""Everything the app works with, built once by the CLI (or a test) and handed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from checkpoint.clock import Clock
from checkpoint.officers import OfficerStore
from checkpoint.service import StationService
from checkpoint.settings import ScannerSettings, UISettings
from checkpoint.station import Station
from checkpoint.tui.i18n import Texts
from checkpoint.tui.recorder import LogRecorder
from checkpoint.tui.sync_link import SyncLink
from scanner import FrameSource


@dataclass
class Services:
    station: Station
    recorder: LogRecorder
    officers: OfficerStore
    settings: UISettings
    scanner: ScannerSettings
    clock: Clock
    data_dir: Path
    camera: Callable[[], FrameSource] | None = None  # None: no camera (handheld scanner only)
    sync: SyncLink | None = None  # None: the station never enrolled with a server
    export_dir: Path | None = None
    service: StationService = field(init=False)  # decide, then record: the same path as 'scan --record'

    def __post_init__(self) -> None:
        self.service = StationService(self.station, self.recorder.log)

    @property
    def tz(self) -> tzinfo:
        """Local time for the screens: ``[export] timezone`` (Asia/Ho_Chi_Minh by default); records stay UTC."""
        from checkpoint.export import export_settings

        return export_settings(self.station.config).tz

    @property
    def texts(self) -> Texts:
        return Texts(self.station.config.station.language)
