"""The station's trusted state: the signed lists in force, held the way python-tuf's ``TrustedMetadataSet``
holds metadata. One immutable object, built only from verified bytes and an explicit time; every change
makes a new object, so a reader always sees one consistent pair of lists.

- A list enters only through verification: a pinned root's signature, the document type, and no rollback
  (a newer version than the one in force; a revocation list keeps every id of the one it replaces).
- A *new* list (``update_*``: install, sync, the config's list) must also be believable at trusted time:
  not issued later than trusted time plus the allowed clock skew (``ListFromFutureError``: a list from
  the future never moves the clock guard), and not expired (``ListExpiredError``: an old list replayed
  to the station cannot take effect after its expiry).
- An installed list is never dropped for having expired (``restore_*``: start, hot reload). The last known
  state stays in force, so a revoked pass stays revoked and a key revoked in (or absent from) an expired
  trust list stays refused: the station fails closed. It is reported stale (``stale``), and the station
  flags every verdict made under it ``LISTS_STALE`` (shown as CHECK).

Pure: no files, no clock. :mod:`checkpoint.station` reads the files and the guarded time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from checkpoint.errors import ListExpiredError, ListFromFutureError
from checkpoint.isotime import iso_z
from checkpoint.trust._revocation import RevocationList, load_revocation_list
from checkpoint.trust._trustlist import TrustList, load_trust_list
from checkpoint.trust._watch import WatchList
from checkpoint.trust.keys import PublicKey

TRUST = "trust list"
REVOCATIONS = "revocation list"

SignedList = TrustList | RevocationList | WatchList  # the watch list: checkpoint.trust._watch_state


@dataclass(frozen=True)
class ListInForce:
    """What a status line says about one list in force."""

    kind: str  # TRUST or REVOCATIONS
    version: int
    issued: datetime
    expires: datetime
    count: int  # keys or revoked pass ids

    def expired(self, now: datetime) -> bool:
        return now >= self.expires

    def age_hours(self, now: datetime) -> float:
        return (now - self.issued).total_seconds() / 3600


@dataclass(frozen=True)
class TrustedState:
    roots: tuple[PublicKey, ...]
    trust_list: TrustList | None = None
    revocations: RevocationList | None = None

    # -- the station's own installed copies (start, hot reload) --------------------------------------
    def restore_trust_list(self, data: bytes) -> TrustedState:
        """An installed trust list: signature, content and rollback are checked; expiry is not a reason
        to drop it (it stays in force, stale)."""
        if self.trust_list is not None and data == self.trust_list.raw:
            return self
        return replace(self, trust_list=load_trust_list(data, self.roots, None, previous=self.trust_list))

    def restore_revocation_list(self, data: bytes) -> TrustedState:
        """An installed revocation list: as :meth:`restore_trust_list`."""
        if self.revocations is not None and data == self.revocations.raw:
            return self
        new = load_revocation_list(data, self.roots, None, previous=self.revocations)
        return replace(self, revocations=new)

    # -- new lists (install, sync) -------------------------------------------------------------------
    def update_trust_list(self, data: bytes, now: datetime, skew: timedelta) -> TrustedState:
        """A new trust list judged at trusted time ``now``; raises a ``SignedListError`` saying why not."""
        old = self.trust_list
        if old is not None and data == old.raw:
            return self
        new = load_trust_list(data, self.roots, None, previous=old)
        _check_fresh(TRUST, new, old, now, skew)
        return replace(self, trust_list=new)

    def update_revocation_list(self, data: bytes, now: datetime, skew: timedelta) -> TrustedState:
        old = self.revocations
        if old is not None and data == old.raw:
            return self
        new = load_revocation_list(data, self.roots, None, previous=old)
        _check_fresh(REVOCATIONS, new, old, now, skew)
        return replace(self, revocations=new)

    # -- what is in force ------------------------------------------------------------------------------
    def lists(self) -> tuple[ListInForce, ...]:
        out = []
        if self.trust_list is not None:
            tl = self.trust_list
            out.append(ListInForce(TRUST, tl.version, tl.issued, tl.expires, len(tl.store)))
        if self.revocations is not None:
            rl = self.revocations
            out.append(ListInForce(REVOCATIONS, rl.version, rl.issued, rl.expires, len(rl.ids)))
        return tuple(out)

    def stale(self, now: datetime) -> tuple[str, ...]:
        """The lists in force that have expired at ``now`` (still in force: the last known state)."""
        return tuple(x.kind for x in self.lists() if x.expired(now))


def _check_fresh(what: str, new: SignedList, old: SignedList | None, now: datetime, skew: timedelta) -> None:
    if new.issued > now + skew:
        raise ListFromFutureError(
            f"{what} version {new.version} is issued at {iso_z(new.issued)}, later than the station's trusted time "
            f"{iso_z(now)} plus the allowed clock skew ({skew.total_seconds():.0f} s); it is refused and the clock "
            "guard is not moved. Check the station's date and time ('checkpoint clock status'), or the list's "
            "issue time with whoever made it"
        )
    if now >= new.expires:
        kept = f"; version {old.version} stays in force" if old is not None else ""
        raise ListExpiredError(f"{what} version {new.version} expired at {iso_z(new.expires)}{kept}")
