"""Frames in, QR texts out. Knows nothing of passes.

Public API (the terminal app and CLI use these; the modules behind them are free to change):

- ``open_source(spec, ...)``: a ``FrameSource`` from a config string (camera index or /dev/video*, image,
  folder, video file, rtsp/http URL); wrap it in ``Reconnecting`` for live use.
- ``Pipeline`` / ``PipelineConfig``: the decoder cascade. ``decode_image_file(path)``: texts in one image.
- ``ScanLoop``: the decoding thread (newest frame only, stop event, ``ScanEvent`` callback).
- ``Debouncer``: one event per pass held in front of the camera.
- ``WedgeAssembler`` / ``diagnose_text``: keyboard-wedge scanners and their mangled input.
- ``SerialScanner``: serial (CDC/ACM) handheld scanners.

Public modules: ``sources``, ``decoders``, ``frames`` and ``synthetic`` (the app's camera, ``doctor`` and the
CLI's folder scan use names from them beyond the list above); the others (``_pipeline``, ``_loop``, ...) are
private: import their names from here.
"""

from __future__ import annotations

from scanner._debounce import Debouncer
from scanner._errors import ImageUnreadable, ScannerError, SourceError
from scanner._loop import ScanLoop, ScanResult
from scanner._notice import Notice
from scanner._pipeline import Pipeline, PipelineConfig, PipelineResult, decode_image_file
from scanner._reconnect import ReconnectBackoff, Reconnecting, SourceState, SourceStatus
from scanner._serial_source import SerialScan, SerialScanner
from scanner._wedge import Diagnosis, WedgeAssembler, WedgeScan, diagnose_text
from scanner.decoders import Decoded, DecoderInfo
from scanner.frames import Frame
from scanner.sources import CameraSource, CaptureSettings, FrameSource, open_source

__all__ = [
    "CameraSource",
    "CaptureSettings",
    "Debouncer",
    "Decoded",
    "DecoderInfo",
    "Diagnosis",
    "Frame",
    "FrameSource",
    "ImageUnreadable",
    "Notice",
    "Pipeline",
    "PipelineConfig",
    "PipelineResult",
    "ReconnectBackoff",
    "Reconnecting",
    "ScanLoop",
    "ScanResult",
    "ScannerError",
    "SerialScan",
    "SerialScanner",
    "SourceError",
    "SourceState",
    "SourceStatus",
    "WedgeAssembler",
    "WedgeScan",
    "decode_image_file",
    "diagnose_text",
    "open_source",
]
