"""Distinct sounds for ACCEPT, REJECT and CHECK, so the officer hears the verdict without looking.

``bell``: terminal bell patterns (one ring accept, two check, three quick reject): works over SSH and on
any terminal. ``system``: short tones played by ``paplay`` or ``aplay`` where one exists (the tones are
written once as small WAV files into the data folder), else the bell. ``off``: silence. The officer
switches sound on and off with one key.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

from checkpoint.settings import MODES

#: rings per verdict for the bell pattern
BELLS = {"ACCEPT": 1, "CHECK": 2, "REJECT": 3}
#: (frequency Hz, milliseconds) notes per verdict for the system player: rising = go, low buzz = stop
TONES = {
    "ACCEPT": ((880, 120), (1320, 180)),
    "CHECK": ((660, 150), (0, 80), (660, 150)),
    "REJECT": ((220, 220), (0, 60), (220, 220), (0, 60), (220, 220)),
}
RATE = 16000


def write_tone(path: Path, notes: tuple[tuple[int, int], ...]) -> None:
    frames = bytearray()
    for freq, ms in notes:
        n = RATE * ms // 1000
        for i in range(n):
            fade = min(1.0, i / 160, (n - i) / 160)  # no clicks
            v = 0.0 if freq == 0 else math.sin(2 * math.pi * freq * i / RATE) * 0.5 * fade
            frames += struct.pack("<h", int(v * 32767))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


def find_player() -> list[str] | None:
    for name, args in (("paplay", []), ("aplay", ["-q"])):
        exe = shutil.which(name)
        if exe:
            return [exe, *args]
    return None


class Sound:
    """Plays a verdict's sound. ``bell`` rings the terminal bell (called on the UI thread); ``later``
    schedules a call (the app's ``set_timer``) for the pattern's next rings."""

    def __init__(self, mode: str, sound_dir: Path, bell: Callable[[], None],
                 later: Callable[[float, Callable[[], None]], object]) -> None:
        if mode not in MODES:
            raise ValueError(f"sound mode must be one of {', '.join(MODES)}")
        self.mode = mode
        self.enabled = mode != "off"
        self.sound_dir = sound_dir
        self._bell, self._later = bell, later
        self._player = find_player() if mode == "system" else None
        self.played: list[str] = []  # what was played, newest last (tests and the status line)

    def toggle(self) -> bool:
        self.enabled = not self.enabled
        return self.enabled

    def play(self, display: str) -> None:
        if not self.enabled or self.mode == "off":
            return
        self.played.append(display)
        if self._player is not None and self._play_file(display):
            return
        for i in range(BELLS.get(display, 1)):
            if i == 0:
                self._bell()
            else:
                self._later(0.18 * i, self._bell)

    def _play_file(self, display: str) -> bool:
        path = self.sound_dir / f"{display.lower()}.wav"
        try:
            if not path.exists():
                write_tone(path, TONES[display])
            assert self._player is not None
            subprocess.Popen([*self._player, str(path)], stdin=subprocess.DEVNULL,  # noqa: S603 (fixed argv)
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except (OSError, KeyError):
            return False
