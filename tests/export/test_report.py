from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from checkpoint.crossing import Crossing
from checkpoint.export._source import rows_of
from checkpoint.report import Summary, SyncStanding, render_html, render_text, summarize
from checkpoint.report.html import nice_step
from tests.export.crossing_rows import T0, crossing

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY_START = T0 - timedelta(hours=7)  # 2021-07-24 00:00 local


def day_rows() -> list[Crossing]:
    out = [crossing(i, at=DAY_START + timedelta(minutes=30 * i)) for i in range(1, 40)]
    out.append(replace(crossing(40, at=DAY_START + timedelta(hours=8)), manual=True, officer_id="<b>CB-9</b>"))
    out.append(crossing(41, at=DAY_START + timedelta(days=1)))  # the next day: not counted
    return out


def summary() -> Summary:
    return summarize(rows_of(day_rows()), tz=VN, station_id="HN-QL1A-01", generated_at=T0, since=DAY_START,
                     until=DAY_START + timedelta(days=1), period="2021-07-24", sync=SyncStanding(41, 30))


def test_counts_match_the_crossings() -> None:
    s = summary()
    rows = [c for c in day_rows() if c.seq <= 40]
    # the figures as every surface counts them (checkpoint.figures): by what was shown, CHECK apart
    assert s.total == 40 and s.accepted == sum(c.display == "ACCEPT" for c in rows)
    assert s.rejected == sum(c.verdict == "reject" for c in rows) and s.total == s.accepted + s.checks + s.rejected
    assert dict(s.by_reason) == {r: sum(c.reason == r for c in rows) for r in {c.reason for c in rows if c.reason}}
    assert s.duplicates == sum("duplicate" in c.flags for c in rows) and s.manual == 1
    assert s.checks == sum(c.display == "CHECK" for c in rows)
    assert len(s.by_hour) == 24 and sum(h.total for h in s.by_hour) == 40
    assert s.by_hour[0].start.hour == 0 and s.by_hour[8].total == 3
    assert sum(o.total for o in s.by_officer) == 40 and s.by_officer[0].total >= s.by_officer[-1].total
    assert s.sync is not None and s.sync.unsynced == 11
    assert (s.first_seq, s.last_seq) == (1, 40)


def test_text_report_in_both_languages() -> None:
    vi, en = render_text(summary(), "vi"), render_text(summary(), "en")
    assert "Tổng số lượt" in vi and "Hết hạn" in vi and "07:00" in vi
    assert "Crossings" in en and "Expired" in en and "Not yet sent: 11" in en


def test_html_is_self_contained_and_escapes_log_text() -> None:
    page = render_html(summary(), "vi")
    assert '<html lang="vi">' in page and page.count("<svg") >= 3
    assert "<b>CB-9</b>" not in page and "&lt;b&gt;CB-9&lt;/b&gt;" in page
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in page


def test_empty_period() -> None:
    s = summarize(iter([]), tz=VN, station_id="S", generated_at=T0, since=DAY_START,
                  until=DAY_START + timedelta(days=1), period="2021-07-24")
    assert s.total == 0 and "Không có lượt qua nào" in render_text(s, "vi") and "<svg" not in render_html(s, "vi")


def test_nice_grid_steps() -> None:
    assert [nice_step(n) for n in (0, 3, 4, 5, 9, 26, 41, 199, 201, 4001)] == [1, 1, 1, 2, 5, 10, 20, 50, 100, 2000]
