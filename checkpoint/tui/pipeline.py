"""The glue between the scanner, the station and the log: text in, a recorded verdict out.

Two halves, both run off the UI thread:

- :func:`run_camera`: frames from a source through the decoder cascade and a debounce; each new text goes
  to a callback, with camera state, fps and preview frames to others. The UI posts them on as messages.
- :class:`Checker`: ``Station.decide`` then ``record_or_refuse``, one at a time (order matters for the
  duplicate rule). The verdict it returns is the one recorded: the UI shows it only after this returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from checkpoint.crossing import Crossing, PersonalData
from checkpoint.decision import Decision, Flag, Reason, Verdict
from checkpoint.station import Station
from checkpoint.log import CrossingContext
from checkpoint.tui.recorder import LogRecorder, record_and_show
from scanner.frames import Frame, Image, to_gray

log = logging.getLogger(__name__)

MAX_TEXT = 8192  # a pass is a few hundred characters; anything far longer is not one


class FrameFeed(Protocol):
    """A frame source (the shape of ``scanner``'s ``FrameSource``): ``read`` gives None when it ended."""

    label: str
    live: bool

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class Decode(Protocol):
    """The decoder cascade (``scanner.Pipeline``): texts found in one image."""

    def __call__(self, image: Image) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class CameraState:
    state: str  # "starting" / "running" / "stopped" / "failed"
    fps: float = 0.0
    error: str | None = None


class Debounce:
    """A text counts once while it stays in view: new again only after ``window`` seconds unseen."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def new(self, texts: tuple[str, ...], now: float) -> list[str]:
        self._seen = {t: s for t, s in self._seen.items() if now - s <= self.window}
        fresh = [t for t in dict.fromkeys(texts) if t not in self._seen]
        for t in texts:
            self._seen[t] = now
        return fresh


def scanner_decode(decoders: tuple[str, ...] = ("zxing", "zbar", "opencv")) -> Decode:
    """The scanner's cascade as a :class:`Decode` (one per thread: the pipeline is not thread-safe)."""
    from scanner.pipeline import Pipeline, PipelineConfig

    pipeline = Pipeline(PipelineConfig(decoders=decoders))

    def decode(image: Image) -> tuple[str, ...]:
        return pipeline.decode(image).texts

    decode.name = pipeline.active[0].name  # type: ignore[attr-defined]
    return decode


def run_camera(feed: FrameFeed, decode: Decode, stop: threading.Event, *,
               on_text: Callable[[str], object], on_state: Callable[[CameraState], object],
               on_preview: Callable[[Image], object] | None = None, debounce: float = 3.0,
               preview_every: float = 0.25, retry_after: float = 2.0) -> None:
    """Read, decode and report until ``stop`` is set or a finite source ends. A dead camera is retried."""
    seen = Debounce(debounce)
    on_state(CameraState("starting"))
    while not stop.is_set():
        try:
            feed.open()
        except Exception as e:  # a camera that cannot open: say so, retry, never crash the app
            on_state(CameraState("failed", error=str(e)))
            if stop.wait(retry_after):
                break
            continue
        try:
            ended = _frames(feed, decode, stop, seen, on_text, on_state, on_preview, preview_every)
        except Exception as e:
            log.warning("camera %s failed: %s", feed.label, e)
            on_state(CameraState("failed", error=str(e)))
            ended = False
            if stop.wait(retry_after):
                break
        finally:
            feed.close()
        if ended:
            break
    on_state(CameraState("stopped"))


def _frames(feed: FrameFeed, decode: Decode, stop: threading.Event, seen: Debounce,
            on_text: Callable[[str], object], on_state: Callable[[CameraState], object],
            on_preview: Callable[[Image], object] | None, preview_every: float) -> bool:
    """True when the source ended by itself."""
    count, window_start, last_preview = 0, time.monotonic(), 0.0
    on_state(CameraState("running"))
    while not stop.is_set():
        frame = feed.read()
        if frame is None:
            return True
        gray = to_gray(frame.image)
        for text in seen.new(decode(gray), time.monotonic()):
            if len(text) <= MAX_TEXT:
                on_text(text)
        count += 1
        now = time.monotonic()
        if on_preview is not None and now - last_preview >= preview_every:
            last_preview = now
            on_preview(gray)
        if now - window_start >= 1.0:
            on_state(CameraState("running", fps=count / (now - window_start)))
            count, window_start = 0, now
    return False


# -- deciding and recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """Who is on duty where: what every crossing records besides the pass."""

    officer_id: str | None
    lane: str
    direction: str


@dataclass(frozen=True)
class Card:
    """What the officer checks against the ID card (id number masked to its last 4 digits)."""

    name: str
    birth_date: str
    masked_id: str
    category: str | None
    vehicle: str | None
    valid_until: datetime | None


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    crossing: Crossing | None
    card: Card | None
    source: str  # "camera" / "scanner" / "manual"
    log_error: str | None = None  # the log's error code when it could not record (CANNOT_RECORD)


@dataclass(frozen=True)
class ManualForm:
    name: str
    id_number: str
    birth_year: str
    phone: str = ""
    origin: str = ""
    destination: str = ""
    purpose: str = ""
    symptoms: bool = False

    def personal(self) -> PersonalData:
        return PersonalData(name=self.name, id_number=self.id_number, birth_date=self.birth_year,
                            phone=self.phone or None, origin=self.origin or None,
                            destination=self.destination or None, purpose=self.purpose or None)


def mask_id(id_number: str) -> str:
    tail = id_number[-4:]
    return "•" * max(0, len(id_number) - 4) + tail


class Checker:
    def __init__(self, station: Station, recorder: LogRecorder) -> None:
        self.station = station
        self.recorder = recorder
        self._lock = threading.Lock()

    def check(self, text: str, post: Post, source: str = "camera") -> Outcome:
        with self._lock:
            decision, t = self.station.decide(text)
            p = decision.pass_
            personal = None
            card = None
            if p is not None:
                s = p.subject
                personal = PersonalData(s.name, s.id_number, s.birth_date, None, s.vehicle, s.origin,
                                        s.destination, s.purpose)
                card = Card(s.name, s.birth_date, s.masked_id, s.category, s.vehicle, p.expires)
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect)
            r = record_and_show(self.recorder, decision, ctx, personal)
            return Outcome(r.decision, r.crossing, card, source, r.error_code)

    def manual(self, form: ManualForm, post: Post, detail: str) -> Outcome:
        """A declaration the officer typed in: recorded as manual (CHECK), refused when symptoms are
        declared and the rules refuse them."""
        with self._lock:
            t = self.station.guard.assess()
            flags = {Flag.MANUAL} | ({Flag.CLOCK_SUSPECT} if t.suspect else set())
            if form.symptoms and self.station.config.rules.refuse_symptoms:
                decision = Decision(Verdict.REJECT, Reason.RULE_FAILED, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",), rule="symptoms")
            else:
                decision = Decision(Verdict.ACCEPT, None, detail, t.effective, flags=frozenset(flags),
                                    rules_applied=("symptoms",) if self.station.config.rules.refuse_symptoms else ())
            ctx = CrossingContext(post.officer_id, post.lane, post.direction, t.system, t.suspect, manual=True)
            r = record_and_show(self.recorder, decision, ctx, form.personal())
            card = Card(form.name, form.birth_year, mask_id(form.id_number), "manual", None, None)
            return Outcome(r.decision, r.crossing, card, "manual", r.error_code)
