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


def render(word: str) -> list[str]:
    """The word as ``ROWS`` lines of block characters."""
    glyphs = [FONT.get(c, UNKNOWN) for c in base_letters(word)]
    return [" ".join(g[row] for g in glyphs) for row in range(ROWS)]


def width(word: str) -> int:
    return len(render(word)[0])
