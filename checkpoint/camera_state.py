"""The camera's state as the status bar shows it (kept apart from the camera module, which loads numpy
and the decoders: the app starts without them and loads them in the camera thread)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CameraState:
    state: str  # "none" / "starting" / "running" / "stopped" / "failed"
    fps: float = 0.0
    error: str | None = None
