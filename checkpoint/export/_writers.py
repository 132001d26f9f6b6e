"""The three export formats behind one small interface: ``write(crossing row)``, then ``close()``.

- CSV: UTF-8 with a byte-order mark (Excel on Windows reads Vietnamese diacritics right only with it),
  CRLF line ends, times as ``YYYY-MM-DD HH:MM:SS`` local time. A text that Excel would run as a
  formula (starting with ``= + - @``, tab or CR) is prefixed with an apostrophe: pass fields are
  typed by whoever made the pass, and a contact tracer opening the file must not run them.
- XLSX: :mod:`checkpoint.export._xlsx` (typed dates, frozen header).
- JSON Lines: one JSON object per crossing, UTF-8, machine keys and codes.

No cell carries a raw control character: in CSV and XLSX every text with a control, bidi or zero-width
character gets the visible escapes of :mod:`checkpoint.display` (``\\x1b``: a name that holds an ESC
reads as such; the log keeps the exact value). JSON Lines keep the exact values, with those characters
written as ``\\uXXXX`` escapes (``display.json_text``), so the file is safe to print on a terminal too.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import IO, Protocol

from checkpoint.display import FORMULA_START, defuse, has_hidden, json_text, shown
from checkpoint.export._columns import Cell, Column
from checkpoint.export._xlsx import XlsxWriter


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


class RowWriter(Protocol):
    def write_row(self, values: Sequence[Cell]) -> None: ...

    def write_object(self, doc: dict[str, object]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None:
        """Drop the writer after an error without writing more (the file is about to be removed)."""


_FORMULA_CHARS = frozenset(FORMULA_START)


class CsvWriter:
    """Rows whose time is already text (``RowMaker(time_text=True)``); only typed columns are defused."""

    def __init__(self, file: IO[bytes], headers: Sequence[str], typed: Sequence[int] = ()) -> None:
        self._text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=False)
        self._csv = csv.writer(_Shown(self._text), lineterminator="\r\n")
        self._csv.writerow([defuse(h) for h in headers])
        self._typed = tuple(typed)

    def write_row(self, values: Sequence[Cell]) -> None:
        row = list(values)
        f = _FORMULA_CHARS
        for i in self._typed:
            v = row[i]
            if type(v) is str and v[:1] in f:
                row[i] = "'" + v
        self._csv.writerow(row)  # None is written empty, int as digits

    def write_object(self, doc: dict[str, object]) -> None:
        raise TypeError("CSV takes rows")

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller owns (and closes) the binary file

    def abort(self) -> None:
        _abandon(self._text)


class _Shown:
    """The CSV text as the display boundary lets it out: a line holding a control, bidi or zero-width
    character gets visible escapes (one check per line, not per cell: a million rows per export)."""

    def __init__(self, text: IO[str]) -> None:
        self._write = text.write

    def write(self, line: str) -> int:
        body = line[:-2] if line.endswith("\r\n") else line
        if has_hidden(body):
            line = shown(body) + line[len(body):]
        return self._write(line)


class JsonlWriter:
    def __init__(self, file: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(file, encoding="utf-8", newline="\n", write_through=False)

    def write_row(self, values: Sequence[Cell]) -> None:
        raise TypeError("JSON Lines takes objects")

    def write_object(self, doc: dict[str, object]) -> None:
        self._text.write(json_text(doc, separators=(",", ":")))  # hidden characters as \\u escapes
        self._text.write("\n")

    def close(self) -> None:
        self._text.flush()
        self._text.detach()

    def abort(self) -> None:
        _abandon(self._text)


class SpreadsheetWriter:
    def __init__(self, file: IO[bytes], cols: Sequence[Column], headers: Sequence[str], sheet_title: str,
                 title: str) -> None:
        self._x = XlsxWriter(file, sheet_title=sheet_title, headers=headers, widths=[c.width for c in cols],
                             title=title)

    def write_row(self, values: Sequence[Cell]) -> None:
        self._x.write_row(values)

    def write_object(self, doc: dict[str, object]) -> None:
        raise TypeError("XLSX takes rows")

    def close(self) -> None:
        self._x.close()

    def abort(self) -> None:
        self._x.abort()


def _abandon(text: io.TextIOWrapper) -> None:
    with contextlib.suppress(Exception):
        text.detach()
