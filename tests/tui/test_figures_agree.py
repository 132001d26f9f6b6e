"""Words and figures that agree, tried as a supervisor would (issue 17 item 6).

One shift on the real app (Pilot): the officer's shift counters, the supervisor screen (F5), ``checkpoint
report`` (the function the command runs, text and HTML) and a CSV export of the same log must give the same
accepted / CHECK / rejected figures, in the same words, with categories and reasons in Vietnamese.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from checkpoint.export._settings import export_settings, period_from
from checkpoint.export._station_export import export_station_log, report_station_log
from checkpoint.export._writers import Format
from checkpoint.figures import Tally
from checkpoint.report import render_html, render_text
from checkpoint.tui.screens.supervisor import SupervisorScreen, render_figures
from checkpoint.tui.widgets.counters import Counters
from tests.tui.conftest import make_services
from tests.tui.test_app import SIZE, app_for, scan, sign_in

pytestmark = pytest.mark.asyncio


def _plain(renderable: object) -> str:
    from rich.console import Console

    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_app_supervisor_screen_report_and_export_count_alike(tmp_path: Path) -> None:
    w = make_services(tmp_path, language="vi")
    app = app_for(w, w.officer)
    # valid (ACCEPT), the same pass again (CHECK: duplicate), the freight pass (ACCEPT), three refusals
    keys = ("valid", "valid", "valid_freight", "forged", "expired", "category")
    async with app.run_test(size=SIZE) as pilot:
        for key in keys:
            await scan(app, pilot, w.text(key))
        shift = app.scan.query_one(Counters).counts
        await pilot.press("f5")
        await pilot.pause()
        await sign_in(app, pilot, "CH01", "9876")
        sup = app.screen
        assert isinstance(sup, SupervisorScreen) and sup.summary is not None
        f5 = sup.summary
        f5_text = _plain(render_figures(f5, w.services.texts, f5.generated_at))

    expected = Tally(accept=2, check=1, reject=3)
    assert shift == expected and f5.figures == expected  # before: F5 1 + 1, the report 3 "accepted"

    config, clock = w.services.station.config, w.services.clock
    period = period_from(day=None, start=None, end=None, tz=export_settings(config).tz, default_today=clock.now())
    report = report_station_log(config, clock, period, data_dir=w.services.data_dir)
    assert report.figures == expected and report.total == len(keys)

    out = tmp_path / "today.csv"
    export_station_log(config, clock, out=out, fmt=Format.CSV, period=period, data_dir=w.services.data_dir,
                       language="vi")
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    results = Counter(row["Kết quả"] for row in table)
    assert results == {"Được qua": 2, "Kiểm tra": 1, "Từ chối": 3}

    # the same words on every surface: the app's, the report's and the export's
    text = render_text(report, "vi")
    for line in (f"Được qua {2:>8}", f"Kiểm tra {1:>8}", f"Từ chối {3:>8}"):
        assert " ".join(line.split()) in " ".join(text.split()), line
        assert " ".join(line.split()) in " ".join(f5_text.split()), line
    assert "Cho qua" not in text + f5_text + out.read_text(encoding="utf-8-sig")
    assert "CHECK" not in text  # the per-officer table's column is in Vietnamese too
    # the station by its name (and id); categories and reasons in Vietnamese
    assert "Chốt kiểm soát Km 12 (demo) (DEMO-LCI-01)" in text
    assert {row["Đối tượng"] for row in table} >= {"Người dân", "Vận tải hàng hóa"}
    assert "Quá cảnh" in {row["Đối tượng"] for row in table}  # the refused transit pass
    page = render_html(report, "vi")
    assert "Người dân" in page and ">resident<" not in page and "Đối tượng này không được qua chốt" not in text
    assert "Nơi cấp không được tin cậy" in text and "Hết hạn" in text


async def test_the_panel_shows_the_values_that_refused(tmp_path: Path) -> None:
    """The officer reads which category, which date: the decision's grounds in the station's language."""
    from tests.tui.test_app import panel_text

    w = make_services(tmp_path, language="vi")
    app = app_for(w, w.officer)
    async with app.run_test(size=SIZE) as pilot:
        await scan(app, pilot, w.text("category"))
        assert "Đối tượng 'Quá cảnh' không được qua chốt này" in panel_text(app)
        await scan(app, pilot, w.text("expired"))
        text = panel_text(app)
        assert "Thẻ đã hết hạn" in text and "Thẻ đã hết hạn lúc " in text and " UTC" in text
