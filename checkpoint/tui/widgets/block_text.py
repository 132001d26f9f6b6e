"""Big block letters, readable from two metres in any terminal font.

Five rows per letter. Vietnamese words are drawn from their base letters (diacritics removed), and the
panel prints the word with its diacritics in normal text right below, so nothing is lost.
"""

from __future__ import annotations

import unicodedata

ROWS = 5
FONT: dict[str, tuple[str, str, str, str, str]] = {
    "A": (" ███ ", "█   █", "█████", "█   █", "█   █"),
    "B": ("████ ", "█   █", "████ ", "█   █", "████ "),
    "C": (" ████", "█    ", "█    ", "█    ", " ████"),
    "D": ("████ ", "█   █", "█   █", "█   █", "████ "),
    "E": ("█████", "█    ", "████ ", "█    ", "█████"),
    "F": ("█████", "█    ", "████ ", "█    ", "█    "),
    "G": (" ████", "█    ", "█  ██", "█   █", " ████"),
    "H": ("█   █", "█   █", "█████", "█   █", "█   █"),
    "I": ("███", " █ ", " █ ", " █ ", "███"),
    "J": ("  ███", "   █ ", "   █ ", "█  █ ", " ██  "),
    "K": ("█   █", "█  █ ", "███  ", "█  █ ", "█   █"),
    "L": ("█    ", "█    ", "█    ", "█    ", "█████"),
    "M": ("█   █", "██ ██", "█ █ █", "█   █", "█   █"),
    "N": ("█   █", "██  █", "█ █ █", "█  ██", "█   █"),
    "O": (" ███ ", "█   █", "█   █", "█   █", " ███ "),
    "P": ("████ ", "█   █", "████ ", "█    ", "█    "),
    "Q": (" ███ ", "█   █", "█ █ █", "█  █ ", " ██ █"),
    "R": ("████ ", "█   █", "████ ", "█  █ ", "█   █"),
    "S": (" ████", "█    ", " ███ ", "    █", "████ "),
    "T": ("█████", "  █  ", "  █  ", "  █  ", "  █  "),
    "U": ("█   █", "█   █", "█   █", "█   █", " ███ "),
    "V": ("█   █", "█   █", "█   █", " █ █ ", "  █  "),
    "W": ("█   █", "█   █", "█ █ █", "██ ██", "█   █"),
    "X": ("█   █", " █ █ ", "  █  ", " █ █ ", "█   █"),
    "Y": ("█   █", " █ █ ", "  █  ", "  █  ", "  █  "),
    "Z": ("█████", "   █ ", "  █  ", " █   ", "█████"),
    " ": ("  ", "  ", "  ", "  ", "  "),
    "!": ("█", "█", "█", " ", "█"),
    "?": ("████ ", "    █", "  ██ ", "     ", "  █  "),
}
UNKNOWN = ("███", "█ █", "█ █", "█ █", "███")


def base_letters(word: str) -> str:
    """Upper case without diacritics (Đ becomes D)."""
    decomposed = unicodedata.normalize("NFD", word.upper().replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def render(word: str, scale: int = 1) -> list[str]:
    """The word as ``ROWS * scale`` lines of block characters, each glyph ``scale`` times wider and taller."""
    glyphs = [FONT.get(c, UNKNOWN) for c in base_letters(word)]
    gap = " " * scale
    rows = [gap.join("".join(ch * scale for ch in g[row]) for g in glyphs) for row in range(ROWS)]
    return [row for row in rows for _ in range(scale)]


def width(word: str, scale: int = 1) -> int:
    return len(render(word, scale)[0])


def fitting_scale(word: str, columns: int, largest: int = 3) -> int:
    """The largest scale (down to 1) at which ``word`` fits in ``columns``."""
    for scale in range(largest, 1, -1):
        if width(word, scale) <= columns:
            return scale
    return 1
