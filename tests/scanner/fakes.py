"""A frame source the test drives: real frames (generated images) delivered when the test says so.

It stands in for a camera only where hardware would be needed: unplugging, replugging, a fast sensor.
"""

from __future__ import annotations

import queue
import threading
import time

import numpy as np

from scanner._errors import SourceError
from scanner.frames import Frame

END = object()


class DrivenSource:
    """``push(image)`` delivers a frame; ``push(SourceError(...))`` makes the next read fail (unplugged);
    ``push(END)`` ends the source. ``fail_opens`` makes that many ``open()`` calls fail first."""

    live = True

    def __init__(self, label: str = "camera test", fail_opens: int = 0) -> None:
        self.label = label
        self.fail_opens = fail_opens
        self.opens = 0
        self.closes = 0
        self._q: queue.Queue[object] = queue.Queue()
        self._index = 0
        self.drained = threading.Event()  # set whenever a read found the queue empty

    def push(self, item: object) -> None:
        self.drained.clear()
        self._q.put(item)

    def open(self) -> None:
        self.opens += 1
        if self.fail_opens > 0:
            self.fail_opens -= 1
            raise SourceError(f"{self.label}: cannot open it (unplugged)")

    def read(self) -> Frame | None:
        if self._q.empty():
            self.drained.set()
        item = self._q.get(timeout=10)
        if item is END:
            return None
        if isinstance(item, SourceError):
            raise item
        assert isinstance(item, np.ndarray)
        frame = Frame(item, self._index, time.monotonic(), self.label)
        self._index += 1
        return frame

    def close(self) -> None:
        self.closes += 1

