"""Messages the workers post to the app (threads never touch widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from checkpoint.camera_state import CameraState
from checkpoint.card_parts import PartialCard
from checkpoint.id_cards import IdCardScan
from checkpoint.service import Outcome

if TYPE_CHECKING:
    from scanner.frames import Image
    from sync.worker import SyncStatus


class TextScanned(Message):
    def __init__(self, text: str, source: str) -> None:
        super().__init__()
        self.text, self.source = text, source


class Checked(Message):
    """A verdict that has been recorded (or refused as CANNOT_RECORD): show it now."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class CameraChanged(Message):
    def __init__(self, state: CameraState) -> None:
        super().__init__()
        self.state = state


class PreviewFrame(Message):
    def __init__(self, gray: Image) -> None:
        super().__init__()
        self.gray = gray


class SyncChanged(Message):
    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class WedgeProblem(Message):
    """A handheld scan the computer mangled (input method, keyboard layout, Caps Lock): ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class PartScanned(Message):
    """One part of a multi-part SMART Health Card is in; ask for the rest."""

    def __init__(self, part: PartialCard) -> None:
        super().__init__()
        self.part = part


class IdCardRead(Message):
    """A chip ID card (CCCD) was scanned and checked against the lane's recent pass: show it (lane cccd)."""

    def __init__(self, scan: IdCardScan) -> None:
        super().__init__()
        self.scan = scan


class DispositionDone(Message):
    """A disposition was recorded for crossing ``crossing_seq`` (``error``: the log's error code when it was not)."""

    def __init__(self, crossing_seq: int, code: str, error: str | None) -> None:
        super().__init__()
        self.crossing_seq, self.code, self.error = crossing_seq, code, error
