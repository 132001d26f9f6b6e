"""The app of a station's first run: the first-run screen alone, before the station's services exist.

``checkpoint run`` runs it when the station is not set up (``checkpoint.station_setup.missing``); when it
ends with the set-up done, the command builds the services from the config just written and starts the
station app on its normal scan screen.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from checkpoint.datadir import prepare_data_dir
from checkpoint.errors import CheckpointError
from checkpoint.tui.app_logs import AppLogs
from checkpoint.tui.i18n import Texts
from checkpoint.tui.palette import AppInWords, palette_key
from checkpoint.tui.screens.first_run import FirstRunScreen
from checkpoint.tui.screens.first_run_work import Setup


class FirstRunApp(AppInWords[list[str] | None]):
    """Returns the skipped steps when the set-up is done; None when the supervisor quit it (Esc)."""

    CSS_PATH = Path(__file__).with_name("station.tcss")
    TITLE = "Checkpoint"

    def __init__(self, setup: Setup, texts: Texts) -> None:
        super().__init__()
        self.setup, self.texts = setup, texts
        self.logs = AppLogs(setup.data_dir)
        palette_key(self, texts)  # ctrl+p: the footer, the search line and the commands in its words

    async def on_mount(self) -> None:
        # an error's English detail goes to app.log in the data folder, never over the screen; a folder that
        # cannot be made: no file (AppLogs stays quiet), and the station step says what is wrong with it
        with contextlib.suppress(CheckpointError):
            prepare_data_dir(self.setup.data_dir)
        self.logs.start()
        await self.push_screen(FirstRunScreen(self.setup, self.texts), self.exit)

    def on_unmount(self) -> None:
        self.logs.stop()
