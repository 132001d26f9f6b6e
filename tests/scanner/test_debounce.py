from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner._debounce import Debouncer


def test_a_pass_held_in_front_of_the_camera_gives_one_event() -> None:
    d = Debouncer(window=2.0)
    events = [d.feed(["A"], t / 30) for t in range(300)]  # ten seconds at 30 fps
    assert [e for e in events if e] == [["A"]]


def test_flicker_within_the_window_is_the_same_sighting() -> None:
    d = Debouncer(window=2.0)
    assert d.feed(["A"], 0.0) == ["A"]
    assert d.feed([], 0.5) == []
    assert d.feed(["A"], 1.9) == []


def test_a_different_pass_right_after_is_a_new_event() -> None:
    d = Debouncer(window=2.0)
    assert d.feed(["A"], 0.0) == ["A"]
    assert d.feed(["B"], 0.1) == ["B"]
    assert d.feed(["A", "B"], 0.2) == []


def test_the_same_pass_shown_again_after_the_window_is_new() -> None:
    d = Debouncer(window=2.0)
    assert d.feed(["A"], 0.0) == ["A"]
    assert d.feed(["A"], 2.01 + 0.0) == ["A"]
    d.reset()
    assert d.feed(["A"], 2.02) == ["A"]


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError):
        Debouncer(-1)


@given(st.lists(st.tuples(st.floats(0, 0.5), st.sampled_from(["A", "B", "C"])), max_size=200))
def test_never_two_events_for_one_text_within_the_window(steps: list[tuple[float, str]]) -> None:
    d = Debouncer(window=1.0)
    now = 0.0
    last_event: dict[str, float] = {}
    for dt, text in steps:
        now += dt
        for t in d.feed([text], now):
            assert t not in last_event or now - last_event[t] > 1.0
            last_event[t] = now
