"""Log lines never print over the running app: Python's go to app.log in the data folder, OpenCV's own are
silenced while the app runs (and all is put back after)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from checkpoint.tui.app import StationApp
from checkpoint.tui.app_logs import LOG_FILE
from tests.tui.conftest import make_services

pytestmark = pytest.mark.asyncio


async def test_log_lines_go_to_the_file_while_the_app_runs(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import cv2.utils.logging as cv_logging

    world = make_services(tmp_path)
    root = logging.getLogger()
    terminal = logging.StreamHandler(sys.stderr)  # what `checkpoint run` sets up (logging.basicConfig)
    root.addHandler(terminal)
    cv_before = cv_logging.getLogLevel()
    try:
        app = StationApp(world.services, officer=world.officer)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert terminal not in root.handlers
            assert cv_logging.getLogLevel() == cv_logging.LOG_LEVEL_SILENT
            logging.getLogger("scanner.sources").warning("camera 0: cannot grab a frame")
            capfd.readouterr()
        assert "camera 0: cannot grab a frame" in (tmp_path / LOG_FILE).read_text(encoding="utf-8")
        assert "cannot grab" not in capfd.readouterr().err  # not over the app
        assert terminal in root.handlers  # put back once the app stops
        assert cv_logging.getLogLevel() == cv_before
    finally:
        root.removeHandler(terminal)
