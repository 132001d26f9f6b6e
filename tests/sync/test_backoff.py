from datetime import UTC, datetime

from sync.backoff import MAX_RETRY_AFTER, Backoff, parse_retry_after

NOW = datetime(2021, 7, 24, 12, 0, tzinfo=UTC)


def test_ceiling_doubles_up_to_the_cap():
    b = Backoff(base=1.0, cap=60.0)
    assert [b.ceiling(a) for a in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert b.ceiling(10_000) == 60.0  # no overflow on a week offline


def test_full_jitter_spans_zero_to_ceiling():
    b = Backoff(base=2.0, cap=300.0)
    assert b.delay(3, lambda: 0.0) == 0.0
    assert b.delay(3, lambda: 0.5) == 4.0
    assert 7.9 < b.delay(3, lambda: 0.999) < 8.0


def test_retry_after_is_a_floor_and_is_capped():
    b = Backoff(base=1.0, cap=10.0)
    assert b.delay(1, lambda: 0.0, retry_after=30.0) == 30.0
    assert b.delay(5, lambda: 0.99, retry_after=1.0) == 0.99 * 10.0
    assert b.delay(1, lambda: 0.0, retry_after=10 * 86400) == MAX_RETRY_AFTER
    assert b.delay(1, lambda: 0.0, retry_after=-5) == 0.0


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Sat, 24 Jul 2021 12:01:30 GMT", NOW) == 90.0
    assert parse_retry_after("Sat, 24 Jul 2021 11:00:00 GMT", NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
