"""The camera side of the app: the scanner's loop wired to callbacks, and the demo's simulated camera.

:func:`start_camera` runs ``scanner.ScanLoop`` (reconnecting source, newest-frame decoding, its own
threads) with a ``Debouncer``, and reports plain values: each new text, the camera state with a frame
rate, and now and then a small frame for the preview. The callbacks run on scanner threads: the app
posts them on as messages.

:class:`SimulatedCamera` shows each demo pass as a real QR image (``scanner.synthetic``: a cluttered
background, a slight tilt, sensor noise) for a while, then an empty scene, at a steady frame rate, so the
demo exercises the same decoders and debounce a webcam does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from checkpoint.camera_state import CameraState
from scanner import (
    Debouncer,
    FrameSource,
    Pipeline,
    PipelineConfig,
    Reconnecting,
    ScanLoop,
    ScanResult,
    SourceError,
    SourceState,
    SourceStatus,
)
from scanner.frames import Frame, Image, to_gray

MAX_TEXT = 8192  # a pass is a few hundred characters; anything far longer is not one

#: the scanner's source states, as the status bar words them
STATES = {SourceState.CONNECTING: "starting", SourceState.LIVE: "running", SourceState.LOST: "failed",
          SourceState.ENDED: "stopped", SourceState.STOPPED: "stopped"}


class PreviewTap:
    """A frame source that hands a frame to ``on_preview`` at most every ``every`` seconds, then passes it on."""

    def __init__(self, source: FrameSource, on_preview: Callable[[Image], object], every: float = 0.25) -> None:
        self.source, self.on_preview, self.every = source, on_preview, every
        self.label, self.live = source.label, source.live
        self._last = 0.0

    def open(self) -> None:
        self.source.open()

    def read(self) -> Frame | None:
        frame = self.source.read()
        now = time.monotonic()
        if frame is not None and now - self._last >= self.every:
            self._last = now
            self.on_preview(to_gray(frame.image))
        return frame

    def close(self) -> None:
        self.source.close()


#: images a second from a folder used as the camera (a video file plays at its own frame rate)
FOLDER_FPS = 2.0
#: a video file's rate when it names none (or an absurd one)
VIDEO_FPS = 25.0


def file_rate(source: FrameSource) -> float | None:
    """The rate a file source is played at, or None for a source that paces itself (a camera, a stream,
    the demo's simulated camera)."""
    from scanner.sources import FolderSource, VideoFileSource

    if isinstance(source, FolderSource):
        return FOLDER_FPS
    if isinstance(source, VideoFileSource):
        import cv2

        cap = cv2.VideoCapture(str(source.path))
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        finally:
            cap.release()
        return fps if 0.0 < fps <= 240.0 else VIDEO_FPS
    return None


class PacedSource:
    """A file source read at ``fps`` frames a second, as a camera would deliver it: a folder or a video
    used as the camera is not read through in a moment (while the officer is still signing in)."""

    def __init__(self, source: FrameSource, fps: float, *, sleep: Callable[[float], object] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.source, self.period, self._sleep, self._clock = source, 1.0 / fps, sleep, clock
        self.label, self.live = source.label, source.live
        self._next: float | None = None

    def open(self) -> None:
        self.source.open()
        self._next = None

    def read(self) -> Frame | None:
        now = self._clock()
        if self._next is not None and self._next > now:
            self._sleep(self._next - now)
        self._next = max(now, self._next or now) + self.period
        return self.source.read()

    def close(self) -> None:
        self.source.close()


class Camera:
    """A running scan loop and what it has reported; ``stop()`` ends it."""

    def __init__(self, source: FrameSource, decoders: tuple[str, ...], *, on_text: Callable[[str], object],
                 on_state: Callable[[CameraState], object], on_preview: Callable[[Image], object] | None = None,
                 debounce: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.pipeline = Pipeline(PipelineConfig(decoders=decoders))
        self.decoder = self.pipeline.active[0].name
        self._on_text, self._on_state, self._clock = on_text, on_state, clock
        self._debounce = Debouncer(debounce)
        self._lock = threading.Lock()
        self._frames, self._since, self._state = 0, clock(), "starting"
        rate = file_rate(source)
        fed: FrameSource = PacedSource(source, rate) if rate is not None else source
        fed = PreviewTap(fed, on_preview) if on_preview is not None else fed
        self.loop = ScanLoop(Reconnecting(fed, on_status=self._status), self._result, self.pipeline,
                             on_error=self._error)

    def start(self) -> Camera:
        self.loop.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        return self.loop.stop(timeout)

    def _status(self, status: SourceStatus) -> None:
        self._state = STATES[status.state]
        self._on_state(CameraState(self._state, error=status.error))

    def _error(self, e: BaseException) -> None:
        self._on_state(CameraState("failed", error=str(e)))

    def _result(self, result: ScanResult) -> None:
        now = self._clock()
        for text in self._debounce.feed(result.texts, now):
            if len(text) <= MAX_TEXT:
                self._on_text(text)
        with self._lock:
            self._frames += 1
            elapsed = now - self._since
            if elapsed >= 1.0:
                fps, self._frames, self._since = self._frames / elapsed, 0, now
            else:
                return
        self._on_state(CameraState(self._state, fps=fps))


class SimulatedCamera:
    """Plays ``texts`` as camera frames: each held ``hold`` frames, ``gap`` empty frames between.

    Frames are rendered on first ``open`` (in the camera thread). ``loop`` repeats the sequence; otherwise
    the source ends after the last one. ``fps`` 0 delivers frames as fast as they are read; ``live`` False
    makes the scan loop decode every frame in order (the headless demo and tests).
    """

    def __init__(self, texts: Sequence[str | None], *, fps: float = 15.0, hold: int = 12, gap: int = 10,
                 size: tuple[int, int] = (640, 480), loop: bool = False, live: bool = True, seed: int = 7) -> None:
        self.label = "simulated camera"
        self.live = live
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
            px = max(2.0, min(5.0, (min(self.size) - 40) / _modules(text)))
            out.append(make_frame(text, self.seed + i, self.size, Distortion(module_px=px, perspective=0.02,
                                                                               noise=3.0)))
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
            raise SourceError(f"{self.label}: not open")
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
        return Frame(frames[n] if k < self.hold else frames[-1], i, time.monotonic(), self.label)

    def close(self) -> None:
        self._closed.set()


def _modules(text: str) -> int:
    import segno

    return int(segno.make_qr(text, error="m").symbol_size(scale=1, border=4)[0])
