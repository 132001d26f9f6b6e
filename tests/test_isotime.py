"""The one definition of each time form (checkpoint.isotime) and the callers that used to keep their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from checkpoint.isotime import iso_z, parse_instant, parse_stamp, sortable, stamp

T = datetime(2021, 7, 24, 8, 15, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))


def test_iso_z_writes_utc_with_z_and_keeps_none() -> None:
    assert iso_z(T) == "2021-07-24T08:15:00Z"
    assert iso_z(T.replace(microsecond=5)) == "2021-07-24T08:15:00.000005Z"
    assert iso_z(None) is None
    # an aware time in another zone is written in UTC (the clock guard used to write +00:00, others Z)
    assert iso_z(T.astimezone(HANOI)) == "2021-07-24T08:15:00Z"
    # a time without zone is never guessed to be local time
    assert iso_z(datetime(2021, 7, 24, 8, 15)) == "2021-07-24T08:15:00"


def test_stamp_is_fixed_width_sortable_and_round_trips() -> None:
    assert stamp(T) == "2021-07-24T08:15:00.000000Z"
    assert stamp(T.astimezone(HANOI)) == stamp(T)
    assert parse_stamp(stamp(T)) == T
    times = [T + timedelta(microseconds=n) for n in (0, 1, 999_999, 10**6, 10**7)]
    assert sorted(stamp(t) for t in times) == [stamp(t) for t in sorted(times)]
    with pytest.raises(ValueError, match="aware"):
        stamp(datetime(2021, 7, 24))
    with pytest.raises(ValueError):
        parse_stamp("2021-07-24T08:15:00Z")  # not the fixed-width form


@pytest.mark.parametrize("text", ["2021-07-24T08:15:00Z", "2021-07-24T08:15:00z", " 2021-07-24T15:15:00+07:00 ",
                                  "2021-07-24T08:15:00", "2021-07-24T08:15:00.000000Z"])
def test_parse_instant_reads_every_form_as_utc(text: str) -> None:
    t = parse_instant(text)
    assert t == T and t.tzinfo is UTC
    assert sortable(text) == "2021-07-24T08:15:00.000000Z"


def test_old_names_are_the_one_definition() -> None:
    from checkpoint import clock, isotime
    from checkpoint.cli import common
    from checkpoint.log import _timefmt as timefmt
    from sync import protocol
    from sync.server import storage

    assert clock.parse_instant is isotime.parse_instant
    assert timefmt.stamp is isotime.stamp
    assert common.iso is protocol.iso is storage._iso is isotime.iso_z
    assert storage.sortable_time is isotime.sortable
