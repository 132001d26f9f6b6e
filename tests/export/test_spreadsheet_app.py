"""A real spreadsheet application opens the XLSX the station writes (when LibreOffice is installed).

The XLSX writer is the project's own (docs/benchmarks-export.md says why), so besides openpyxl this
checks it with an independent application: LibreOffice converts the XLSX to CSV, and the result must
equal the station's own CSV export of the same crossings, cell for cell (dates formatted by the
XLSX's number format, diacritics intact).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint import sealing
from checkpoint.clock import FixedClock
from checkpoint.export import ExportRequest, Format, export
from checkpoint.export._source import rows_of
from tests.export.crossing_rows import T0, crossings

SOFFICE = shutil.which("soffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_xlsx_as_the_csv_says(tmp_path: Path) -> None:
    sup = sealing.generate()
    rows = list(crossings(200, seal_to=sup.public_key()))
    station = Ed25519PrivateKey.generate()
    for fmt in (Format.XLSX, Format.CSV):
        req = ExportRequest(tmp_path / f"x.{fmt.value}", fmt, timezone(timedelta(hours=7)), "UTC+07:00")
        export(rows_of(rows), req, station_id="S", station_key=station, clock=FixedClock(T0), supervisor_key=sup,
               audit=lambda a, d: None)
    out = tmp_path / "conv"
    assert SOFFICE is not None
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false", "--outdir", str(out),
                    str(tmp_path / "x.xlsx")], check=True, capture_output=True, timeout=120)
    converted = (out / "x.csv").read_text(encoding="utf-8")
    ours = (tmp_path / "x.csv").read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert converted == ours
    assert "Trần Thị Bích Ngọc" in converted
