"""One event per pass held in front of the camera.

A pass shown to the camera is read on many frames in a row, and flickers in and out as the hand moves.
``Debouncer.feed(texts, now)`` returns only the texts that start a new sighting: a text counts as new
when it was not seen in the last ``window`` seconds. A different pass right after is new at once; the
same pass shown again after ``window`` seconds without being seen is new again. Pure: time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable


class Debouncer:
    def __init__(self, window: float = 3.0) -> None:
        if window < 0:
            raise ValueError("debounce window must be >= 0 seconds")
        self.window = window
        self._last_seen: dict[str, float] = {}

    def feed(self, texts: Iterable[str], now: float) -> list[str]:
        """The texts among ``texts`` (seen at time ``now``, seconds) that are new events, in order."""
        self._forget(now)
        new: list[str] = []
        for text in texts:
            last = self._last_seen.get(text)
            if (last is None or now - last > self.window) and text not in new:
                new.append(text)
            self._last_seen[text] = now
        return new

    def reset(self) -> None:
        """Forget everything (the officer asked to scan the same pass again)."""
        self._last_seen.clear()

    def _forget(self, now: float) -> None:
        stale = [t for t, seen in self._last_seen.items() if now - seen > self.window]
        for t in stale:
            del self._last_seen[t]
