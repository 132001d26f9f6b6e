"""Taking in an installed file that another process replaced, at most every few seconds.

The station's installed lists (the trust and revocation lists in :mod:`checkpoint.station`, the watch list in
:mod:`checkpoint.watch_files`, the policy bundle in :mod:`checkpoint.policy_station`) can be replaced on disk by
another process (``checkpoint trust install``, ``checkpoint sync``). Each holder looks whether its file changed
(:class:`InstalledFile`: mtime, size and inode, one ``stat``) at most every ``interval`` seconds
(:class:`ReloadThrottle`), and reloads it through the same verification as an install (:func:`load_changed`:
a copy that does not verify, or is older than the highest version in force here, is refused and said).

A look that is not forced (the decide path, the app's timer) never waits behind another reload or an install
(a million-id list takes seconds to verify): the list in force decides meanwhile, and the next look comes at
once. A forced one waits for the lock and looks now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from checkpoint.capped import STATION_FILE, read_capped
from checkpoint.clockguard import Stamp, file_stamp
from checkpoint.errors import CheckpointError, SignedListError

T = TypeVar("T")


class Lock(Protocol):
    """``threading.Lock`` or ``threading.RLock``: the holder's lock, shared with its installs."""

    def acquire(self, blocking: bool = ...) -> bool: ...

    def release(self) -> None: ...


class ReloadThrottle:
    """Runs a holder's reload at most every ``interval`` seconds (unless forced), under the holder's lock."""

    def __init__(self, lock: Lock, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = lock
        self._clock = clock
        self._next_check: float | None = None  # None: never looked yet, due now

    def run(self, reload: Callable[[], bool], interval: float, *, force: bool = False) -> bool | None:
        """``reload()``'s answer (True: what is in force changed), or None when it did not run: too soon since
        the last look, or (not forced) the lock is held by another reload or an install."""
        now = self._clock()
        if not force and self._next_check is not None and now < self._next_check:
            return None
        if not self._lock.acquire(blocking=force):
            return None
        try:
            self._next_check = now + interval
            return reload()
        finally:
            self._lock.release()


class InstalledFile:
    """An installed file and its stamp when last read or written here: has another process changed it?"""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stamp: Stamp = None  # None: absent when last looked at (or never looked at)

    def changed(self) -> bool:
        """True when the file is there and its stamp differs from the last one taken (the new stamp is kept, so
        a change is seen once). A removed file is nothing to read: the list in force stays."""
        stamp = file_stamp(self.path)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return stamp is not None

    def written(self) -> None:
        """This process wrote the file (an install): that is not a change to read again."""
        self.stamp = file_stamp(self.path)


def load_changed(file: InstalledFile, what: str, restore: Callable[[bytes], T], version_of: Callable[[T], int | None],
                 seen: int, problem: Callable[[str, str], None]) -> T | None:
    """The installed ``what`` verified by ``restore`` when the file changed, else None: unchanged, removed (the
    list in force stays), or refused, said through ``problem(what, message)``: it does not verify, or its
    version is below ``seen``, the highest in force here (an old copy put in place)."""
    if not file.changed():
        return None
    try:
        new = restore(read_capped(file.path, STATION_FILE, what))
    except (CheckpointError, SignedListError) as e:
        problem(what, f"installed {what} {file.path} refused: {e}")
        return None
    version = version_of(new)
    if version is not None and version < seen:
        problem(what, f"installed {what} {file.path} is v{version}, older than v{seen} which was in force here: "
                "refused (an old copy put in place?); install a current one")
        return None
    return new


def missing_message(what: str, seen: int, trust_dir: Path) -> str:
    """What a station says at start when the ``what`` v``seen`` it had in force is gone."""
    return (f"the {what} v{seen} that was in force here is missing from {trust_dir}: every verdict is flagged until "
            "a current one is installed")
