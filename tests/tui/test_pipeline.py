"""Camera frames through the real decoder to the station and the log, without the app."""

from __future__ import annotations

import threading
from pathlib import Path

from checkpoint.decision import Display, Reason
from checkpoint.errors import CheckpointError
from checkpoint.tui.camera import SimulatedCamera
from checkpoint.tui.pipeline import CameraState, ManualForm, Post, run_camera, scanner_decode
from tests.tui.conftest import World, make_services

POST = Post("CB01", "2", "out")


def test_each_pass_held_in_view_is_read_once(world: World) -> None:
    texts = [world.text("valid"), None, world.text("forged")]
    seen: list[str] = []
    states: list[CameraState] = []
    camera = SimulatedCamera(texts, fps=0, hold=4, gap=2)
    run_camera(camera, scanner_decode(), threading.Event(), on_text=seen.append, on_state=states.append,
               debounce=60.0)
    assert seen == [world.text("valid"), world.text("forged")]
    assert states[0].state == "starting" and states[-1].state == "stopped"


def test_a_camera_that_cannot_open_is_reported_and_retried_until_stopped() -> None:
    stop = threading.Event()
    states: list[CameraState] = []

    class Dead:
        label, live = "camera 9", True
        opens = 0

        def open(self) -> None:
            self.opens += 1
            if self.opens >= 3:
                stop.set()
            raise CheckpointError("camera 9: cannot open")

        def read(self) -> None:
            raise AssertionError("never read")

        def close(self) -> None:
            pass

    dead = Dead()
    run_camera(dead, scanner_decode(), stop, on_text=lambda t: None, on_state=states.append, retry_after=0.0)
    assert dead.opens == 3
    assert [s.state for s in states].count("failed") >= 2
    assert states[1].error == "camera 9: cannot open"


def test_checker_records_and_flags_the_duplicate(world: World) -> None:
    checker = world.services.checker
    first = checker.check(world.text("valid"), POST)
    again = checker.check(world.text("valid"), POST)
    assert first.decision.display is Display.ACCEPT
    assert again.decision.display is Display.CHECK
    assert again.crossing is not None and "duplicate" in again.crossing.flags
    assert first.crossing is not None
    assert (first.crossing.officer_id, first.crossing.lane, first.crossing.direction) == ("CB01", "2", "out")
    assert first.card is not None and first.card.masked_id.endswith("2345") and "0010850" not in first.card.masked_id


def test_nothing_is_admitted_when_the_log_cannot_record(world: World) -> None:
    world.services.recorder.log.close()
    out = world.services.checker.check(world.text("valid"), POST)
    assert out.decision.display is Display.REJECT
    assert out.decision.reason is Reason.CANNOT_RECORD
    assert out.crossing is None and out.log_error == "closed"


def test_manual_entry_is_recorded_as_manual_and_symptoms_refuse(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    form = ManualForm("Bùi Văn Tư", "001099004321", "1960", "0912345678", "Sa Pa", "Lào Cai", "khám bệnh")
    out = w.services.checker.manual(form, POST, "manual")
    assert out.decision.display is Display.CHECK
    assert out.crossing is not None and out.crossing.manual and "manual" in out.crossing.flags
    sick = w.services.checker.manual(ManualForm("Bùi Văn Tư", "001099004321", "1960", symptoms=True), POST, "m")
    assert sick.decision.display is Display.REJECT and sick.decision.rule == "symptoms"
