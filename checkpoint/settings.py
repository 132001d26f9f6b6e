"""The ``[ui]`` and ``[scanner]`` tables of the station config (documented in ``config/station.example.toml``).

Parsed here, outside the app, because ``checkpoint doctor`` and ``checkpoint run`` check them without
loading Textual; the app (``checkpoint.tui``) reads them through :func:`ui_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkpoint.config import StationConfig
from checkpoint.errors import ConfigError

UI_KEYS = {"verdict_seconds", "sound", "preview", "recent_rows", "lanes", "vehicle_timeout_seconds",
           "dispositions_on_accept"}
SCANNER_KEYS = {"source", "decoders", "debounce_seconds", "width", "height"}
DECODERS = ("zxing", "zbar", "opencv")
MODES = ("bell", "system", "off")  # [ui] sound: how the app sounds a verdict (checkpoint.tui.sound)


@dataclass(frozen=True)
class UISettings:
    verdict_seconds: int = 5  # the verdict stays this long, then the panel returns to READY
    sound: str = "bell"  # bell / system / off
    preview: bool = True  # small half-block camera preview to help aim
    recent_rows: int = 8
    lanes: tuple[str, ...] = ()  # lanes the lane key cycles through; empty: just [station] lane
    vehicle_timeout_seconds: int = 120  # an open vehicle with no scan for this long is closed (checkpoint.vehicle)
    dispositions_on_accept: bool = False  # the disposition keys 1..7 after ACCEPT too (always after CHECK/REJECT)


@dataclass(frozen=True)
class ScannerSettings:
    source: str = "0"  # camera index, /dev/videoN, a video file, a folder of images or a stream URL; "" for none
    decoders: tuple[str, ...] = DECODERS  # the first available runs on every frame, the others as fallbacks
    debounce_seconds: int = 3  # a pass held in view counts once; again after this long out of view
    width: int = 1280  # what to ask the camera for (it may give something else)
    height: int = 720


def ui_settings(config: StationConfig) -> UISettings:
    t = config.section("ui")
    t.check_keys(UI_KEYS)
    d = UISettings()
    lanes = t.strings("lanes", ())
    if any(not lane.strip() or len(lane) > 16 for lane in lanes):
        raise ConfigError("each lane must be 1 to 16 characters", path=t.path, key="ui.lanes")
    return UISettings(
        verdict_seconds=t.number("verdict_seconds", d.verdict_seconds, minimum=1, maximum=120),
        sound=t.choice("sound", MODES, d.sound),
        preview=t.get("preview", bool, d.preview),
        recent_rows=t.number("recent_rows", d.recent_rows, minimum=1, maximum=50),
        lanes=lanes,
        vehicle_timeout_seconds=t.number("vehicle_timeout_seconds", d.vehicle_timeout_seconds, minimum=10,
                                         maximum=3600),
        dispositions_on_accept=t.get("dispositions_on_accept", bool, d.dispositions_on_accept),
    )


def scanner_settings(config: StationConfig) -> ScannerSettings:
    t = config.section("scanner")
    t.check_keys(SCANNER_KEYS)
    d = ScannerSettings()
    decoders = t.strings("decoders", d.decoders, allowed=DECODERS)
    if not decoders:
        raise ConfigError("needs at least one decoder", path=t.path, key="scanner.decoders")
    return ScannerSettings(
        source=t.get("source", str, d.source).strip(),
        decoders=decoders,
        debounce_seconds=t.number("debounce_seconds", d.debounce_seconds, minimum=1, maximum=60),
        width=t.number("width", d.width, minimum=160, maximum=7680),
        height=t.number("height", d.height, minimum=120, maximum=4320),
    )
