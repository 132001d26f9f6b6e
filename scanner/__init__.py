"""Frames in, QR texts out. Knows nothing of passes.

Public API (the terminal app and CLI use these; the modules behind them are free to change):

- ``open_source(spec, ...)``: a ``FrameSource`` from a config string (camera index or /dev/video*, image,
  folder, video file, rtsp/http URL); wrap it in ``Reconnecting`` for live use.
- ``Pipeline`` / ``PipelineConfig``: the decoder cascade. ``decode_image_file(path)``: texts in one image.
- ``ScanLoop``: the decoding thread (newest frame only, stop event, ``ScanEvent`` callback).
- ``Debouncer``: one event per pass held in front of the camera.
- ``WedgeAssembler`` / ``diagnose_text``: keyboard-wedge scanners and their mangled input.
- ``SerialScanner``: serial (CDC/ACM) handheld scanners.
"""

from __future__ import annotations

from scanner.decoders import Decoded, DecoderInfo
from scanner.errors import ImageUnreadable, ScannerError, SourceError
from scanner.frames import Frame
from scanner.pipeline import Pipeline, PipelineConfig, PipelineResult, decode_image_file

__all__ = [
    "Decoded",
    "DecoderInfo",
    "Frame",
    "ImageUnreadable",
    "Pipeline",
    "PipelineConfig",
    "PipelineResult",
    "ScannerError",
    "SourceError",
    "decode_image_file",
]
