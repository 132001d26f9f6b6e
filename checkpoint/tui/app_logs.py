"""While the app runs, log lines go to a file, not over the screen.

Python's logging (ours, the scanner's, the libraries') is written to ``app.log`` in the data folder (rotated:
three files of 1 MiB); handlers that write to the terminal are taken off and put back when the app stops.
OpenCV writes its own lines (and FFmpeg's) straight to the terminal, under Textual's drawing: its log level
is set to silent while the app runs; what matters reaches the app as errors (the camera's state, written
to the file here).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

LOG_FILE = "app.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
#: FFmpeg's quietest level, for OpenCV's FFmpeg backend (read when a capture opens)
FFMPEG_QUIET = "-8"


class AppLogs:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOG_FILE
        self._handler: logging.Handler | None = None
        self._removed: list[logging.Handler] = []
        self._cv_level: int | None = None
        self._ffmpeg: str | None = None
        # the terminal's streams as they are now: Textual swaps sys.stdout/stderr while it runs
        self._terminal = {id(sys.stderr), id(sys.stdout), id(sys.__stderr__), id(sys.__stdout__)}

    def start(self) -> None:
        root = logging.getLogger()
        terminal = self._terminal | {id(sys.stderr), id(sys.stdout)}
        self._removed = [h for h in root.handlers if isinstance(h, logging.StreamHandler)
                         and not isinstance(h, logging.FileHandler) and id(h.stream) in terminal]
        for h in self._removed:
            root.removeHandler(h)
        try:
            self._handler = logging.handlers.RotatingFileHandler(self.path, maxBytes=MAX_BYTES,
                                                                 backupCount=BACKUPS, encoding="utf-8")
        except OSError:
            self._handler = logging.NullHandler()  # no file (a read-only folder): quiet rather than over the app
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(self._handler)
        logging.captureWarnings(True)  # Python's warnings too
        self._ffmpeg = os.environ.get("OPENCV_FFMPEG_LOGLEVEL")
        os.environ["OPENCV_FFMPEG_LOGLEVEL"] = FFMPEG_QUIET
        cv_logging = _cv_logging()
        if cv_logging is not None:
            self._cv_level = cv_logging.getLogLevel()
            cv_logging.setLogLevel(cv_logging.LOG_LEVEL_SILENT)

    def stop(self) -> None:
        root = logging.getLogger()
        if self._handler is not None:
            root.removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        for h in self._removed:
            root.addHandler(h)
        self._removed = []
        logging.captureWarnings(False)
        if self._ffmpeg is None:
            os.environ.pop("OPENCV_FFMPEG_LOGLEVEL", None)
        else:
            os.environ["OPENCV_FFMPEG_LOGLEVEL"] = self._ffmpeg
        cv_logging = _cv_logging()
        if cv_logging is not None and self._cv_level is not None:
            cv_logging.setLogLevel(self._cv_level)
            self._cv_level = None


def _cv_logging() -> Any:
    try:
        import cv2.utils.logging as cv_logging  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # no OpenCV: a station without a camera
        return None
    return cv_logging
