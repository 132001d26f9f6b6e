"""The display boundary: every string that came from outside passes here before anyone sees it.

Outside means a pass's fields (name, vehicle, origin, destination, purpose, issuer...), a QR code's text,
a handheld scanner's keystrokes, a server's reply, a config file, a file being checked, and what an
officer typed. Before such a string reaches a terminal, the app, an HTML page, a log line or an error
message it goes through :func:`shown` (or one of the helpers built on it):

- **Control characters** (C0 ``U+0000..U+001F``, DEL ``U+007F``, C1 ``U+0080..U+009F``) are shown as
  visible escapes in Python's spelling: ESC is the four characters ``\\x1b``, a newline ``\\n``, a tab
  ``\\t``. A terminal never receives a raw ESC or CSI from outside data, so nothing can repaint the
  screen, move the cursor or change a colour.
- **Hidden formatting characters**: bidi overrides, embeddings, isolates and marks (``U+202A..U+202E``,
  ``U+2066..U+2069``, ``U+200E``, ``U+200F``, ``U+061C``), zero-width characters (``U+200B..U+200D``,
  ``U+2060``, ``U+FEFF``), every other Unicode *format* character (category Cf: soft hyphen, tags,
  invisible operators...), the line and paragraph separators ``U+2028``/``U+2029``, lone surrogates and
  the invisible Hangul fillers are shown as ``\\u202e``-style escapes (``\\U000e0041`` beyond the BMP).
- **Everything else is left exactly as it is**, in particular letters with combining marks: Vietnamese
  in NFC or NFD, with every diacritic, is unchanged (combining marks are not hidden characters). The
  text is not normalised here (that would change what the pass says); lookups normalise on their own.
- **Rich markup** is never interpreted: the app builds :class:`rich.text.Text` from outside data with
  :func:`rich_text`, never a markup string, so ``[/]``, ``[link=...]`` or ``[@click=app.quit]`` in a
  name are shown as those characters.

A literal backslash is left alone, so a name containing the text ``\\x1b`` looks like one holding an
ESC; :func:`has_hidden` (and the "hidden characters" warning it drives) tells the two apart.

This module imports nothing beyond the standard library, so the core (the verifier) uses it too;
:func:`rich_text` imports Rich only when called.
"""

from __future__ import annotations

import html as _html
import json
import logging
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

#: Invisible code points outside the hidden categories, which a name never needs: the combining grapheme
#: joiner, Hangul fillers, Khmer inherent vowels, Mongolian free variation selectors, variation selectors
#: (and their supplement), the braille blank. One set for display and for lookup keys (checkpoint.lookup_keys).
_INVISIBLE_LETTERS = frozenset(
    chr(c) for c in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180E, 0x180F, 0x2800,
                     0x3164, 0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))
)
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_hidden(ch: str) -> bool:
    """A control, bidi, zero-width or other invisible formatting character (one code point)."""
    return ch in _INVISIBLE_LETTERS or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def has_hidden(text: str | None) -> bool:
    """Whether ``text`` holds any character :func:`shown` would escape (no real name needs one)."""
    if text is None:
        return False
    if text.isprintable():  # C speed; False for every hidden category (and a few harmless ones: NBSP...)
        return not _INVISIBLE_LETTERS.isdisjoint(text)
    return any(is_hidden(c) for c in text)


def any_hidden(values: Iterable[str | None]) -> bool:
    return any(has_hidden(v) for v in values)


def escape_char(ch: str) -> str:
    """The visible form of one hidden character: ``\\x1b``, ``\\n``, ``\\u202e``, ``\\U000e0041``."""
    if ch in _SHORT:
        return _SHORT[ch]
    n = ord(ch)
    if n <= 0xFF:
        return f"\\x{n:02x}"
    if n <= 0xFFFF:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def shown(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as text safe to show anywhere: hidden characters as visible escapes (see the module doc).

    ``None`` is the empty string. ``keep_newlines`` keeps line feeds (for a message of several lines the
    station wrote itself around outside values); every other control is still escaped.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not has_hidden(text):
        return text  # the common case: no copy
    return "".join(c if keep_newlines and c == "\n" else escape_char(c) if is_hidden(c) else c for c in text)


def shown_lines(value: object) -> str:
    """:func:`shown` keeping line feeds: for messages of several lines (errors, reports)."""
    return shown(value, keep_newlines=True)


def error_text(error: BaseException) -> str:
    """An exception's message, safe to print (exceptions often carry what a server or a file said)."""
    return shown_lines(error)


def html_text(value: object) -> str:
    """For HTML: sanitised first, then HTML-escaped (quotes included, so it is safe in attributes too)."""
    return _html.escape(shown(value), quote=True)


def cell(value: object) -> object:
    """A CSV or spreadsheet cell: strings sanitised (no raw ESC or C1 in a file a spreadsheet opens),
    numbers, dates and ``None`` as they are."""
    return shown(value) if isinstance(value, str) else value


def json_text(obj: object, **kw: object) -> str:
    """JSON that is safe to print on a terminal and still means exactly the same values.

    ``json.dumps`` escapes C0 controls itself, but with ``ensure_ascii=False`` (kept so Vietnamese stays
    readable) it writes C1 controls, DEL, bidi and zero-width characters raw. Those only occur inside JSON
    strings, where ``\\uXXXX`` means the same character, so they are rewritten as such escapes.
    """
    text = json.dumps(obj, ensure_ascii=False, **kw)  # type: ignore[arg-type]
    if not has_hidden(text.replace("\n", " ") if "\n" in text else text):
        return text
    out = []
    for c in text:
        if c not in "\n" and is_hidden(c):  # indent=... writes real newlines between members, never in strings
            n = ord(c)
            if n > 0xFFFF:  # a JSON escape is UTF-16: a surrogate pair
                n -= 0x10000
                out.append(f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}")
            else:
                out.append(f"\\u{n:04x}")
        else:
            out.append(c)
    return "".join(out)


def rich_text(value: object, style: str = "") -> Text:
    """A Rich :class:`~rich.text.Text` of ``value`` after :func:`shown`: never parsed as markup."""
    from rich.text import Text

    return Text(shown(value), style=style)


class SafeFormatter(logging.Formatter):
    """A logging formatter whose lines carry no raw control character: the message is one line (an outside
    string in it cannot forge another line or colour a terminal); a traceback keeps its line feeds."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return shown(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return shown_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return shown_lines(super().formatStack(stack_info))


def install_safe_logging(logger: logging.Logger | None = None) -> None:
    """Put :class:`SafeFormatter` (keeping each handler's format) on every handler of ``logger`` (root)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        current = handler.formatter
        if isinstance(current, SafeFormatter):
            continue
        fmt = current._fmt if current is not None else None  # keep the handler's own format
        datefmt = current.datefmt if current is not None else None
        handler.setFormatter(SafeFormatter(fmt, datefmt))


#: What a spreadsheet evaluates a cell's text as a formula for when it starts with it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: str) -> str:
    """Make a text inert in a spreadsheet: one that Excel would evaluate gets a leading apostrophe (the
    station's exports and the central server's export both write CSV for people to open)."""
    return "'" + value if value.startswith(FORMULA_START) else value
