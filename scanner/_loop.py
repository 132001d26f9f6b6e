"""The scanning thread: frames in, one ``ScanResult`` per decoded frame out, until stopped.

For a live source (camera, stream) a grabber thread reads frames as fast as they come and keeps only
the newest; the decoder thread always takes the newest one, so a slow frame never builds a backlog of
stale ones (``dropped`` counts the frames skipped). For files and folders every frame is decoded in
order. Results go to a callback (called on the decoder thread: a UI posts them on, e.g. Textual's
``call_from_thread``), source state changes to another. ``stop()`` ends both threads promptly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from scanner._errors import SourceError
from scanner._pipeline import Pipeline
from scanner._reconnect import Reconnecting
from scanner.decoders import Decoded
from scanner.frames import Frame

log = logging.getLogger("scanner")


@dataclass(frozen=True)
class ScanResult:
    source: str  # frame's source label (a file path for folders)
    frame_index: int
    frame_time: float  # time.monotonic() at capture
    codes: tuple[Decoded, ...]
    timings: tuple[tuple[str, float], ...]  # (stage, ms) inside the pipeline
    decode_ms: float  # pipeline time for this frame
    total_ms: float  # capture to result: waiting for the decoder plus decoding
    dropped: int  # live sources: stale frames skipped since the previous result

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.codes)


class _NewestSlot:
    """Holds one frame; a newer one replaces it. ``take`` blocks until there is one or it is closed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._dropped = 0
        self._closed = False

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._frame is not None:
                self._dropped += 1
            self._frame = frame
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def take(self) -> tuple[Frame, int] | None:
        with self._cond:
            while self._frame is None and not self._closed:
                self._cond.wait()
            if self._frame is None:
                return None
            frame, dropped = self._frame, self._dropped
            self._frame, self._dropped = None, 0
            return frame, dropped


class ScanLoop:
    """Run ``source`` through ``pipeline`` on background threads; ``on_result`` gets every decoded frame."""

    def __init__(
        self,
        source: Reconnecting,
        on_result: Callable[[ScanResult], None],
        pipeline: Pipeline | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        thorough: bool = False,
    ) -> None:
        """``thorough``: try every fallback on every frame (still images, where time is not short)."""
        self.source = source
        self.thorough = thorough
        self.on_result = on_result
        self.on_error = on_error
        self._pipeline = pipeline
        self.stop_event = threading.Event()
        self.finished = threading.Event()  # set when the source ended or the loop stopped
        self._slot = _NewestSlot()
        self._threads: list[threading.Thread] = []

    def start(self) -> ScanLoop:
        if self.source.live:
            self._threads = [threading.Thread(target=self._grab, name="scan-grab", daemon=True),
                             threading.Thread(target=self._decode_newest, name="scan-decode", daemon=True)]
        else:
            self._threads = [threading.Thread(target=self._decode_all, name="scan-decode", daemon=True)]
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Stop, and wait up to ``timeout`` for the threads; True when they have ended. A grabber blocked
        in a driver read ends when that read returns (within a frame time for a working camera); it must
        be waited for before the process exits, or OpenCV aborts at interpreter shutdown."""
        self.stop_event.set()
        self._slot.close()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the threads; True when they have all ended."""
        for t in self._threads:
            t.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def _pipeline_here(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline()
        return self._pipeline

    def _fail(self, e: BaseException) -> None:
        log.error("scanner: %s", e)
        if self.on_error is not None:
            self.on_error(e)

    def _grab(self) -> None:
        try:
            for frame in self.source.frames(self.stop_event):
                self._slot.put(frame)
        except SourceError as e:  # gave up (max_attempts)
            self._fail(e)
        except Exception as e:  # never die silently
            self._fail(e)
        finally:
            self._slot.close()

    def _decode_newest(self) -> None:
        pipeline = self._pipeline_here()
        try:
            while not self.stop_event.is_set():
                got = self._slot.take()
                if got is None:
                    break
                self._decode(pipeline, *got)
        finally:
            self.finished.set()

    def _decode_all(self) -> None:
        pipeline = self._pipeline_here()
        try:
            for frame in self.source.frames(self.stop_event):
                self._decode(pipeline, frame, 0)
        except Exception as e:
            self._fail(e)
        finally:
            self.finished.set()

    def _decode(self, pipeline: Pipeline, frame: Frame, dropped: int) -> None:
        try:
            r = pipeline.decode(frame.image, thorough=self.thorough)
        except Exception as e:  # one bad frame must not end scanning
            self._fail(e)
            return
        done = time.monotonic()
        result = ScanResult(frame.source, frame.index, frame.time, r.codes, r.timings, r.total_ms,
                            (done - frame.time) * 1000.0, dropped)
        try:
            self.on_result(result)
        except Exception as e:
            self._fail(e)
