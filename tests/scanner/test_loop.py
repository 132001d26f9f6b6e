from __future__ import annotations

import queue
import threading
from pathlib import Path

import cv2
import pytest

from scanner._errors import SourceError
from scanner._loop import ScanLoop, ScanResult
from scanner._reconnect import ReconnectBackoff, Reconnecting, SourceState, SourceStatus
from scanner.sources import FolderSource
from scanner.synthetic import Distortion, fake_pass_text, make_frame
from tests.scanner.fakes import END, DrivenSource

TIMEOUT = 10.0


def _code_frame(seed: int) -> tuple[str, object]:
    text = fake_pass_text(80, seed)
    return text, make_frame(text, seed, size=(640, 480), d=Distortion(module_px=4))


def _start(source: DrivenSource, results: queue.Queue[ScanResult], statuses: list[SourceStatus] | None = None,
           waits: list[float] | None = None) -> ScanLoop:
    def wait(s: float) -> bool:
        if waits is not None:
            waits.append(s)
        return False

    rec = Reconnecting(source, ReconnectBackoff(0.5, 2.0, 4.0),
                       on_status=(statuses.append if statuses is not None else None), wait=wait)
    return ScanLoop(rec, results.put).start()


def test_live_loop_reports_texts_with_frame_time_and_timings() -> None:
    src, results = DrivenSource(), queue.Queue[ScanResult]()
    loop = _start(src, results)
    text, img = _code_frame(1)
    src.push(img)
    r = results.get(timeout=TIMEOUT)
    assert r.texts == (text,) and r.source == "camera test" and r.frame_index == 0
    assert r.decode_ms > 0 and r.total_ms >= r.decode_ms * 0.5
    assert r.timings[0][0] == "prepare"
    src.push(END)  # a camera read returns within a frame time; this one when the test says
    assert loop.stop(TIMEOUT)
    assert loop.finished.is_set()


def test_live_loop_decodes_the_newest_frame_and_drops_stale_ones() -> None:
    src, out = DrivenSource(), queue.Queue[ScanResult]()
    gate, entered = threading.Event(), threading.Event()

    def slow_consumer(r: ScanResult) -> None:
        out.put(r)
        entered.set()
        gate.wait(TIMEOUT)  # the decoder is busy with frame 0 while the camera delivers 1, 2, 3

    loop = ScanLoop(Reconnecting(src), slow_consumer).start()
    src.push(make_frame(None, 0, size=(320, 240)))
    assert entered.wait(TIMEOUT)
    for i in (1, 2, 3):
        src.push(make_frame(None, i, size=(320, 240)))
    assert src.drained.wait(TIMEOUT)  # the grabber has read all three
    gate.set()
    first, second = out.get(timeout=TIMEOUT), out.get(timeout=TIMEOUT)
    assert (first.frame_index, second.frame_index, second.dropped) == (0, 3, 2)
    src.push(END)
    assert loop.stop(TIMEOUT)


def test_unplug_and_replug_reconnects_with_backoff_and_reports_states() -> None:
    src = DrivenSource(fail_opens=0)
    results, statuses, waits = queue.Queue[ScanResult](), [], []  # type: ignore[var-annotated]
    loop = _start(src, results, statuses, waits)
    text, img = _code_frame(2)
    src.push(img)
    assert results.get(timeout=TIMEOUT).texts == (text,)
    src.fail_opens = 3  # unplugged: the read fails, then three reopen attempts fail
    src.push(SourceError("camera test: no frame (unplugged)"))
    src.push(img)  # replugged: frames flow again
    assert results.get(timeout=TIMEOUT).texts == (text,)
    src.push(END)
    assert loop.finished.wait(TIMEOUT)
    states = [s.state for s in statuses]
    assert states == ["connecting", "live", "lost", "connecting", "lost", "connecting", "lost", "connecting", "lost",
                      "connecting", "live", "ended"]
    assert waits == [0.5, 1.0, 2.0, 4.0]  # capped at the maximum
    lost = [s for s in statuses if s.state is SourceState.LOST]
    assert lost[0].notice.code == "lost" and "Retrying in 0.5 s" in lost[0].notice.text
    assert "unplugged" in (lost[0].error or "")


def test_stop_cuts_a_backoff_short() -> None:
    src = DrivenSource(fail_opens=1000)
    statuses: list[SourceStatus] = []
    lost = threading.Event()

    def on_status(s: SourceStatus) -> None:
        statuses.append(s)
        if s.state is SourceState.LOST:
            lost.set()

    rec = Reconnecting(src, ReconnectBackoff(60.0, 1.0, 60.0), on_status=on_status)
    loop = ScanLoop(rec, lambda r: None).start()
    assert lost.wait(TIMEOUT)  # now in a 60 s backoff: stop must end it at once
    assert loop.stop(timeout=TIMEOUT)
    assert loop.finished.is_set() and statuses[-1].state is SourceState.STOPPED


def test_a_failing_consumer_does_not_stop_the_loop() -> None:
    src, errors, seen = DrivenSource(), queue.Queue[BaseException](), queue.Queue[int]()

    def consumer(r: ScanResult) -> None:
        seen.put(r.frame_index)
        raise RuntimeError("ui went away")

    loop = ScanLoop(Reconnecting(src), consumer, on_error=errors.put).start()
    src.push(make_frame(None, 0, size=(320, 240)))
    assert isinstance(errors.get(timeout=TIMEOUT), RuntimeError)
    src.push(make_frame(None, 1, size=(320, 240)))
    assert isinstance(errors.get(timeout=TIMEOUT), RuntimeError)
    assert [seen.get(timeout=TIMEOUT), seen.get(timeout=TIMEOUT)] == [0, 1]
    src.push(END)
    assert loop.stop(TIMEOUT)


def test_folder_loop_decodes_every_image_then_finishes(tmp_path: Path) -> None:
    texts = []
    for i in range(4):
        text, img = _code_frame(10 + i) if i != 2 else (None, make_frame(None, 12, size=(640, 480)))
        texts.append(text)
        cv2.imwrite(str(tmp_path / f"{i:02}.png"), img)  # type: ignore[arg-type]
    results: list[ScanResult] = []
    loop = ScanLoop(Reconnecting(FolderSource(tmp_path)), results.append, thorough=True).start()
    assert loop.finished.wait(TIMEOUT)
    assert [r.texts[0] if r.texts else None for r in results] == texts
    assert [Path(r.source).name for r in results] == ["00.png", "01.png", "02.png", "03.png"]


@pytest.mark.parametrize("attempt,delay", [(1, 0.5), (2, 1.0), (5, 8.0), (9, 10.0)])
def test_backoff_doubles_up_to_a_cap(attempt: int, delay: float) -> None:
    assert ReconnectBackoff().delay(attempt) == delay
