"""A progress bar on stderr for long work (exports, reports, sync): only on a terminal, at most ~10 updates/s,
with the rate and the time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, *, quiet: bool = False, width: int = 30) -> None:
        self.label, self.width = label, width
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and self.stream.isatty()
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and (total is None or done < total):
            return
        self._last = now
        rate = done / max(now - self._start, 1e-6)
        if total:
            frac = min(done / total, 1.0)
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            eta = (total - done) / rate if rate > 0 and done < total else 0
            text = f"\r{self.label} [{bar}] {frac:4.0%} {done:,}/{total:,}  {rate:,.0f}/s  ~{eta:.0f} s left "
        else:
            text = f"\r{self.label} {done:,}  {rate:,.0f}/s "
        self.stream.write(text)
        self.stream.flush()
        self._shown = True

    def update(self, done: int, total: int | None) -> None:
        self(done, total)

    def status(self, text: str) -> None:
        """A word before the counting starts (e.g. while the log's integrity check runs)."""
        if self.enabled:
            self.stream.write(f"\r{self.label}: {text}")
            self.stream.flush()
            self._shown = True

    def done(self) -> None:
        """End the bar's line (call once the work is over, or failed)."""
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False

    close = done
