"""Camera frames through the real decoder to the station and the log, without the app."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from checkpoint.camera import Camera, CameraState, SimulatedCamera
from checkpoint.card_parts import PartialCard
from checkpoint.decision import Display, Reason
from checkpoint.service import ManualForm, Post
from scanner import SourceError
from tests.tui.conftest import World, make_services

POST = Post("CB01", "2", "out")


def test_each_pass_held_in_view_is_read_once(world: World) -> None:
    texts = [world.text("valid"), None, world.text("forged")]
    seen: list[str] = []
    states: list[CameraState] = []
    source = SimulatedCamera(texts, fps=0, hold=4, gap=2, live=False)
    camera = Camera(source, ("zxing",), on_text=seen.append, on_state=states.append, debounce=60.0).start()
    assert camera.loop.finished.wait(60)  # bounds a hang only (18 frames decoded: seconds on a loaded machine)
    camera.stop()
    assert seen == [world.text("valid"), world.text("forged")]
    assert [s.state for s in states][:2] == ["starting", "running"]
    assert states[-1].state == "stopped"


def test_a_camera_that_cannot_open_is_reported_and_scanning_stops_cleanly() -> None:
    failed = threading.Event()
    states: list[CameraState] = []

    class Dead:
        label, live = "camera 9", True

        def open(self) -> None:
            raise SourceError("camera 9: cannot open (is it plugged in?)")

        def read(self) -> None:
            raise AssertionError("never read")

        def close(self) -> None:
            pass

    def on_state(s: CameraState) -> None:
        states.append(s)
        if s.state == "failed":
            failed.set()

    camera = Camera(Dead(), ("zxing",), on_text=lambda t: None, on_state=on_state).start()
    assert failed.wait(30)
    assert camera.stop(5)
    failure = next(s for s in states if s.state == "failed")
    assert failure.error is not None and "cannot open" in failure.error


def test_the_preview_gets_small_grey_frames(world: World) -> None:
    got = threading.Event()
    frames: list[object] = []

    def on_preview(gray: object) -> None:
        frames.append(gray)
        got.set()

    source = SimulatedCamera([world.text("valid")], fps=0, hold=2, gap=0, live=False)
    camera = Camera(source, ("zxing",), on_text=lambda t: None, on_state=lambda s: None, on_preview=on_preview)
    camera.start()
    assert got.wait(60)
    camera.stop()
    import numpy as np

    first = frames[0]
    assert isinstance(first, np.ndarray) and first.ndim == 2


def test_checker_records_and_flags_the_duplicate(world: World) -> None:
    checker = world.services.service
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
    out = world.services.service.check(world.text("valid"), POST)
    assert out.decision.display is Display.REJECT
    assert out.decision.reason is Reason.CANNOT_RECORD
    assert out.crossing is None and out.log_error == "closed"


def test_manual_entry_is_recorded_as_manual_and_symptoms_refuse(tmp_path: Path) -> None:
    w = make_services(tmp_path)
    form = ManualForm("Bùi Văn Tư", "001099004321", "1960", "0912345678", "Sa Pa", "Lào Cai", "khám bệnh")
    out = w.services.service.manual(form, POST, "manual")
    assert out.decision.display is Display.CHECK
    assert out.crossing is not None and out.crossing.manual and "manual" in out.crossing.flags
    sick = w.services.service.manual(ManualForm("Bùi Văn Tư", "001099004321", "1960", symptoms=True), POST, "m")
    assert sick.decision.display is Display.REJECT and sick.decision.rule == "symptoms"



def test_a_manual_entry_with_an_implausible_id_is_flagged(tmp_path: Path) -> None:
    from checkpoint.decision import Flag

    w = make_services(tmp_path)
    good = w.services.service.manual(ManualForm("Bùi Văn Tư", "001060004321", "1960"), POST, "manual")
    assert Flag.ID_IMPLAUSIBLE not in good.decision.flags
    bad = w.services.service.manual(ManualForm("Bùi Văn Tư", "0010600043", "1960"), POST, "manual")  # 10 digits
    assert Flag.ID_IMPLAUSIBLE in bad.decision.flags and bad.decision.display is Display.CHECK
    assert bad.crossing is not None and "id_implausible" in bad.crossing.flags


def test_a_multi_part_smart_card_is_decided_once_every_part_is_in(world: World) -> None:
    """Example 02 of the SMART Health Cards spec is three QR codes, scanned one after another."""
    from checkpoint.card_parts import PartialCard
    from checkpoint.formats.shc_chunks import assemble
    from checkpoint.service import Outcome
    from tests.formats.test_shc import qr_texts

    parts = qr_texts("02")
    checker = world.services.service
    first = checker.check(parts[2], POST)
    assert first == PartialCard(1, 3, (1, 2))
    assert checker.check(parts[2], POST) == PartialCard(1, 3, (1, 2))  # the same part again changes nothing
    assert checker.check(parts[0], POST) == PartialCard(2, 3, (2,))
    last = checker.check(parts[1], POST)
    assert isinstance(last, Outcome)
    # the station decided the whole card (its issuer is not trusted here): exactly what the joined text gets
    assert last.decision.reason is world.services.station.decide(assemble(parts))[0].reason
    assert last.crossing is not None and last.decision.format == "SHC"
    # a single-code pass after that is decided at once
    assert isinstance(checker.check(world.text("valid"), POST), Outcome)


def test_a_malformed_part_is_left_to_the_verifier(world: World) -> None:
    from checkpoint.service import Outcome

    out = world.services.service.check("shc:/0/3/5678", POST)  # part 0 of 3 does not exist
    assert isinstance(out, Outcome) and out.decision.reason is Reason.MALFORMED


def test_a_hostile_pass_is_recorded_as_malformed_not_a_storage_failure(world: World) -> None:
    """The unsigned HC1 whose payload contains itself raised RecursionError and the app showed
    "Storage error"; a CP1 pass with a 20,000-digit integer raised ValueError. Both are MALFORMED."""
    from tests import hostile

    cases = {c.name: c for c in hostile.corpus()}
    for name in ("HC1:cycle-unsigned", "CP1:bignum-v-20000-digits", "HC1:dag-24-unsigned"):
        out = world.services.service.check(cases[name].text, POST)
        assert not isinstance(out, PartialCard)
        assert out.decision.reason is Reason.MALFORMED, name
        assert out.crossing is not None and out.log_error is None and not out.unevaluated


def test_a_fault_while_deciding_is_shown_as_could_not_evaluate(world: World,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """No pass reaches this any more (the verifier turns parser faults into MALFORMED), so the fault is
    injected into the station: it must not be reported as a log failure."""
    def broken(text: str) -> None:
        raise RuntimeError("trust store unreadable")

    monkeypatch.setattr(world.services.station, "decide", broken)
    out = world.services.service.check(world.text("valid"), POST)
    assert not isinstance(out, PartialCard)
    assert out.decision.display is Display.REJECT
    assert out.unevaluated and out.log_error is None and out.crossing is None
    assert out.decision.reason is not Reason.CANNOT_RECORD
    assert "could not evaluate" in out.decision.detail and "trust store unreadable" in out.decision.detail
