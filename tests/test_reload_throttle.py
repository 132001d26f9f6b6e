"""The one throttled reload of an installed file (station lists, watch list, policy bundle): a look at most every
interval unless forced, never waiting behind the holder's lock unless forced; a file's change seen once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from checkpoint.errors import ListSignatureError
from checkpoint.reload_throttle import InstalledFile, ReloadThrottle, load_changed, missing_message


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _throttled() -> tuple[ReloadThrottle, Clock, threading.Lock]:
    clock, lock = Clock(), threading.Lock()
    return ReloadThrottle(lock, clock=clock), clock, lock


def test_a_look_at_most_every_interval_unless_forced() -> None:
    throttle, clock, _ = _throttled()
    calls: list[int] = []

    def reload() -> bool:
        calls.append(1)
        return len(calls) % 2 == 1  # what reload says is what run says

    assert throttle.run(reload, 1.0) is True  # the first look is due at once
    clock.t += 0.5
    assert throttle.run(reload, 1.0) is None and len(calls) == 1  # too soon: not run
    clock.t += 0.5
    assert throttle.run(reload, 1.0) is False and len(calls) == 2  # an interval later: run, nothing changed
    assert throttle.run(reload, 1.0, force=True) is True and len(calls) == 3  # forced: now, however soon
    clock.t += 0.999
    assert throttle.run(reload, 1.0) is None  # the forced look counts as the last one
    assert throttle.run(reload, 0.0, force=True) is False and throttle.run(reload, 0.0) is True
    assert len(calls) == 5  # interval 0: every call looks (the policy holder, throttled by the station)


def test_a_look_that_is_not_forced_never_waits_behind_the_lock() -> None:
    throttle, _, lock = _throttled()
    calls: list[int] = []
    held, release = threading.Event(), threading.Event()

    def holder() -> None:  # another thread's install or reload holds the holder's lock
        with lock:
            held.set()
            release.wait()

    t = threading.Thread(target=holder)
    t.start()
    held.wait()
    try:
        assert throttle.run(lambda: calls.append(1) is None, 1.0) is None and calls == []  # returns, did not wait
    finally:
        release.set()
        t.join()
    # the look that could not run did not count: the next one is due at once, without waiting for the interval
    assert throttle.run(lambda: calls.append(1) is None, 1.0) is True and calls == [1]


def test_a_forced_look_waits_for_the_lock_and_then_runs() -> None:
    throttle, _, lock = _throttled()
    calls: list[int] = []
    answers: list[bool | None] = []
    lock.acquire()  # this thread holds the lock (an install under way)
    t = threading.Thread(target=lambda: answers.append(throttle.run(lambda: calls.append(1) is None, 1.0, force=True)))
    t.start()
    assert calls == []  # cannot have run: the lock is held
    lock.release()
    t.join()
    assert answers == [True] and calls == [1]


def test_the_reload_runs_under_the_lock_and_releases_it_after_an_error() -> None:
    throttle, _, lock = _throttled()

    def reload() -> bool:
        assert lock.locked()
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        throttle.run(reload, 1.0)
    assert not lock.locked()


def test_an_installed_file_change_is_seen_once(tmp_path: Path) -> None:
    f = InstalledFile(tmp_path / "watch-list.cose")
    assert not f.changed() and f.stamp is None  # absent: nothing to read
    f.path.write_bytes(b"v1")
    assert f.changed() and f.stamp is not None  # another process put it there
    assert not f.changed()  # seen once
    f.path.write_bytes(b"v2 longer")
    assert f.changed() and not f.changed()
    # replaced atomically by a file of the same size and mtime: a new inode is a change
    st = f.path.stat()
    tmp = tmp_path / "new"
    tmp.write_bytes(b"v3 longer")
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    tmp.replace(f.path)
    assert f.changed()


def test_a_file_written_here_is_not_a_change_and_a_removed_one_is_nothing_to_read(tmp_path: Path) -> None:
    f = InstalledFile(tmp_path / "policy-bundle.cose")
    f.path.write_bytes(b"installed here")
    f.written()  # this process's install
    assert not f.changed()
    f.path.unlink()
    assert not f.changed() and f.stamp is None  # removed: the list in force stays
    f.path.write_bytes(b"installed here")
    assert f.changed()  # put back: read again


def test_a_changed_file_is_loaded_once_and_a_bad_or_older_copy_is_refused_and_said(tmp_path: Path) -> None:
    said: list[tuple[str, str]] = []
    f = InstalledFile(tmp_path / "trust-list.cose")

    def restore(data: bytes) -> int:  # the list's version, or refused as a list that does not verify
        if not data.isdigit():
            raise ListSignatureError("trust list: the signature does not verify with the pinned root key")
        return int(data)

    def load(seen: int) -> int | None:
        return load_changed(f, "trust list", restore, lambda v: v, seen, lambda *a: said.append(a))

    assert load(0) is None and said == []  # absent: nothing to load, nothing to say
    f.path.write_bytes(b"7")
    assert load(5) == 7 and load(5) is None  # changed: loaded; then unchanged
    f.path.write_bytes(b"4")
    assert load(7) is None
    assert said == [("trust list", f"installed trust list {f.path} is v4, older than v7 which was in force here: "
                     "refused (an old copy put in place?); install a current one")]
    f.path.write_bytes(b"forged")
    assert load(7) is None and said[-1] == ("trust list", f"installed trust list {f.path} refused: trust list: "
                                            "the signature does not verify with the pinned root key")
    assert missing_message("trust list", 7, tmp_path) == (
        f"the trust list v7 that was in force here is missing from {tmp_path}: every verdict is flagged until a "
        "current one is installed")
