"""Assemble scanner keystrokes or serial bytes into scans: one line per code.

Handheld scanners end each code with CR, LF or CRLF (a CRLF split across two reads is still one end);
some send no terminator at all, so a pause of ``idle_timeout`` seconds also ends a scan when the caller
polls. Overlong input (a stuck key, a flood) is cut at ``max_length`` and flagged rather than grown
without bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    text: str
    started: float  # time of the first character
    ended: float  # time of the terminator (or of the last character, for an idle end)
    truncated: bool = False
    terminated: bool = True  # False when ended by the idle timeout


class LineAssembler:
    def __init__(self, idle_timeout: float | None = None, max_length: int = 8192) -> None:
        self.idle_timeout = idle_timeout
        self.max_length = max_length
        self._buf: list[str] = []
        self._len = 0
        self._started = 0.0
        self._last = 0.0
        self._truncated = False
        self._after_cr = False

    def feed(self, chunk: str, now: float) -> list[Line]:
        """Add characters received at ``now``; return the lines they complete (empty lines are dropped)."""
        out: list[Line] = []
        stale = self.poll(now)
        if stale is not None:
            out.append(stale)
        for ch in chunk:
            if ch == "\n" and self._after_cr:
                self._after_cr = False  # the LF of a CRLF
                continue
            self._after_cr = ch == "\r"
            if ch in "\r\n":
                line = self._finish(now, terminated=True)
                if line is not None:
                    out.append(line)
                continue
            if not self._len:
                self._started = now
            if self._len < self.max_length:
                self._buf.append(ch)
                self._len += 1
            else:
                self._truncated = True
            self._last = now
        return out

    def poll(self, now: float) -> Line | None:
        """End a pending scan that has been idle for ``idle_timeout`` (scanners with no terminator)."""
        if self.idle_timeout is not None and self._len and now - self._last > self.idle_timeout:
            return self._finish(self._last, terminated=False)
        return None

    @property
    def pending(self) -> str:
        return "".join(self._buf)

    def _finish(self, now: float, terminated: bool) -> Line | None:
        if not self._len:
            return None
        line = Line("".join(self._buf), self._started, now, self._truncated, terminated)
        self._buf, self._len, self._truncated = [], 0, False
        return line
