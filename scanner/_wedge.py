"""Keyboard-wedge scanners: a scanner that types the code as keystrokes, ended by Enter.

The terminal app feeds what it receives to :class:`WedgeAssembler`; each completed line comes back as a
:class:`WedgeScan` with, when the text holds characters outside the expected alphabet, a
:class:`Diagnosis` naming the likely cause for the officer. Keystrokes pass through the computer's input
method and keyboard layout, which mangle scans in ways nobody at the desk can see:

- a Vietnamese input method (Unikey, EVKey) in Telex mode composes letters: ``AA`` -> ``Â``, ``DD`` -> ``Đ``,
  ``OW`` -> ``Ơ``, ``AS`` -> ``Á``; in VNI mode digits after vowels become tone marks (``A1`` -> ``Á``);
- a non-US layout (French AZERTY, German QWERTZ, ...) turns the scanner's US key codes into other
  characters: digits into ``&é"'(``, and ``$%*+-./:`` into whatever sits on those keys;
- Caps Lock inverts the case of letters.

The scanner package knows nothing of pass formats: the caller passes the alphabet its formats use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from scanner._lines import Line, LineAssembler
from scanner._notice import Notice, notice

MESSAGES = {
    "vietnamese_ime": "The scan was changed by a Vietnamese input method (Unikey or EVKey in Telex/VNI mode "
    "turned letters into {chars}). Switch the input method to English (E) or off, or use the scanner in "
    "serial mode, then scan again.",
    "keyboard_layout": "The scan has characters the code cannot hold ({chars}): the keyboard layout of this "
    "computer is not US English (for example French or German), which moves digits and $%*+-./:. Set the "
    "layout (or the scanner's keyboard setting) to US English, or use serial mode, then scan again.",
    "caps_lock": "Letters came in lowercase ({chars}): Caps Lock may be on, or the scanner is set to invert "
    "case. Turn Caps Lock off and scan again.",
    "control_chars": "The scan contains control keys ({chars}): the scanner sends a prefix or suffix (Tab, "
    "Esc). Remove it in the scanner's settings, or use serial mode.",
    "outside_alphabet": "The scan has characters a valid code never contains ({chars}). Scan again; if it "
    "repeats, use the scanner in serial mode.",
    "truncated": "The scan was longer than any code and was cut off. Scan again.",
}

# What a US-layout scanner's keys produce on common other layouts (digits and the Base45 symbols).
# French AZERTY: 1234567890 -> &é"'(-è_çà; German QWERTZ: - -> ß, / -> -, : -> Ö, * -> (, + -> `.
LAYOUT_SIGNS = frozenset("&é\"'(è_çà)§!µ£¨²ß´`ÖÄÜöäü#<>;°^ñÑ¡¿¬|@€")


@dataclass(frozen=True)
class Diagnosis:
    code: str
    notice: Notice
    bad: tuple[str, ...]  # the offending characters, each once, in order of appearance
    first_position: int


# Combining marks of Vietnamese letters: grave, acute, circumflex, tilde, breve, hook above, horn, dot below.
VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")


def _is_vietnamese_letter(ch: str) -> bool:
    if ch in "ĐđƠơƯư":
        return True
    d = unicodedata.normalize("NFD", ch)
    return len(d) > 1 and d[0].isascii() and d[0].isalpha() and all(m in VIETNAMESE_MARKS for m in d[1:])


def _show(chars: Iterable[str]) -> str:
    return " ".join(repr(c)[1:-1] if not c.isprintable() else c for c in chars)


def diagnose_text(text: str, alphabet: str | frozenset[str]) -> Diagnosis | None:
    """None when every character of ``text`` is in ``alphabet``; otherwise the likeliest cause."""
    allowed = frozenset(alphabet)
    bad_positions = [(i, ch) for i, ch in enumerate(text) if ch not in allowed]
    if not bad_positions:
        return None
    bad = tuple(dict.fromkeys(ch for _, ch in bad_positions))
    first = bad_positions[0][0]

    def diag(code: str, chars: tuple[str, ...]) -> Diagnosis:
        return Diagnosis(code, notice(MESSAGES, code, chars=_show(chars)), bad, first)

    # é è à are both French digits and Vietnamese letters: a layout also leaves signs no Vietnamese
    # input method produces (& " ' ( _ ç ß ö ...), so those decide first.
    layout = tuple(c for c in bad if c in LAYOUT_SIGNS)
    if any(not _is_vietnamese_letter(c) for c in layout):
        return diag("keyboard_layout", layout)
    viet = tuple(c for c in bad if _is_vietnamese_letter(c))
    if viet:
        return diag("vietnamese_ime", viet)
    lower = tuple(c for c in bad if c.islower() and c.upper() in allowed)
    if lower:
        return diag("caps_lock", lower)
    control = tuple(c for c in bad if unicodedata.category(c).startswith("C"))
    if control:
        return diag("control_chars", control)
    return diag("outside_alphabet", bad)


@dataclass(frozen=True)
class WedgeScan:
    text: str
    started: float
    ended: float
    diagnosis: Diagnosis | None  # None: every character is in the alphabet

    @property
    def ok(self) -> bool:
        return self.diagnosis is None


class WedgeAssembler:
    """Feed keystrokes (``feed(chars, now)``) or whole typed lines (``feed_line(line, now)``); get scans.

    ``alphabet``: the characters the expected codes use (e.g. Base45 for CP1/HC1 passes, digits and
    ``shc:/`` for SMART Health Cards); pass the union for a station that accepts several formats.
    """

    def __init__(self, alphabet: str | frozenset[str], idle_timeout: float | None = None,
                 max_length: int = 8192) -> None:
        self.alphabet = frozenset(alphabet)
        self._lines = LineAssembler(idle_timeout, max_length)

    def feed(self, chars: str, now: float) -> list[WedgeScan]:
        return [self._scan(line) for line in self._lines.feed(chars, now)]

    def feed_line(self, line: str, now: float) -> list[WedgeScan]:
        """A line as a text input widget hands it over (without its Enter)."""
        return self.feed(line + "\r", now)

    @property
    def pending(self) -> str:
        """What has been typed of a scan not yet ended ("" when the scanner is idle)."""
        return self._lines.pending

    def poll(self, now: float) -> WedgeScan | None:
        line = self._lines.poll(now)
        return self._scan(line) if line is not None else None

    def _scan(self, line: Line) -> WedgeScan:
        diagnosis = diagnose_text(line.text, self.alphabet)
        if diagnosis is None and line.truncated:
            diagnosis = Diagnosis("truncated", notice(MESSAGES, "truncated"), (), len(line.text))
        return WedgeScan(line.text, line.started, line.ended, diagnosis)
