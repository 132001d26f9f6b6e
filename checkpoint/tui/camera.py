"""Frame sources for the app: the simulated camera of ``checkpoint demo`` and a webcam through OpenCV.

The simulated camera shows each demo pass as a real QR image (``scanner.synthetic``: a cluttered
background, a slight tilt and sensor noise) for a second or so, then an empty scene, at a steady frame
rate, so the demo exercises the same decoder cascade and debounce a webcam does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from checkpoint.errors import CheckpointError
from scanner.frames import Frame, Image


class SimulatedCamera:
    """Plays ``texts`` as camera frames: each held ``hold`` frames, ``gap`` empty frames between.

    Frames are rendered on first use (in the camera thread). ``loop`` repeats the sequence; otherwise the
    source ends after the last one. ``fps`` 0 delivers frames as fast as they are read (tests).
    """

    label = "simulated camera"
    live = True

    def __init__(self, texts: Sequence[str | None], *, fps: float = 15.0, hold: int = 12, gap: int = 10,
                 size: tuple[int, int] = (640, 480), loop: bool = False, seed: int = 7) -> None:
        self.texts = list(texts)
        self.fps, self.hold, self.gap, self.size, self.loop, self.seed = fps, hold, gap, size, loop, seed
        self._frames: list[Image] | None = None
        self._closed = threading.Event()
        self._index = 0
        self._next_at = 0.0

    def _render(self) -> list[Image]:
        from scanner.synthetic import Distortion, make_frame

        out: list[Image] = []
        for i, text in enumerate(self.texts):
            if text is None:
                out.append(make_frame(None, self.seed + i, self.size))
                continue
            modules = _modules(text)
            px = max(2.0, min(5.0, (min(self.size) - 40) / modules))
            d = Distortion(module_px=px, perspective=0.02, noise=3.0)
            out.append(make_frame(text, self.seed + i, self.size, d))
        out.append(make_frame(None, self.seed + 1000, self.size))  # the empty scene between passes
        return out

    @property
    def length(self) -> int:
        """Frames in one run through the sequence."""
        return len(self.texts) * (self.hold + self.gap)

    def open(self) -> None:
        if self._frames is None:
            self._frames = self._render()
        self._closed.clear()
        self._next_at = time.monotonic()

    def read(self) -> Frame | None:
        frames = self._frames
        if frames is None:
            raise CheckpointError("the simulated camera is not open")
        if self._index >= self.length:
            if not self.loop:
                return None
            self._index = 0
        if self.fps > 0:
            self._next_at += 1.0 / self.fps
            delay = self._next_at - time.monotonic()
            if delay > 0 and self._closed.wait(delay):
                return None
        i = self._index
        self._index += 1
        n, k = divmod(i, self.hold + self.gap)
        image = frames[n] if k < self.hold else frames[-1]
        return Frame(image, i, time.monotonic(), self.label)

    def close(self) -> None:
        self._closed.set()


def _modules(text: str) -> int:
    import segno

    return int(segno.make_qr(text, error="m").symbol_size(scale=1, border=4)[0])


class OpenCVCamera:
    """A webcam (index like ``0`` or a device path like ``/dev/video0``) or a video file / stream URL."""

    live = True

    def __init__(self, spec: str, width: int = 1280, height: int = 720) -> None:
        self.spec = spec
        self.label = f"camera {spec}" if spec.isdigit() or spec.startswith("/dev/") else spec.split("@")[-1]
        self.width, self.height = width, height
        self._cap: object | None = None

    def open(self) -> None:
        import cv2

        cap = cv2.VideoCapture(int(self.spec) if self.spec.isdigit() else self.spec)
        if not cap.isOpened():
            cap.release()
            raise CheckpointError(f"{self.label}: cannot open (is it plugged in, or used by another program?)")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._cap = cap
        self._i = 0

    def read(self) -> Frame | None:
        cap = self._cap
        if cap is None:
            raise CheckpointError(f"{self.label}: not open")
        ok, image = cap.read()  # type: ignore[attr-defined]
        if not ok or image is None:
            raise CheckpointError(f"{self.label}: no picture (camera unplugged?)")
        self._i += 1
        return Frame(np.asarray(image, dtype=np.uint8), self._i - 1, time.monotonic(), self.label)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()  # type: ignore[attr-defined]
            self._cap = None
