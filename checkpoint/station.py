"""The station: config, trust, revocations and the clock guard wired around the pure verifier.

This is the shell the CLI and the terminal app share. It owns the installed lists in the data
directory (``trust/trust-list.cose``, ``trust/revocation-list.cose``) and replaces them only with
lists that verified; a refused update leaves the old ones in force and is reported.

The lists in force are one :class:`checkpoint.trust._state.TrustedState`, swapped whole. An installed list
that expired stays in force (stale; verdicts are flagged ``LISTS_STALE``). A list installed by another
process (``checkpoint trust install``) is picked up within ``reload_interval`` seconds: the files are
stat-ed (mtime, size, inode) at most that often on the decide path and by the app's timer, and a changed
file is loaded through the same verification.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.capped import STATION_FILE, read_capped
from checkpoint.clock import Clock, SystemClock, TimeAssessment
from checkpoint.clockguard import ClockGuard
from checkpoint.config import StationConfig
from checkpoint.decision import Decision, Flag
from checkpoint.errors import CheckpointError, KeyLoadError, SignedListError
from checkpoint.policy import PolicyBundle
from checkpoint.policy_station import PolicyHolder
from checkpoint.reload_throttle import InstalledFile, ReloadThrottle, load_changed, missing_message
from checkpoint.rules import Rules
from checkpoint.trust import (
    REVOCATIONS,
    TRUST,
    ListInForce,
    RevocationList,
    TrustedState,
    TrustList,
    TrustSource,
    TrustStore,
    WatchList,
    keys,
    load_revocation_list,
    load_trust_list,
)
from checkpoint.trust_files import load_did_document, load_issuer_folder, load_key_folder
from checkpoint.verify import Verifier
from checkpoint.watch import apply_watch
from checkpoint.watch_files import InstalledWatchList

log = logging.getLogger(__name__)

TRUST_LIST_FILE = "trust-list.cose"
REVOCATION_FILE = "revocation-list.cose"
#: The highest version of each list ever in force here: a restart refuses an older copy put in place, and
#: a list that was installed and is now missing flags every verdict (a week offline must not undo revocations).
VERSIONS_FILE = "versions-in-force.json"
MAX_FILE = STATION_FILE  # the cap of every file read here (checkpoint.capped)
_FILES = {TRUST: TRUST_LIST_FILE, REVOCATIONS: REVOCATION_FILE}


@dataclass(frozen=True)
class StationProblem:
    """Something the officer or supervisor should see in the status bar (not personal data)."""

    source: str
    message: str


class Problems:
    """The station's problems, one per source: a new problem from a source replaces its last one, so a
    server serving the same refused list every round shows one line, not one per round. Thread-safe (the
    sync thread reports while the UI reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_source: dict[str, StationProblem] = {}

    def set(self, source: str, message: str) -> None:
        with self._lock:
            self._by_source[source] = StationProblem(source, message)

    def append(self, problem: StationProblem) -> None:
        """As :meth:`set` (kept for callers that add a StationProblem)."""
        self.set(problem.source, problem.message)

    def clear(self, source: str) -> None:
        with self._lock:
            self._by_source.pop(source, None)

    def snapshot(self) -> list[StationProblem]:
        with self._lock:
            return list(self._by_source.values())

    def __iter__(self) -> Iterator[StationProblem]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_source)


def load_roots(paths: tuple[Path, ...]) -> list[keys.PublicKey]:
    roots = []
    for p in paths:
        data = read_capped(p, MAX_FILE, "root key")
        roots.append(keys.load_public_pem(data, str(p))[0])
    return roots


class Station:
    #: How often (seconds, at most) the installed list files are checked for another process's install.
    reload_interval = 1.0
    #: Whether ``decide`` itself looks for newly installed lists (CLI, ``scan``). The app turns it off and
    #: reloads from a worker instead, so a scan never verifies a changed list (seconds at a million ids).
    refresh_on_decide = True

    def __init__(self, config: StationConfig, clock: Clock | None = None, *, data_dir: Path | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.data_dir = data_dir or config.data_dir
        self.trust_dir = self.data_dir / "trust"
        self.guard = ClockGuard(self.data_dir / "clock.json", self.clock, config.rules.clock_skew)
        self.roots = load_roots(config.trust.root_keys)
        self.problems = Problems()
        self._lock = threading.RLock()
        self.folder_store: TrustStore | None = None
        self.health_store: TrustStore | None = None
        self._state = TrustedState(tuple(self.roots))
        self._files = {kind: InstalledFile(self.trust_dir / name) for kind, name in _FILES.items()}
        self._throttle = ReloadThrottle(self._lock)
        self._seen = self._read_versions()
        self._verifier: tuple[tuple[object, ...], Verifier] | None = None
        self._load()
        # the watch list (checkpoint.watch_files): its own file and version, the same guarantees
        self.watch = InstalledWatchList(self.trust_dir, self.roots, self.problems, self.trusted_now,
                                        config.rules.clock_skew)
        self.policy = PolicyHolder(self.trust_dir, self.roots, self._policy_problem, config.rules.clock_skew)

    # -- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        if self.config.trust.key_folder is not None:
            try:
                self.folder_store = load_key_folder(self.config.trust.key_folder)
            except KeyLoadError as e:
                self._problem("key folder", str(e))
        health_keys = []
        if self.config.trust.shc_issuers is not None:
            try:
                health_keys += load_issuer_folder(self.config.trust.shc_issuers).all_keys()
            except KeyLoadError as e:
                self._problem("health-certificate issuers", str(e))
        for path in self.config.trust.did_documents:
            try:
                health_keys += load_did_document(path)
            except KeyLoadError as e:
                self._problem(f"DID document {path}", str(e))
        if health_keys:
            source = TrustSource(f"health-certificate issuers, {len(health_keys)} keys")
            self.health_store = TrustStore(health_keys, source)
        with self._lock:
            self._reload_installed()
        for kind in self.missing_lists():
            if self._files[kind].stamp is None:
                self._problem(kind, missing_message(kind, self._seen[kind], self.trust_dir))
        self._observe_installed()
        if self.config.trust.trust_list is not None:
            self._try_install(self.install_trust_list, self.config.trust.trust_list, TRUST)
        if self.config.trust.revocation_list is not None:
            self._try_install(self.install_revocation_list, self.config.trust.revocation_list, REVOCATIONS)

    def _observe_installed(self) -> None:
        """The installed lists' issue times raise the clock guard, except one issued later than trusted time
        (installed before this check existed, or the mark was corrected since): it stays in force, stale
        or not, but does not move the clock."""
        t = self.guard.assess()
        now = self.trusted_now()
        for x in self._state.lists():
            if t.high_water is None or x.issued <= now + self.config.rules.clock_skew:
                self.guard.observe(x.issued, x.kind)
                self.problems.clear(f"{x.kind} time")
            else:
                self._problem(f"{x.kind} time", f"the installed {x.kind} v{x.version} is issued at "
                              f"{x.issued.isoformat()}, later than trusted time {now.isoformat()}: it "
                              "does not move the clock guard (see 'checkpoint clock status')")

    def _try_install(self, install: Callable[[bytes], object], path: Path, what: str) -> None:
        try:
            install(read_capped(path, MAX_FILE, what))
        except (CheckpointError, SignedListError) as e:
            self._problem(f"config {what}", f"{what} {path} refused: {e}")

    def _policy_problem(self, source: str, message: str | None) -> None:
        if message is None:
            self.problems.clear(source)
        else:
            self._problem(source, message)

    def _problem(self, source: str, message: str) -> None:
        log.warning("%s: %s", source, message)
        self.problems.set(source, message)

    # -- the lists in force --------------------------------------------------------------------------
    @property
    def state(self) -> TrustedState:
        return self._state

    @property
    def trust_list(self) -> TrustList | None:
        return self._state.trust_list

    @property
    def revocations(self) -> RevocationList | None:
        return self._state.revocations

    def refresh(self, *, force: bool = False) -> bool:
        """Take in lists another process installed (at most every ``reload_interval`` s unless forced).
        True when a list changed. A changed file goes through the same verification; a file that does not
        verify (or is older than the list in force) is refused and the list in force stays."""
        # Not forced (the decide path, the app's timer): never waits behind another reload or an install
        # (a million-id list takes seconds to verify); the lists in force decide meanwhile.
        changed = self._throttle.run(self._reload_installed, self.reload_interval, force=force)
        if changed is None:
            return False  # looked less than reload_interval ago, or another reload or an install is under way
        if changed:
            self._observe_installed()
        changed = self.watch.refresh(force=force) or changed
        return self.policy.refresh() or changed

    def _reload_installed(self) -> bool:
        """Under the lock: load each installed list file whose (mtime, size, inode) changed. True when a list
        in force changed."""
        before = self._state
        for kind, file in self._files.items():
            state = self._state
            restore = state.restore_trust_list if kind == TRUST else state.restore_revocation_list
            new = load_changed(file, kind, restore, partial(_version, kind=kind), self._seen.get(kind, 0),
                               self._problem)
            if new is None:
                continue  # unchanged, refused, or removed: the list in force stays (fail closed); see missing_lists()
            self._put_in_force(new, kind)
        return self._state is not before

    def lists_in_force(self) -> tuple[ListInForce, ...]:
        return self._state.lists()

    def stale_lists(self, now: datetime) -> tuple[str, ...]:
        """The lists in force that expired at ``now`` (still in force, flagged stale)."""
        return self._state.stale(now)

    # -- updates ---------------------------------------------------------------------------------
    def trusted_now(self) -> datetime:
        """The time a new list is judged at: the later of the system clock and the high-water mark (a
        Pi booted with a stale clock judges by the mark; without a mark, the system clock)."""
        t = self.guard.assess()
        return max(t.effective, t.high_water) if t.high_water is not None else t.effective

    def install_trust_list(self, data: bytes) -> TrustList:
        """Verify a trust list and, if it is newer, make it the one in force (atomically)."""
        tl = self._install(TRUST, data).trust_list
        assert tl is not None
        return tl

    def install_revocation_list(self, data: bytes) -> RevocationList:
        """Verify a revocation list and, if it is newer and keeps every id, put it in force."""
        rl = self._install(REVOCATIONS, data).revocations
        assert rl is not None
        return rl

    def install_watch_list(self, data: bytes) -> WatchList:
        """Verify a watch list and, if it is newer, put it in force (checkpoint.watch_files)."""
        wl = self.watch.install(data)
        self.guard.observe(wl.issued, "watch-list.cose")
        return wl

    def _install(self, kind: str, data: bytes) -> TrustedState:
        """Verify a new list of ``kind`` at trusted time; if it is newer, write it in place of the old one and put
        it in force (nothing changes when it is the same list). Its issue time raises the clock guard."""
        with self._lock:
            self._reload_installed()
            state = self._state
            update = state.update_trust_list if kind == TRUST else state.update_revocation_list
            new = update(data, self.trusted_now(), self.config.rules.clock_skew)
            if new is not state:
                write_atomic(self._files[kind].path, data)
                self._files[kind].written()
            self._put_in_force(new, kind)
            lst = _list(new, kind)
            assert lst is not None
            self.guard.observe(lst.issued, _FILES[kind])
            return new

    def _put_in_force(self, new: TrustedState, kind: str) -> None:
        """Under the lock: ``new`` is in force now (the version of its ``kind`` remembered, its problem cleared)."""
        self._state = new
        self._remember_version(kind)
        self.problems.clear(kind)

    def _read_versions(self) -> dict[str, int]:
        try:
            doc = json.loads(read_capped(self.trust_dir / VERSIONS_FILE, MAX_FILE, "list versions"))
        except CheckpointError:
            return {}  # none yet (a new station), or unreadable: the lists' own checks still hold
        except ValueError:
            self._problem("list versions", f"{self.trust_dir / VERSIONS_FILE} is unreadable; rollback of the "
                          "installed lists across a restart is not checked until the next install")
            return {}
        return {k: v for k, v in doc.items() if k in (TRUST, REVOCATIONS) and isinstance(v, int)} \
            if isinstance(doc, dict) else {}

    def _remember_version(self, kind: str) -> None:
        """Under the lock: the list of ``kind`` now in force is the highest seen (written when it grows)."""
        version = _version(self._state, kind)
        if version is None or version <= self._seen.get(kind, 0):
            return
        self._seen = {**self._seen, kind: version}
        try:
            write_atomic(self.trust_dir / VERSIONS_FILE, json.dumps(self._seen).encode(), mode=0o600)
        except OSError as e:
            log.warning("cannot write %s (%s)", self.trust_dir / VERSIONS_FILE, e.strerror)

    def missing_lists(self) -> tuple[str, ...]:
        """Lists that were in force here once and are not now (deleted, or an old copy refused)."""
        return tuple(k for k in (TRUST, REVOCATIONS) if k in self._seen and _version(self._state, k) is None)

    # -- deciding --------------------------------------------------------------------------------
    @property
    def store(self) -> TrustStore:
        return self._store(self._state)

    def _store(self, state: TrustedState) -> TrustStore:
        tl = state.trust_list
        return trust_store((self.folder_store, self.health_store, tl.store if tl else None))

    def verifier(self, state: TrustedState | None = None) -> Verifier:
        """The verifier for the lists in force (or ``state``), rebuilt only when a list changes."""
        state = state or self._state
        key = (state, self.folder_store, self.health_store)
        cached = self._verifier
        if cached is not None and all(a is b for a, b in zip(cached[0], key, strict=True)):
            return cached[1]
        v = Verifier(self._store(state), state.revocations, self.config.rules)
        self._verifier = (key, v)
        return v

    def decide(self, text: str | bytes, verifier: Verifier | None = None) -> tuple[Decision, TimeAssessment]:
        """Verify at the guarded time; a suspect clock or an expired list in force flags the decision."""
        if self.refresh_on_decide:
            self.refresh()
        t = self.guard.assess()
        state = self._state
        decision = (verifier or self.verifier(state)).verify(text, t.effective)
        decision = apply_watch(decision, self.watch.in_force, t.effective)  # one hash when the pass has an id
        if t.suspect:
            decision = decision.with_flag(Flag.CLOCK_SUSPECT)
        if (state.stale(t.effective) or self.missing_lists() or self.watch.stale(t.effective)
                or self.policy.stale(t.effective)):
            decision = decision.with_flag(Flag.LISTS_STALE)
        return self.policy.apply(decision, t.effective), t

    def install_policy_bundle(self, data: bytes) -> PolicyBundle:
        """Verify a policy bundle and, if it is newer, put it in force (docs/policy.md)."""
        bundle = self.policy.install(data, self.trusted_now())
        self.guard.observe(bundle.issued, "policy bundle")
        return bundle

    def crossing_recorded(self, t: TimeAssessment) -> None:
        """A crossing was recorded at ``t``: its time raises the clock guard's high-water mark (a
        suspect clock adds nothing, its effective time is the mark already)."""
        if not t.suspect:
            self.guard.observe(t.effective, "crossing")

    def list_age(self, now: datetime) -> float | None:
        """Hours since the trust list in force was issued, or None without one."""
        tl = self._state.trust_list
        if tl is None:
            return None
        return (now - tl.issued).total_seconds() / 3600


def trust_store(sources: Iterable[TrustStore | None]) -> TrustStore:
    """The one assembly of trust: the issuer keys of every source given (the station's key folder, its
    health-certificate issuers, the trust list in force; or the one ``--trust`` source) as one store."""
    parts = [s for s in sources if s]
    if not parts:
        return TrustStore.empty()
    if len(parts) == 1:
        return parts[0]
    return TrustStore(
        [k for s in parts for k in s.all_keys()], TrustSource(" + ".join(s.source.description for s in parts))
    )


def load_trust_source(path: Path, root_paths: tuple[Path, ...], now: datetime) -> TrustStore:
    """One trust source named by a path, by what it is: an NZ COVID Pass issuer's DID document (``.json``),
    a folder of SMART Health Card issuers (with ``issuers.json``), a folder of issuer keys, or a signed trust
    list file (verified against ``root_paths`` at ``now``)."""
    if path.suffix == ".json":
        return TrustStore(load_did_document(path), TrustSource(str(path)))
    if (path / "issuers.json").is_file():
        return load_issuer_folder(path)
    if path.is_dir():
        return load_key_folder(path)
    data = read_capped(path, STATION_FILE, "trust list")
    with _naming(path):
        return load_trust_list(data, _signed_list_roots(root_paths), now).store


def verifier_from_files(trust: Path, revocations: Path | None, root_paths: tuple[Path, ...], rules: Rules,
                        now: datetime) -> Verifier:
    """A verifier for one explicit trust source and revocation list (``checkpoint verify --trust``), assembled
    as the station assembles its own (:func:`trust_store`); nothing is installed."""
    revoked = None
    if revocations is not None:
        data = read_capped(revocations, STATION_FILE, "revocation list")
        with _naming(revocations):
            revoked = load_revocation_list(data, _signed_list_roots(root_paths), now)
    return Verifier(trust_store([load_trust_source(trust, root_paths, now)]), revoked, rules)


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Put the file's name in front of a refused list's message."""
    try:
        yield
    except SignedListError as e:
        raise type(e)(f"{path}: {e}") from None


def _signed_list_roots(paths: tuple[Path, ...]) -> list[keys.PublicKey]:
    roots = load_roots(paths)
    if not roots:
        raise CheckpointError("a signed list needs its root key: give --root FILE or set [trust] root_keys")
    return roots


def _list(state: TrustedState, kind: str) -> TrustList | RevocationList | None:
    return state.trust_list if kind == TRUST else state.revocations


def _version(state: TrustedState, kind: str) -> int | None:
    lst = _list(state, kind)
    return lst.version if lst is not None else None
