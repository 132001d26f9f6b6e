"""The station: config, trust, revocations and the clock guard wired around the pure verifier.

This is the shell the CLI and the terminal app share. It owns the installed lists in the data
directory (``trust/trust-list.cose``, ``trust/revocation-list.cose``) and replaces them only with
lists that verified; a refused update leaves the old ones in force and is reported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.clock import Clock, SystemClock, TimeAssessment
from checkpoint.clockguard import ClockGuard
from checkpoint.config import StationConfig
from checkpoint.decision import Decision, Flag
from checkpoint.errors import CheckpointError, KeyLoadError, SignedListError
from checkpoint.trust import keys
from checkpoint.trust.did import load_did_document
from checkpoint.trust.folder import load_key_folder
from checkpoint.trust.jwks import load_issuer_folder
from checkpoint.trust.revocation import RevocationList, load_revocation_list
from checkpoint.trust.store import TrustSource, TrustStore
from checkpoint.trust.trustlist import TrustList, load_trust_list
from checkpoint.verify import Verifier

log = logging.getLogger(__name__)

TRUST_LIST_FILE = "trust-list.cose"
REVOCATION_FILE = "revocation-list.cose"
MAX_FILE = 64 * 1024 * 1024


@dataclass(frozen=True)
class StationProblem:
    """Something the officer or supervisor should see in the status bar (not personal data)."""

    source: str
    message: str


def read_capped(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE:
            raise CheckpointError(f"{path}: {what} is larger than {MAX_FILE // 2**20} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: {what} file does not exist") from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read the {what} ({e.strerror})") from None


def load_roots(paths: tuple[Path, ...]) -> list[keys.PublicKey]:
    roots = []
    for p in paths:
        data = read_capped(p, "root key")
        roots.append(keys.load_public_pem(data, str(p))[0])
    return roots


class Station:
    def __init__(self, config: StationConfig, clock: Clock | None = None, *, data_dir: Path | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.data_dir = data_dir or config.data_dir
        self.trust_dir = self.data_dir / "trust"
        self.guard = ClockGuard(self.data_dir / "clock.json", self.clock, config.rules.clock_skew)
        self.roots = load_roots(config.trust.root_keys)
        self.problems: list[StationProblem] = []
        self._lock = threading.Lock()
        self.folder_store: TrustStore | None = None
        self.health_store: TrustStore | None = None
        self.trust_list: TrustList | None = None
        self.revocations: RevocationList | None = None
        self._verifier: Verifier | None = None
        self._load()

    # -- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        now = self.guard.assess().effective
        if self.config.trust.key_folder is not None:
            try:
                self.folder_store = load_key_folder(self.config.trust.key_folder)
            except KeyLoadError as e:
                self._problem("trust", str(e))
        health_keys = []
        if self.config.trust.shc_issuers is not None:
            try:
                health_keys += load_issuer_folder(self.config.trust.shc_issuers).all_keys()
            except KeyLoadError as e:
                self._problem("trust", str(e))
        for path in self.config.trust.did_documents:
            try:
                health_keys += load_did_document(path)
            except KeyLoadError as e:
                self._problem("trust", str(e))
        if health_keys:
            source = TrustSource(f"health-certificate issuers, {len(health_keys)} keys")
            self.health_store = TrustStore(health_keys, source)
        installed = self.trust_dir / TRUST_LIST_FILE
        if installed.exists():
            try:
                self.trust_list = load_trust_list(read_capped(installed, "trust list"), self.roots, now)
            except (CheckpointError, SignedListError) as e:
                self._problem("trust", f"installed trust list {installed} refused: {e}")
        if self.config.trust.trust_list is not None:
            self._try_install(self.install_trust_list, self.config.trust.trust_list, "trust list")
        installed_rl = self.trust_dir / REVOCATION_FILE
        if installed_rl.exists():
            try:
                self.revocations = load_revocation_list(read_capped(installed_rl, "revocation list"), self.roots, now)
            except (CheckpointError, SignedListError) as e:
                self._problem("revocations", f"installed revocation list {installed_rl} refused: {e}")
        if self.config.trust.revocation_list is not None:
            self._try_install(self.install_revocation_list, self.config.trust.revocation_list, "revocation list")
        if self.trust_list is not None:
            self.guard.observe(self.trust_list.issued, "trust list")

    def _try_install(self, install: Callable[[bytes], object], path: Path, what: str) -> None:
        try:
            install(read_capped(path, what))
        except (CheckpointError, SignedListError) as e:
            self._problem("trust", f"{what} {path} refused: {e}")

    def _problem(self, source: str, message: str) -> None:
        log.warning("%s: %s", source, message)
        self.problems.append(StationProblem(source, message))

    # -- updates ---------------------------------------------------------------------------------
    def install_trust_list(self, data: bytes) -> TrustList:
        """Verify a trust list and, if it is newer, make it the one in force (atomically)."""
        with self._lock:
            new = load_trust_list(data, self.roots, self.guard.assess().effective, previous=self.trust_list)
            if self._replace(TRUST_LIST_FILE, self.trust_list, new):
                self.trust_list = new
            return new

    def install_revocation_list(self, data: bytes) -> RevocationList:
        """Verify a revocation list and, if it is newer and keeps every id, put it in force."""
        with self._lock:
            new = load_revocation_list(data, self.roots, self.guard.assess().effective, previous=self.revocations)
            if self._replace(REVOCATION_FILE, self.revocations, new):
                self.revocations = new
            return new

    def _replace(self, filename: str, old: TrustList | RevocationList | None, new: TrustList | RevocationList) -> bool:
        """Write a verified list in place of the old one; False when it is the same list again."""
        self.guard.observe(new.issued, filename)
        if old is not None and new.raw == old.raw:
            return False
        write_atomic(self.trust_dir / filename, new.raw)
        self._verifier = None
        return True

    # -- deciding --------------------------------------------------------------------------------
    @property
    def store(self) -> TrustStore:
        lists = (self.folder_store, self.health_store, self.trust_list.store if self.trust_list else None)
        parts = [s for s in lists if s]
        if not parts:
            return TrustStore.empty()
        if len(parts) == 1:
            return parts[0]
        return TrustStore(
            [k for s in parts for k in s.all_keys()], TrustSource(" + ".join(s.source.description for s in parts))
        )

    def verifier(self) -> Verifier:
        """The verifier for the lists in force, rebuilt only when a list changes."""
        v = self._verifier
        if v is None:
            v = self._verifier = Verifier(self.store, self.revocations, self.config.rules)
        return v

    def decide(self, text: str | bytes, verifier: Verifier | None = None) -> tuple[Decision, TimeAssessment]:
        """Verify at the guarded time; a suspect clock flags the decision."""
        t = self.guard.assess()
        decision = (verifier or self.verifier()).verify(text, t.effective)
        if t.suspect:
            decision = decision.with_flag(Flag.CLOCK_SUSPECT)
        return decision, t

    def crossing_recorded(self, t: TimeAssessment) -> None:
        """A crossing was recorded at ``t``: its time raises the clock guard's high-water mark (a
        suspect clock adds nothing, its effective time is the mark already)."""
        if not t.suspect:
            self.guard.observe(t.effective, "crossing")

    def list_age(self, now: datetime) -> float | None:
        """Hours since the trust list in force was issued, or None without one."""
        if self.trust_list is None:
            return None
        return (now - self.trust_list.issued).total_seconds() / 3600
