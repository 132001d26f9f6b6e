"""The ``[ui]`` table of the station config (documented in ``config/station.example.toml``)."""

from __future__ import annotations

from dataclasses import dataclass

from checkpoint.config import StationConfig
from checkpoint.errors import ConfigError
from checkpoint.tui.sound import MODES

KEYS = {"verdict_seconds", "sound", "camera", "preview", "recent_rows", "lanes", "debounce_seconds",
        "utc_offset_hours"}


@dataclass(frozen=True)
class UISettings:
    verdict_seconds: int = 5  # the verdict stays this long, then the panel returns to READY
    sound: str = "bell"  # bell / system / off
    camera: str = "0"  # camera index, /dev/videoN, a video file or a stream URL; "" for no camera
    preview: bool = True  # small half-block camera preview to help aim
    recent_rows: int = 8
    lanes: tuple[str, ...] = ()  # lanes the lane key cycles through; empty: just [station] lane
    debounce_seconds: int = 3  # a pass held in view counts once; again after this long out of view
    utc_offset_hours: int = 7  # local time shown on screen (Vietnam: UTC+7); records stay UTC


def ui_settings(config: StationConfig) -> UISettings:
    t = config.section("ui")
    t.check_keys(KEYS)
    d = UISettings()
    lanes = t.strings("lanes", ())
    if any(not lane.strip() or len(lane) > 16 for lane in lanes):
        raise ConfigError("each lane must be 1 to 16 characters", path=t.path, key="ui.lanes")
    return UISettings(
        verdict_seconds=t.number("verdict_seconds", d.verdict_seconds, minimum=1, maximum=120),
        sound=t.choice("sound", MODES, d.sound),
        camera=t.get("camera", str, d.camera),
        preview=t.get("preview", bool, d.preview),
        recent_rows=t.number("recent_rows", d.recent_rows, minimum=1, maximum=50),
        lanes=lanes,
        debounce_seconds=t.number("debounce_seconds", d.debounce_seconds, minimum=1, maximum=60),
        utc_offset_hours=t.number("utc_offset_hours", d.utc_offset_hours, minimum=-12, maximum=14),
    )
