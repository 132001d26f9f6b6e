"""The watch list in force, held as the trust and revocation lists are (:mod:`checkpoint.trust._state`).

- a *new* watch list (install, sync): a pinned root's signature, the type, a version above the one in force,
  not issued later than trusted time plus the skew, not expired;
- the station's *installed* copy (start, hot reload): signature, type and no rollback, but an expired copy
  stays in force (the last known state), reported stale: every verdict is flagged ``LISTS_STALE``.

Pure: bytes and explicit times in. :mod:`checkpoint.watch_files` reads and writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from checkpoint.trust._state import _check_fresh
from checkpoint.trust._watch import WHAT, WatchList, load_watch_list
from checkpoint.trust.keys import PublicKey


@dataclass(frozen=True)
class WatchState:
    roots: tuple[PublicKey, ...]
    watch_list: WatchList | None = None

    def restore(self, data: bytes) -> WatchState:
        """The installed copy: expiry is no reason to drop it (it stays in force, stale)."""
        if self.watch_list is not None and data == self.watch_list.raw:
            return self
        return WatchState(self.roots, load_watch_list(data, self.roots, None, previous=self.watch_list))

    def update(self, data: bytes, now: datetime, skew: timedelta) -> WatchState:
        """A new watch list judged at trusted time ``now``; raises a ``SignedListError`` saying why not."""
        old = self.watch_list
        if old is not None and data == old.raw:
            return self
        new = load_watch_list(data, self.roots, None, previous=old)
        _check_fresh(WHAT, new, old, now, skew)
        return WatchState(self.roots, new)

    def stale(self, now: datetime) -> bool:
        return self.watch_list is not None and now >= self.watch_list.expires


def watch_state(roots: Sequence[PublicKey]) -> WatchState:
    return WatchState(tuple(roots))
