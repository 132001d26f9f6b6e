"""XlsxWriter (the library) in constant-memory mode behind the project's XLSX writer interface.

Only for ``bench/export_bench.py --xlsx-lib``: the measurement issue 17 item 7 asks for. It writes the
same workbook as ``checkpoint.export._xlsx.XlsxWriter`` (bold frozen header, auto-filter, column widths,
dates as date-time cells, text through the display boundary, a new sheet every 1,048,575 rows), so the
two can be timed on the same export. XlsxWriter is not a dependency of the station: install it into the
virtual environment to run this (``pip install XlsxWriter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

from checkpoint.export._xlsx import MAX_ROWS, Value, text


class LibXlsxWriter:
    def __init__(self, file: IO[bytes], *, sheet_title: str, headers: Sequence[str], widths: Sequence[int],
                 title: str = "", compresslevel: int = 1) -> None:
        import xlsxwriter  # type: ignore[import-not-found, unused-ignore]

        self._wb: Any = xlsxwriter.Workbook(file, {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        self._wb.set_properties({"title": title, "author": "checkpoint-station"})
        self._bold = self._wb.add_format({"bold": True})
        self._date = self._wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._title, self._headers, self._widths = sheet_title, list(headers), list(widths)
        self._ws: Any = None
        self._row = 0
        self._sheets = 0

    def _open_sheet(self) -> None:
        self._close_sheet()
        self._sheets += 1
        name = self._title if self._sheets == 1 else f"{self._title} ({self._sheets})"
        ws = self._ws = self._wb.add_worksheet(name[:31])
        for i, w in enumerate(self._widths):
            ws.set_column(i, i, w)
        ws.freeze_panes(1, 0)
        for i, h in enumerate(self._headers):
            ws.write_string(0, i, h, self._bold)
        self._row = 1

    def _close_sheet(self) -> None:
        if self._ws is not None:
            self._ws.autofilter(0, 0, self._row - 1, len(self._headers) - 1)

    def write_row(self, values: Sequence[Value]) -> None:
        if self._ws is None or self._row >= MAX_ROWS:
            self._open_sheet()
        ws, r = self._ws, self._row
        for col, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, col, v if v.isprintable() else text(v))
            elif isinstance(v, datetime):
                ws.write_datetime(r, col, v, self._date)
            elif isinstance(v, bool):
                ws.write_boolean(r, col, v)
            else:
                ws.write_number(r, col, v)
        self._row += 1

    def abort(self) -> None:
        self._ws = None

    def close(self) -> None:
        if self._ws is None:
            self._open_sheet()
        self._close_sheet()
        self._wb.close()
