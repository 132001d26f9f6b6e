"""Pages of the console's long tables (tracing results, the audit log): a page number read from the request,
checked, and turned into an offset; the total is counted on the server.

A page number that is not one (``-1``, ``abc``, 10 digits) is refused with a clear 400 (``PageError``); a number
past the last page shows the last page. Tables are read with LIMIT/OFFSET in a stable order (a unique key), so
the pages of one query neither repeat nor skip a row while nothing is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

PAGE_SIZE = 100
MAX_DIGITS = 7  # page 9 999 999 at most: 10^9 rows at 100 a page


class PageError(ValueError):
    """A page number that is not one."""


def page_number(text: str | None) -> int:
    """The page asked for: 1 when none is; ``PageError`` for anything but a whole number from 1."""
    if text is None or text == "":
        return 1
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS or int(text) < 1:
        raise PageError(f"page: a whole number from 1 (at most {MAX_DIGITS} digits)")
    return int(text)


@dataclass(frozen=True)
class Page:
    number: int  # from 1, never past the last page
    total: int  # rows in the whole table
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The row number (from 1) of the page's first row; 0 for an empty table."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(number: int, total: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of a table of ``total`` rows; past the last page: the last page."""
    last = max(1, -(-total // size))
    return Page(min(max(number, 1), last), total, size)


def link(path: str, query: Mapping[str, str], number: int) -> str:
    """The URL of page ``number`` keeping the query's other values."""
    return f"{path}?{urlencode({**{k: v for k, v in query.items() if k != 'page'}, 'page': str(number)})}"
