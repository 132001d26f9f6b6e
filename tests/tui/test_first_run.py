"""The first run of a station that is not set up, driven with Pilot on a fresh data folder.

Real parts throughout: a real central server on 127.0.0.1 (as tests/sync start one) for enrolment, a
real QR image read through the station's scanner pipeline for the test scan, a real X25519 key, the real
officer store (argon2 at test cost) and the real config loader reading back what was written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import segno
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, TextArea

from checkpoint.clock import FixedClock
from checkpoint.config import load_config
from checkpoint.demo import make_world
from checkpoint.errors import ConfigError
from checkpoint.log._settings import load_seal_key, log_settings
from checkpoint.sealing import generate, public_pem
from checkpoint.station_setup import STEPS, missing, write_config
from checkpoint.tui.app import StationApp
from checkpoint.tui.first_run_app import FirstRunApp
from checkpoint.tui.i18n import Texts
from checkpoint.tui.screens.first_run import FirstRunScreen
from checkpoint.tui.screens.first_run_work import Setup
from checkpoint.tui.widgets.preview import CameraPreview
from checkpoint.tui.wiring import build_services
from tests.sync.conftest import RunningServer, start_server
from tests.tui.conftest import cheap_hasher, until, workers_done

NOW = datetime(2021, 7, 24, 3, 0, tzinfo=UTC)
SIZE = (80, 24)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


def fresh(tmp_path: Path) -> tuple[FirstRunApp, Setup]:
    data = tmp_path / "data"
    setup = Setup(data / "station.toml", data, FixedClock(NOW), hasher=cheap_hasher())
    return FirstRunApp(setup, Texts("en")), setup


def screen(pilot: Pilot[list[str] | None]) -> FirstRunScreen:
    s = pilot.app.screen
    assert isinstance(s, FirstRunScreen)
    return s


async def settle(pilot: Pilot[list[str] | None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()


def fill(pilot: Pilot[list[str] | None], **values: str) -> None:
    for wid, value in values.items():
        pilot.app.screen.query_one(f"#{wid.replace('_', '-')}", Input).value = value


def message(pilot: Pilot[list[str] | None]) -> str:
    return str(pilot.app.screen.query_one("#fr-message", Label).render())


async def press(pilot: Pilot[list[str] | None], button: str) -> None:
    await pilot.click(f"#{button}")
    await settle(pilot)


async def station_step(pilot: Pilot[list[str] | None]) -> None:
    fill(pilot, fr_id="TRAM-07", fr_name="Chốt Bình Phước")
    await press(pilot, "fr-next")
    assert screen(pilot).step == 1, message(pilot)


async def add_officer(pilot: Pilot[list[str] | None], oid: str, name: str, pin: str, supervisor: bool) -> None:
    fill(pilot, fr_off_id=oid, fr_off_name=name, fr_off_pin=pin)
    pilot.app.screen.query_one("#fr-off-sup", Checkbox).value = supervisor
    await press(pilot, "fr-off-add")


def qr_image(tmp_path: Path) -> tuple[Path, str]:
    """A real pass (the demo issuer's) as a PNG, the way a phone shows it to the camera."""
    text = make_world(tmp_path / "demo", NOW).passes[0].text
    path = tmp_path / "shown-pass.png"
    segno.make_qr(text, error="m").save(str(path), scale=4, border=4)
    return path, text


@pytest.mark.asyncio
async def test_the_whole_first_run_enrols_tests_the_camera_and_ends_on_the_scan_screen(
        tmp_path: Path, server: RunningServer) -> None:
    app, setup = fresh(tmp_path)
    png, text = qr_image(tmp_path)
    supervisor_key = generate()
    key_file = tmp_path / "supervisor.pub.pem"
    key_file.write_bytes(public_pem(supervisor_key.public_key()))
    assert missing(setup.config_path, setup.data_dir).first_run
    async with app.run_test(size=SIZE) as pilot:
        await station_step(pilot)
        fill(pilot, fr_server=server.url, fr_token=server.token())
        await press(pilot, "fr-next")
        assert screen(pilot).step == 2, message(pilot)
        fill(pilot, fr_source=str(png))
        await press(pilot, "fr-test")
        assert screen(pilot).scanned == text, message(pilot)  # read through the station's decoders
        assert text[:20] in message(pilot)
        assert "▀" in str(pilot.app.screen.query_one("#fr-preview", CameraPreview).render())  # the live preview
        await press(pilot, "fr-next")
        assert screen(pilot).step == 3
        pilot.app.screen.query_one("#fr-key", TextArea).text = str(key_file)
        await press(pilot, "fr-next")  # the first press checks the key and shows its fingerprint
        shown_fp = screen(pilot).seal_key
        assert shown_fp is not None and shown_fp.fingerprint in message(pilot)
        await press(pilot, "fr-next")  # the second confirms it
        assert screen(pilot).step == 4
        await add_officer(pilot, "CH01", "Lê Thị Hoa", "9876", True)
        await add_officer(pilot, "CB01", "Trần Văn Bình", "1234", False)
        assert "CB01" in str(pilot.app.screen.query_one("#fr-off-list", Label).render())
        await press(pilot, "fr-next")
    assert app.return_value == []

    config = load_config(setup.config_path)  # the station's own loader reads it back
    assert (config.station.id, config.station.name) == ("TRAM-07", "Chốt Bình Phước")
    assert config.raw["scanner"]["source"] == str(png)
    assert config.raw["log"]["seal_to"] == str(setup.data_dir / "supervisor.pub.pem")
    enrolment = json.loads((setup.data_dir / "sync.json").read_text())
    assert enrolment["station_id"] == "TRAM-07" and server.storage.station("TRAM-07") is not None
    assert not missing(setup.config_path, setup.data_dir).first_run

    seal_path = log_settings(config, setup.data_dir).seal_to
    assert seal_path is not None  # names are sealed to the key confirmed above
    assert public_pem(load_seal_key(seal_path)) == public_pem(supervisor_key.public_key())
    services = build_services(config, FixedClock(NOW), data_dir=setup.data_dir, camera=None, sync=False,
                              hasher=cheap_hasher())
    try:
        station = StationApp(services, officer=services.officers.get("CH01"))
        async with station.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert station.screen is station.scan
    finally:
        services.recorder.log.close()


@pytest.mark.asyncio
async def test_a_bad_token_shows_the_servers_refusal_and_writes_nothing(tmp_path: Path,
                                                                          server: RunningServer) -> None:
    app, setup = fresh(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await station_step(pilot)
        fill(pilot, fr_server=server.url, fr_token="cpt_not-a-real-token")
        await press(pilot, "fr-next")
        assert screen(pilot).step == 1  # still on the enrolment step
        said = message(pilot)
        # the catalogue's words for the server's refusal code; the server's own (English) words go to the log
        assert said == "Error: " + Texts("en")("error.refused.enrolment_refused") and "token is not valid" not in said
        assert not (setup.data_dir / "sync.json").exists()
        fill(pilot, fr_server="ftp://example.vn")
        await press(pilot, "fr-next")
        assert "http" in message(pilot) and screen(pilot).step == 1


@pytest.mark.asyncio
async def test_skipping_steps_says_what_is_missing_and_still_asks_for_a_supervisor(tmp_path: Path) -> None:
    app, setup = fresh(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await station_step(pilot)
        for i, step in enumerate(("enrol", "camera", "seal")):
            assert STEPS[screen(pilot).step] == step
            await press(pilot, "fr-skip")
            assert screen(pilot).step == i + 2
        notes = [n.message for n in pilot.app._notifications]
        assert any("Not enrolled" in n for n in notes) and any("handheld" in n for n in notes)
        assert any("no names" in n for n in notes)
        assert screen(pilot).step == 4 and not pilot.app.screen.query_one("#fr-skip").display
        await add_officer(pilot, "CB01", "Trần Văn Bình", "1234", False)
        await press(pilot, "fr-next")  # an officer alone cannot open the station
        assert "supervisor" in message(pilot) and app.return_value is None
        await add_officer(pilot, "CH01", "Lê Thị Hoa", "9876", True)
        await press(pilot, "fr-next")
    assert app.return_value == ["enrol", "camera", "seal"]
    config = load_config(setup.config_path)
    assert config.raw["scanner"]["source"] == "" and "seal_to" not in config.raw.get("log", {})
    done = missing(setup.config_path, setup.data_dir)
    assert done.enrolment and not done.first_run  # skipped once: not asked again at every start


@pytest.mark.asyncio
async def test_a_wrong_station_id_and_a_wrong_key_are_refused_in_words(tmp_path: Path) -> None:
    app, setup = fresh(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        fill(pilot, fr_id="TRAM 07\n[trust]", fr_name="x")
        await press(pilot, "fr-next")
        t = Texts("en")  # the catalogue's words; the English detail (what was typed, the file) goes to the log
        assert screen(pilot).step == 0 and message(pilot) == "Error: " + t("error.station_id")
        assert not setup.config_path.exists()
        await station_step(pilot)
        await press(pilot, "fr-skip")
        fill(pilot, fr_source=str(tmp_path / "nope.mp5"))
        await press(pilot, "fr-next")  # a camera that does not exist is named, not saved
        assert t("error.camera_source") in message(pilot) and screen(pilot).step == 2
        assert "source" not in load_config(setup.config_path).raw.get("scanner", {})
        await press(pilot, "fr-skip")
        bad_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
        pilot.app.screen.query_one("#fr-key", TextArea).text = bad_pem
        await press(pilot, "fr-check")
        assert t("error.key_file") in message(pilot) and screen(pilot).seal_key is None
        pilot.app.screen.query_one("#fr-key", TextArea).text = str(tmp_path / "[red]sup[/red].pem")
        await press(pilot, "fr-check")  # a file that is not there: said in words, the name is in the field
        assert t("error.not_found") in message(pilot) and "sup" not in message(pilot)
        assert screen(pilot).step == 3


def test_the_config_is_never_left_invalid_or_half_written(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    write_config(path, {"station": {"id": "TRAM-07", "name": 'Chốt "A"\n[trust]\nroot_keys = ["/tmp/evil.pem"]'}})
    loaded = load_config(path)
    assert loaded.station.name.startswith('Chốt "A"\n[trust]') and loaded.trust.root_keys == ()  # a value, not TOML
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="language"):
        write_config(path, {"station": {"language": "fr"}})  # the station would refuse it: never written
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["station.toml"]  # no temporary file left behind
    path.write_text("[station\nid = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        write_config(path, {"scanner": {"source": ""}})  # a broken file is reported, not overwritten
    assert path.read_text(encoding="utf-8") == "[station\nid = "


def test_first_run_station_step_80x24(snap_compare: object, tmp_path: Path) -> None:
    app, _ = fresh(tmp_path)
    assert snap_compare(app, terminal_size=SIZE)  # type: ignore[operator]


def test_an_unchanged_config_is_not_rewritten(tmp_path: Path) -> None:
    """An installed station's config belongs to root: going through a step without changing it works."""
    path = tmp_path / "station.toml"
    write_config(path, {"station": {"id": "TRAM-07", "name": "A"}, "scanner": {"source": "0"}})
    inode = path.stat().st_ino
    write_config(path, {"station": {"id": "TRAM-07"}, "scanner": {"source": "0"}})
    assert path.stat().st_ino == inode  # write_atomic would have put a new file in its place
    write_config(path, {"scanner": {"source": ""}})
    assert path.stat().st_ino != inode and load_config(path).raw["scanner"]["source"] == ""


def test_run_finds_the_config_the_first_run_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.cli.run import setup_paths
    from checkpoint.config import CONFIG_ENV

    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert setup_paths(None, tmp_path) == (tmp_path / "station.toml", tmp_path)
    other = tmp_path / "etc" / "station.toml"
    write_config(other, {"station": {"id": "TRAM-07", "data_dir": str(tmp_path / "var")}})
    monkeypatch.setenv(CONFIG_ENV, str(other))
    assert setup_paths(None, None) == (other, tmp_path / "var")
    assert setup_paths(tmp_path / "x.toml", tmp_path / "d") == (tmp_path / "x.toml", tmp_path / "d")


@pytest.mark.asyncio
async def test_the_test_scan_runs_off_the_event_loop_and_stops_when_the_step_is_left(tmp_path: Path) -> None:
    """A camera that shows no code: the screen still takes typing while it looks, and leaving the step
    stops it (the worker ends long before its 15 s)."""
    import asyncio

    from textual.worker import WorkerState

    from checkpoint.camera import SimulatedCamera

    app, setup = fresh(tmp_path)
    setup.open_source = lambda spec: SimulatedCamera([None], fps=15.0, loop=True)
    async with app.run_test(size=SIZE) as pilot:
        await station_step(pilot)
        await press(pilot, "fr-skip")
        fill(pilot, fr_source="0")
        await pilot.click("#fr-test")
        await until(pilot, lambda: any(w.group == "first-run-camera" and w.state == WorkerState.RUNNING
                                       for w in app.workers), "the test scan running")
        running = [w for w in app.workers if w.group == "first-run-camera"]
        assert running and running[0].state == WorkerState.RUNNING
        assert "Looking" in message(pilot)
        source = pilot.app.screen.query_one("#fr-source", Input)
        source.value = ""
        source.focus()
        await pilot.press("1", "2")  # the event loop is free: the keys land while the camera runs
        assert source.value == "12"
        assert running[0].state == WorkerState.RUNNING
        await pilot.click("#fr-skip")
        await asyncio.wait_for(workers_done(app), 12)  # < its 15 s
        assert running[0].state == WorkerState.SUCCESS and screen(pilot).step == 3


def test_run_on_a_station_not_set_up_opens_the_first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``checkpoint run`` on a fresh data folder hands over to the first run instead of stopping with
    "no officers" (the flow itself needs a terminal: here it is replaced by a stand-in the supervisor quits)."""
    import checkpoint.cli.run as run_cli
    import checkpoint.tui.wiring as wiring
    from checkpoint.cli import main
    from checkpoint.config import CONFIG_ENV

    monkeypatch.delenv(CONFIG_ENV, raising=False)
    calls: list[tuple[Path, Path, str]] = []

    def quit_at_once(config_path: Path, data_dir: Path, clock: object, language: str) -> None:
        calls.append((config_path, data_dir, language))

    monkeypatch.setattr(run_cli, "on_terminal", lambda: True)
    monkeypatch.setattr(wiring, "first_run", quit_at_once)
    data = tmp_path / "data"
    assert main(["run", "--data-dir", str(data), "--camera", ""]) == 0
    assert calls == [(data / "station.toml", data, "vi")]
    assert "set-up stopped" in capsys.readouterr().err
    monkeypatch.setattr(run_cli, "on_terminal", lambda: False)  # no terminal: the old clear stop
    assert main(["run", "--data-dir", str(data), "--camera", ""]) == 2
    assert "checkpoint officers add" in capsys.readouterr().err and len(calls) == 1


@pytest.mark.asyncio
async def test_escape_quits_the_first_run_and_leaves_no_config(tmp_path: Path) -> None:
    app, setup = fresh(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        fill(pilot, fr_id="TRAM-07")
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_value is None and not setup.config_path.exists()
    assert missing(setup.config_path, setup.data_dir).first_run  # asked again at the next start


@pytest.mark.asyncio
async def test_an_existing_config_fills_the_steps_and_a_bad_section_does_not_stop_the_flow(tmp_path: Path) -> None:
    app, setup = fresh(tmp_path)
    write_config(setup.config_path, {"station": {"id": "TRAM-09", "name": "Cửa khẩu"},
                                     "sync": {"ca_bundle": str(tmp_path / "missing-ca.pem")}})
    async with app.run_test(size=SIZE) as pilot:
        assert pilot.app.screen.query_one("#fr-id", Input).value == "TRAM-09"
        assert pilot.app.screen.query_one("#fr-name", Input).value == "Cửa khẩu"
        await press(pilot, "fr-next")
        assert screen(pilot).step == 1
        fill(pilot, fr_server="http://127.0.0.1:9", fr_token="cpt_x")
        await press(pilot, "fr-next")  # the bad [sync] value is named when enrolment needs it
        assert "ca_bundle" in message(pilot) and screen(pilot).step == 1
