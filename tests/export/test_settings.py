from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checkpoint.config import parse_config
from checkpoint.errors import CheckpointError, ConfigError
from checkpoint.export._settings import export_settings, load_timezone, period_from, tz_label

VN = load_timezone("Asia/Ho_Chi_Minh")


def test_day_is_a_local_day() -> None:
    p = period_from(day="2021-07-24", start=None, end=None, tz=VN)
    assert p.since == datetime(2021, 7, 23, 17, tzinfo=UTC) and p.until == datetime(2021, 7, 24, 17, tzinfo=UTC)
    assert p.label == "2021-07-24"


def test_from_to_includes_both_days_and_accepts_times() -> None:
    p = period_from(day=None, start="2021-07-20", end="2021-07-24", tz=VN)
    assert p.since == datetime(2021, 7, 19, 17, tzinfo=UTC) and p.until == datetime(2021, 7, 24, 17, tzinfo=UTC)
    q = period_from(day=None, start="2021-07-20T08:30", end=None, tz=VN)
    assert q.since == datetime(2021, 7, 20, 1, 30, tzinfo=UTC) and q.until is None
    r = period_from(day=None, start=None, end="2021-07-20T08:00+00:00", tz=VN)
    assert r.until == datetime(2021, 7, 20, 8, tzinfo=UTC)


def test_default_is_everything_or_today() -> None:
    assert period_from(day=None, start=None, end=None, tz=VN).since is None
    today = period_from(day=None, start=None, end=None, tz=VN, default_today=datetime(2021, 7, 24, 18, tzinfo=UTC))
    assert today.label == "2021-07-25"  # 01:00 on the 25th in Vietnam


@pytest.mark.parametrize(("day", "start", "end", "message"), [
    ("2021-07-24", "2021-07-20", None, "either --day or --from/--to"),
    ("24/07/2021", None, None, "not a date"),
    (None, "2021-07-24", "2021-07-20", "--to is before --from"),
])
def test_bad_periods(day: str | None, start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        period_from(day=day, start=start, end=end, tz=VN)


def test_export_table_of_the_config() -> None:
    s = export_settings(parse_config({"station": {"language": "en"}, "export": {"timezone": "Asia/Bangkok"}}))
    assert s.language == "en" and str(s.tz) == "Asia/Bangkok"
    assert export_settings(parse_config({})).language == "vi"
    with pytest.raises(ConfigError, match=r"\[export.timezone\] unknown time zone"):
        export_settings(parse_config({"export": {"timezone": "Mars/Olympus"}}, "station.toml"))
    with pytest.raises(ConfigError, match="unknown key"):
        export_settings(parse_config({"export": {"tz": "UTC"}}))


def test_tz_label() -> None:
    assert tz_label(VN, datetime(2021, 7, 24, tzinfo=UTC)) == "UTC+07:00"
    assert tz_label(load_timezone("America/St_Johns"), datetime(2021, 1, 1, tzinfo=UTC)) == "UTC-03:30"


def test_example_config_documents_the_export_table() -> None:
    from pathlib import Path

    from checkpoint.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "station.example.toml")
    s = export_settings(cfg)
    assert str(s.tz) == "Asia/Ho_Chi_Minh" and s.language == "vi"
