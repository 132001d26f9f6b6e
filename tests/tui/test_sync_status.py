"""The app with a real sync server on 127.0.0.1: crossings go out in the background, the status bar says so."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.message import Message

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import Checked, SyncChanged
from checkpoint.tui.widgets.status_bar import StatusBar, render_status
from tests.sync.conftest import RunningServer, start_server
from tests.tui.conftest import World, make_services

pytestmark = pytest.mark.asyncio


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    srv = start_server(tmp_path / "server")
    yield srv
    srv.stop()


def enrol(tmp_path: Path, server: RunningServer) -> None:
    """What 'checkpoint enroll' does, for the demo world's station."""
    from checkpoint.config import parse_config
    from checkpoint.demo import make_world
    from sync.protocol import public_key_text
    from sync.settings import Enrolment, save_enrolment
    from sync.wiring import client_for
    from tests.tui.conftest import NOW

    config = parse_config(make_world(tmp_path / "probe", NOW).config.raw)
    client = client_for(config, tmp_path, config.station.id, server.url)
    try:
        client.server_time()
        client.enroll(server.token())
    finally:
        client.close()
    assert client.server_key is not None  # enroll pinned it
    save_enrolment(tmp_path, Enrolment(server.url, config.station.id, datetime.now(UTC).isoformat(),
                                       public_key_text(client.server_key)))


async def test_crossings_are_sent_in_the_background(tmp_path: Path, server: RunningServer) -> None:
    enrol(tmp_path, server)
    world: World = make_services(tmp_path)
    assert world.services.sync is not None
    linked, synced = asyncio.Event(), asyncio.Event()

    def hook(message: Message) -> None:
        if isinstance(message, SyncChanged) and message.status.state.value == "synced":
            linked.set()  # the first round (nothing to send yet) is done: a crossing now wakes the worker
            if message.status.acknowledged >= 1:
                synced.set()

    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(140, 44), message_hook=hook) as pilot:
        from checkpoint.tui.messages import TextScanned

        await asyncio.wait_for(linked.wait(), timeout=20)
        app.post_message(TextScanned(world.text("valid"), "camera"))
        await asyncio.wait_for(synced.wait(), timeout=20)
        await pilot.pause()
        status = app.current_status()
        assert (status.sync, status.sync_queue, status.online) == ("synced", 0, True)
        assert "all sent" in render_status(status, world.services.texts).plain
        beat = server.storage.heartbeats()[world.services.station.config.station.id].body  # the app's signals
        assert beat["last_scan_at"] is not None and beat["camera"] == app.camera.state
        app.screen.query_one(StatusBar)
    assert world.services.sync.worker is not None and world.services.sync.worker.stopped


async def test_a_dead_link_shows_offline_and_scanning_goes_on(tmp_path: Path, server: RunningServer) -> None:
    enrol(tmp_path, server)
    server.stop()
    world: World = make_services(tmp_path)
    offline, checked = asyncio.Event(), asyncio.Event()

    def hook(message: Message) -> None:
        if isinstance(message, SyncChanged) and message.status.state.value == "offline":
            offline.set()
        if isinstance(message, Checked):
            checked.set()

    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=(140, 44), message_hook=hook) as pilot:
        await asyncio.wait_for(offline.wait(), timeout=20)
        from checkpoint.tui.messages import TextScanned

        app.post_message(TextScanned(world.text("valid"), "camera"))
        await asyncio.wait_for(checked.wait(), timeout=20)  # (the sync worker never completes: no wait_for_complete)
        await pilot.pause()
        assert app.outcomes[-1].decision.display.value == "ACCEPT"
        status = app.current_status()
        assert status.sync == "offline" and status.online is False
        assert "no link" in render_status(status, world.services.texts).plain
    server.start()  # the fixture stops it again
