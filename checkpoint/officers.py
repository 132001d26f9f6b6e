"""Who may use the station: officers and supervisors, their PINs, and lock-out after wrong PINs.

Stored as ``officers.json`` in the station's data folder, rewritten atomically (``write_atomic``) and
readable by the station user only. PINs are kept only as argon2id hashes (memory-hard, so a stolen
file does not give up 4-6 digit PINs to a GPU in seconds). After ``max_failures`` wrong PINs in a row an
account is locked for ``lockout_minutes``; while locked even the right PIN is refused, and the lock is
stored, so restarting the app does not reset it. An unknown id costs the same hashing time as a known
one, so the screen does not tell which ids exist.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from checkpoint.atomic import write_atomic
from checkpoint.clock import Clock, parse_instant
from checkpoint.clockguard import Stamp, file_stamp
from checkpoint.config import StationConfig
from checkpoint.errors import CheckpointError

OFFICERS_FILE = "officers.json"
MAX_FILE = 4 * 1024 * 1024
#: unknown officer ids whose failures are counted (in memory), so an unknown id answers like a known one
MAX_UNKNOWN = 1024
ROLES = ("officer", "supervisor")
ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class OfficerPolicy:
    max_failures: int = 5
    lockout_minutes: int = 15
    min_pin_length: int = 4

    @classmethod
    def from_config(cls, config: StationConfig) -> OfficerPolicy:
        t = config.section("officers")
        t.check_keys({"max_failures", "lockout_minutes", "min_pin_length"})
        return cls(
            max_failures=t.number("max_failures", 5, minimum=1, maximum=100),
            lockout_minutes=t.number("lockout_minutes", 15, minimum=1, maximum=24 * 60),
            min_pin_length=t.number("min_pin_length", 4, minimum=4, maximum=32),
        )


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    role: str  # "officer" / "supervisor"
    pin_hash: str
    failures: int = 0
    locked_until: str | None = None  # ISO-8601 UTC

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    def locked_at(self, now: datetime) -> datetime | None:
        """The end of the lock in force at ``now``, or None."""
        if self.locked_until is None:
            return None
        until = parse_instant(self.locked_until)
        return until if until > now else None


@dataclass(frozen=True)
class SignIn:
    """The answer to a sign-in: the officer, or why not (never which part was wrong)."""

    officer: Officer | None
    locked_until: datetime | None = None
    tries_left: int = 0

    @property
    def ok(self) -> bool:
        return self.officer is not None


def default_hasher() -> PasswordHasher:
    """argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes)."""
    return PasswordHasher()


class OfficerStore:
    def __init__(self, path: Path, clock: Clock, policy: OfficerPolicy | None = None,
                 hasher: PasswordHasher | None = None) -> None:
        self.path = path
        self.clock = clock
        self.policy = policy or OfficerPolicy()
        self.hasher = hasher or default_hasher()
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None  # the file's (inode, size, mtime) when last read or written
        self._officers: dict[str, Officer] = self._read()
        self._dummy_hash: str | None = None
        # unknown ids count failures and lock like known ones: the answers never tell which ids exist
        self._unknown: dict[str, Officer] = {}

    @classmethod
    def open(cls, data_dir: Path, clock: Clock, policy: OfficerPolicy | None = None,
             hasher: PasswordHasher | None = None) -> OfficerStore:
        return cls(data_dir / OFFICERS_FILE, clock, policy, hasher)

    # -- reading and writing -------------------------------------------------------------------
    def _stamp(self) -> Stamp:
        return file_stamp(self.path)

    def reload_if_changed(self) -> bool:
        """Read the file again if another process (``checkpoint officers unlock``) changed it since this store
        last read or wrote it. A stat and, when changed, a small read: call it off the UI thread."""
        with self._lock:
            return self._reload_locked()

    def _reload_locked(self) -> bool:
        if self._stamp() == self._seen:
            return False
        self._officers = self._read()
        return True

    def _read(self) -> dict[str, Officer]:
        self._seen = self._stamp()
        try:
            if self.path.stat().st_size > MAX_FILE:
                raise CheckpointError(f"{self.path}: the officers file is larger than 4 MiB; restore it from backup",
                                      code="officers_damaged")
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise CheckpointError(f"{self.path}: cannot read the officers file ({e.strerror})") from None
        except (ValueError, UnicodeDecodeError):
            raise CheckpointError(f"{self.path}: the officers file is damaged; restore it from backup",
                                  code="officers_damaged") from None
        try:
            rows: list[dict[str, Any]] = doc["officers"]
            officers = [Officer(**row) for row in rows]
        except (KeyError, TypeError):
            raise CheckpointError(f"{self.path}: the officers file is damaged; restore it from backup",
                                  code="officers_damaged") from None
        return {o.id: o for o in officers}

    def _write(self) -> None:
        doc = {"version": 1, "officers": [asdict(o) for o in sorted(self._officers.values(), key=lambda o: o.id)]}
        try:
            write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=1).encode(), mode=0o600)
        except OSError as e:
            raise CheckpointError(f"{self.path}: cannot save the officers file ({e.strerror})") from None
        self._seen = self._stamp()

    # -- queries ---------------------------------------------------------------------------------
    def all(self) -> list[Officer]:
        with self._lock:
            return sorted(self._officers.values(), key=lambda o: o.id)

    def get(self, officer_id: str) -> Officer | None:
        with self._lock:
            return self._officers.get(officer_id)

    def __len__(self) -> int:
        return len(self._officers)

    # -- changes ---------------------------------------------------------------------------------
    def check_pin(self, pin: str) -> None:
        n = self.policy.min_pin_length
        if len(pin) < n or len(pin) > 32 or not pin.isdigit():
            raise CheckpointError(f"the PIN must be {n} to 32 digits", code="pin_rule")

    def add(self, officer_id: str, name: str, pin: str, *, supervisor: bool = False) -> Officer:
        if not officer_id or len(officer_id) > 32 or not set(officer_id) <= ID_CHARS:
            raise CheckpointError("the officer id must be 1 to 32 letters, digits, '-', '_' or '.'", code="officer_id")
        if not name.strip() or len(name) > 100:
            raise CheckpointError("the officer name must be 1 to 100 characters", code="officer_name")
        self.check_pin(pin)
        officer = Officer(officer_id, name.strip(), "supervisor" if supervisor else "officer", self.hasher.hash(pin))
        with self._lock:
            self._reload_locked()
            if officer_id in self._officers:
                raise CheckpointError(f"officer {officer_id} already exists (use set-pin to change the PIN)",
                                      code="officer_exists")
            self._officers[officer_id] = officer
            self._write()
        return officer

    def set_pin(self, officer_id: str, pin: str) -> None:
        self.check_pin(pin)
        new_hash = self.hasher.hash(pin)
        with self._lock:
            self._reload_locked()
            o = self._require(officer_id)
            self._officers[officer_id] = replace(o, pin_hash=new_hash, failures=0, locked_until=None)
            self._write()

    def unlock(self, officer_id: str) -> None:
        with self._lock:
            self._reload_locked()
            o = self._require(officer_id)
            self._officers[officer_id] = replace(o, failures=0, locked_until=None)
            self._write()

    def remove(self, officer_id: str) -> None:
        with self._lock:
            self._reload_locked()
            self._require(officer_id)
            del self._officers[officer_id]
            self._write()

    def _require(self, officer_id: str) -> Officer:
        o = self._officers.get(officer_id)
        if o is None:
            raise CheckpointError(f"no officer with id {officer_id}", code="officer_unknown")
        return o

    # -- signing in ------------------------------------------------------------------------------
    def sign_in(self, officer_id: str, pin: str) -> SignIn:
        """Check a PIN (slow on purpose: run it off the UI thread). Counts failures, locks, unlocks."""
        now = self.clock.now()
        with self._lock:
            self._reload_locked()  # a supervisor may have unlocked or changed it from the CLI
            o = self._officers.get(officer_id)
        if o is None:
            return self._unknown_sign_in(officer_id, pin, now)
        locked = o.locked_at(now)
        if locked is not None:
            return SignIn(None, locked_until=locked)
        ok = self._verify(o.pin_hash, pin)
        with self._lock:
            current = self._officers.get(officer_id, o)
            failures = 0 if current.locked_until is not None else current.failures  # a lock that ran out
            if ok:
                self._officers[officer_id] = updated = replace(current, failures=0, locked_until=None)
                if updated != current:
                    self._write()
                return SignIn(updated)
            failures += 1
            until = None
            if failures >= self.policy.max_failures:
                until = now + timedelta(minutes=self.policy.lockout_minutes)
            self._officers[officer_id] = replace(
                current, failures=failures,
                locked_until=until.isoformat().replace("+00:00", "Z") if until else None,
            )
            self._write()
            return SignIn(None, locked_until=until, tries_left=max(0, self.policy.max_failures - failures))

    def _unknown_sign_in(self, officer_id: str, pin: str, now: datetime) -> SignIn:
        """The same answers as for a known id with a wrong PIN: tries counting down, then a lock (kept in
        memory for at most MAX_UNKNOWN ids), and the same argon2 work."""
        with self._lock:
            ghost = self._unknown.get(officer_id) or Officer(officer_id, "", "officer", "")
        locked = ghost.locked_at(now)
        if locked is not None:
            return SignIn(None, locked_until=locked)
        self._burn(pin)
        failures = (0 if ghost.locked_until is not None else ghost.failures) + 1
        until = now + timedelta(minutes=self.policy.lockout_minutes) if failures >= self.policy.max_failures else None
        with self._lock:
            self._unknown.pop(officer_id, None)
            while len(self._unknown) >= MAX_UNKNOWN:
                del self._unknown[next(iter(self._unknown))]  # the oldest
            self._unknown[officer_id] = replace(
                ghost, failures=failures, locked_until=until.isoformat().replace("+00:00", "Z") if until else None)
        return SignIn(None, locked_until=until, tries_left=max(0, self.policy.max_failures - failures))

    def _verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self.hasher.verify(pin_hash, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _burn(self, pin: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("0000")
        self._verify(self._dummy_hash, pin)
