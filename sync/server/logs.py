"""The server's log, rate-limited: a flood (1,100 idle connections wrote 64 MB of log in 15 s) must not fill
the disk or drown what matters.

``RateLimit`` is a logging filter shared by the server's handlers: it lets ``per_second`` records through
in each second and drops the rest, then, with the next record let through, says how many it dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

SUMMARY_LOGGER = "sync.server.logs"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RateLimit(logging.Filter):
    def __init__(self, per_second: int = 20, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.per_second, self.clock = per_second, clock
        self._second = -1
        self._passed = 0
        self._dropped = 0
        self._lock = threading.Lock()
        self._summarising = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self._summarising, "on", False):
            return True  # the summary itself
        with self._lock:
            second = int(self.clock())
            dropped = 0
            if second != self._second:
                self._second, self._passed, dropped, self._dropped = second, 0, self._dropped, 0
            if self._passed >= self.per_second:
                self._dropped += 1
                return False
            self._passed += 1
        if dropped:
            self._summary(dropped)
        return True

    def _summary(self, dropped: int) -> None:
        self._summarising.on = True
        try:
            logging.getLogger(SUMMARY_LOGGER).warning("%d log lines suppressed (more than %d a second)", dropped,
                                                      self.per_second)
        finally:
            self._summarising.on = False


def rate_limited_logging(per_second: int = 20, level: int = logging.INFO) -> RateLimit:
    """The serving process's logging: one stream handler on the root logger (uvicorn's loggers, asyncio's and
    the app's all reach it), every handler behind one shared ``RateLimit``. Call after uvicorn configured
    its loggers (``uvicorn.Config``), before serving."""
    limit = RateLimit(per_second)
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stream)
    root.setLevel(min(root.level, level) if root.level else level)
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "asyncio"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(limit)
    return limit
