"""Frame sources: webcams, video files, image files, folders of images, network streams.

Every source has the same small protocol: ``open()``, ``read()`` (a :class:`Frame`, or ``None`` when a
finite source has ended), ``close()``. Failures raise :class:`SourceError` naming the device, file or URL;
:mod:`scanner._reconnect` turns those into states and retries for the live ones. ``open_source(spec)``
picks the kind from a config string.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from scanner._errors import SourceError
from scanner.frames import Frame, Image, as_image

log = logging.getLogger("scanner")

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".pgm", ".ppm"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mjpeg", ".mjpg", ".ts"})
STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://")


class FrameSource(Protocol):
    label: str  # for people and logs; never holds credentials
    live: bool  # frames arrive in real time (decode the newest, drop stale) vs every frame matters

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CaptureSettings:
    """What to ask a camera for; the driver may give something else (``CameraSource.actual``)."""

    width: int | None = 1280
    height: int | None = 720
    fps: float | None = 30.0


class _CaptureSource:
    """Shared by cameras, streams and video files: an OpenCV ``VideoCapture``."""

    label = ""
    live = True

    def __init__(self) -> None:
        self._cap: Any = None
        self._index = 0

    def _make_capture(self) -> Any:
        raise NotImplementedError

    def open(self) -> None:
        self.close()
        cap = self._make_capture()
        if cap is None or not cap.isOpened():
            if cap is not None:
                cap.release()
            raise SourceError(f"{self.label}: cannot open it ({self._hint()})")
        self._cap = cap

    def _hint(self) -> str:
        return "check it exists and is readable"

    def _grab(self) -> Image | None:
        if self._cap is None:
            raise SourceError(f"{self.label}: read before open")
        ok, img = self._cap.read()
        return as_image(img) if ok and img is not None else None

    def read(self) -> Frame | None:
        img = self._grab()
        if img is None:
            raise SourceError(f"{self.label}: no frame ({self._hint()})")
        frame = Frame(img, self._index, time.monotonic(), self.label)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class CameraSource(_CaptureSource):
    """A webcam by index (``0``) or device path (``/dev/video0``), at the requested size and rate."""

    def __init__(self, device: int | str, settings: CaptureSettings = CaptureSettings()) -> None:
        super().__init__()
        self.device = device
        self.settings = settings
        self.label = f"camera {device}"
        self.actual: tuple[int, int, float] | None = None

    def _hint(self) -> str:
        return "is the camera plugged in, and not in use by another program?"

    def _make_capture(self) -> Any:
        import cv2

        cap = cv2.VideoCapture(self.device, cv2.CAP_V4L2) if _is_linux() else cv2.VideoCapture(self.device)
        if not cap.isOpened():
            return cap
        s = self.settings
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))  # USB 2 needs MJPG for 720p at 30 fps
        if s.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, s.width)
        if s.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, s.height)
        if s.fps:
            cap.set(cv2.CAP_PROP_FPS, s.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # we want the newest frame, not a queue of old ones
        self.actual = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                       float(cap.get(cv2.CAP_PROP_FPS)))
        return cap


class StreamSource(_CaptureSource):
    """An RTSP or HTTP(S) stream (IP camera, MJPEG over HTTP) through OpenCV's FFmpeg backend."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.label = redact_url(url)

    def _hint(self) -> str:
        return "is the stream reachable from this station?"

    def _make_capture(self) -> Any:
        import cv2

        return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG)


class VideoFileSource(_CaptureSource):
    """A video file, frame by frame; with ``loop`` it starts again at the end (benchmarks, demos).
    Not live: every frame is decoded, none dropped."""

    live = False

    def __init__(self, path: str | Path, loop: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.loop = loop
        self.label = str(self.path)

    def _hint(self) -> str:
        return "is it a video file OpenCV can read?"

    def _make_capture(self) -> Any:
        import cv2

        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such video file")
        return cv2.VideoCapture(str(self.path))

    def read(self) -> Frame | None:
        img = self._grab()
        if img is None and self.loop and self._index > 0:
            import cv2

            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            img = self._grab()
        if img is None:
            return None  # the end of the file
        frame = Frame(img, self._index, time.monotonic(), self.label)
        self._index += 1
        return frame


def _read_image(path: Path) -> Image | None:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        return None
    if img.dtype != "uint8":  # 16-bit PNG/TIFF
        img = cv2.convertScaleAbs(img, alpha=255.0 / 65535.0)
    return as_image(img)


class ImageFileSource:
    """One image file as a single frame."""

    live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        self._done = False

    def open(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such image file")
        self._done = False

    def read(self) -> Frame | None:
        if self._done:
            return None
        self._done = True
        img = _read_image(self.path)
        if img is None:
            raise SourceError(f"{self.path}: not an image OpenCV can read (PNG, JPEG, WebP, BMP, TIFF)")
        return Frame(img, 0, time.monotonic(), self.label)

    def close(self) -> None:
        pass


class FolderSource:
    """The images in a folder, sorted by name, each a frame labelled with its path. Files that are not
    images are skipped with a warning; the source ends after the last image."""

    live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        self._files: list[Path] = []
        self._next = 0

    def open(self) -> None:
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: no such folder")
        self._files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        self._next = 0

    def read(self) -> Frame | None:
        while self._next < len(self._files):
            p = self._files[self._next]
            self._next += 1
            img = _read_image(p)
            if img is None:
                log.warning("%s: not an image OpenCV can read; skipped", p)
                continue
            return Frame(img, self._next - 1, time.monotonic(), str(p))
        return None

    def close(self) -> None:
        pass


def redact_url(url: str) -> str:
    """A URL without its ``user:password@`` part, fit for logs and screens."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.IGNORECASE)


def _is_linux() -> bool:
    import sys

    return sys.platform.startswith("linux")


def open_source(spec: str, settings: CaptureSettings = CaptureSettings(), loop: bool = False) -> FrameSource:
    """A source from a config string, not yet opened: ``0`` or ``/dev/video0`` (camera), ``rtsp://…`` or
    ``http(s)://…`` (stream), a folder, an image file, a video file. Raises ``SourceError`` if it cannot
    tell."""
    s = spec.strip()
    if re.fullmatch(r"\d+", s):
        return CameraSource(int(s), settings)
    if s.startswith("/dev/video"):
        return CameraSource(s, settings)
    if s.lower().startswith(STREAM_SCHEMES):
        return StreamSource(s)
    p = Path(s)
    if p.is_dir():
        return FolderSource(p)
    suffix = p.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return ImageFileSource(p)
    if suffix in VIDEO_SUFFIXES:
        return VideoFileSource(p, loop=loop)
    if not p.exists():
        raise SourceError(f"{spec}: no such file, folder or camera (give a camera index like 0, /dev/video0, "
                          "an image, a folder of images, a video file or an rtsp:// or http:// URL)")
    raise SourceError(f"{spec}: cannot tell what kind of source this is from its name "
                      f"(images: {', '.join(sorted(IMAGE_SUFFIXES))}; videos: {', '.join(sorted(VIDEO_SUFFIXES))})")
