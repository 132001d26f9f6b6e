"""Console users, sign-in with lock-out, server-side sessions with a CSRF token each, and the audit log.

- Passwords: Argon2id (argon2-cffi's defaults), never stored or logged in clear. An unknown user name costs
  the same hash as a known one, so the time of a refusal does not tell which names exist.
- Lock-out: ``MAX_FAILED`` wrong passwords in a row lock the account for ``LOCK_FOR``; the count and the
  lock are rows in the database, so every API process agrees. While locked, even the right password is refused.
- Sessions: a random token in an HttpOnly, SameSite=Strict cookie; the server keeps only its SHA-256, the user,
  the session's CSRF token, its expiry (``SESSION_FOR`` after sign-in) and its last use: a session unused for the
  idle timeout (``CHECKPOINT_CONSOLE_IDLE_MINUTES``, 30 by default) ends. Signing out deletes the row.
- Audit: every sign-in (good, bad, locked), sign-out, export, opening of personal data and change is a row.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z, parse_instant
from sync.server.console.db import ConsoleDB

MAX_FAILED = 5
LOCK_FOR = timedelta(minutes=15)
SESSION_FOR = timedelta(hours=8)
#: A session unused this long ends (a tablet left signed in at a desk); ``IDLE_ENV`` sets it in minutes.
IDLE_FOR = timedelta(minutes=30)
IDLE_ENV = "CHECKPOINT_CONSOLE_IDLE_MINUTES"
#: A session's last use is written at most this often (one write a minute, not one a page).
TOUCH_EVERY = timedelta(minutes=1)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
DISTRICT_RE = re.compile(r"^[\w][\w .'-]{0,63}$")
MIN_PASSWORD = 12
#: Argon2id with argon2-cffi's defaults (RFC 9106's second choice: 64 MiB, 3 passes); tests set a cheaper one.
HASHER = PasswordHasher()
_DUMMY: dict[str, str] = {}  # a hash of no one's password per hasher: an unknown name costs one verification too


def _dummy() -> str:
    key = f"{HASHER.time_cost}/{HASHER.memory_cost}/{HASHER.parallelism}"
    if key not in _DUMMY:
        _DUMMY[key] = HASHER.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


class Role(Enum):
    ADMIN = "admin"  # the province administrator: every station, every action
    SUPERVISOR = "supervisor"  # a district supervisor: its district's stations only
    AUDITOR = "auditor"  # reads everything, changes nothing


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    district: str | None

    @property
    def read_only(self) -> bool:
        return self.role is Role.AUDITOR

    def sees(self, district: str | None) -> bool:
        """Whether this user may see a station of ``district`` (None: a station with no district yet)."""
        if self.role is Role.SUPERVISOR:
            return district is not None and district == self.district
        return True


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: str


@dataclass(frozen=True)
class IdleOut:
    """A session that was not used for the idle timeout: it is ended (its row deleted) when found so."""

    username: str
    last_used_at: str


def idle_timeout() -> timedelta:
    """The idle timeout from ``CHECKPOINT_CONSOLE_IDLE_MINUTES`` (1 to 480 minutes; default 30); a value that is
    not one is logged and the default is kept (fail closed: never "no timeout")."""
    text = os.environ.get(IDLE_ENV, "").strip()
    if not text:
        return IDLE_FOR
    if text.isdigit() and 1 <= int(text) <= SESSION_FOR.total_seconds() // 60:
        return timedelta(minutes=int(text))
    logging.getLogger(__name__).warning("%s=%r is not a number of minutes from 1 to %d: the console keeps %d",
                                        IDLE_ENV, text, SESSION_FOR.total_seconds() // 60,
                                        IDLE_FOR.total_seconds() // 60)
    return IDLE_FOR


@dataclass(frozen=True)
class UserRow:
    """A user as the Users page lists it."""

    user: User
    locked_until: str | None  # None: not locked now
    last_sign_in: str | None
    created_at: str


class LastAdmin(CheckpointError):
    """Removing this user would leave the console without a province administrator."""


def generated_password() -> str:
    """A password the administrator hands over once (the Users page): 20 characters from an alphabet without
    look-alikes (no 0/O, 1/l/I), in groups of five to read aloud; about 100 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


class SignIn(Enum):
    OK = "ok"
    BAD = "bad"  # unknown name or wrong password: one answer for both
    LOCKED = "locked"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Accounts:
    def __init__(self, db: ConsoleDB, idle: timedelta = IDLE_FOR) -> None:
        self.db = db
        self.idle = idle

    # -- users -----------------------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: Role, district: str | None, now: datetime) -> User:
        if not USERNAME_RE.match(username):
            raise CheckpointError("user name: 2 to 32 lower-case letters, digits, '.', '_' or '-'", code="user_name")
        if len(password) < MIN_PASSWORD:
            raise CheckpointError(f"the password must have at least {MIN_PASSWORD} characters", code="password_short")
        if role is Role.SUPERVISOR and not district:
            raise CheckpointError("a district supervisor needs its district (--district NAME)", code="district_needed")
        if role is not Role.SUPERVISOR and district:
            raise CheckpointError("only a district supervisor has a district", code="district_only_supervisor")
        if district is not None and not DISTRICT_RE.match(district):
            raise CheckpointError("district: 1 to 64 letters, digits, spaces, '.', \"'\" or '-'", code="district_rule")
        with self.db.tx() as t:
            if t.rows("SELECT 1 FROM console_users WHERE username = ?", (username,)):
                raise CheckpointError(f"console user {username} already exists", code="user_exists")
            t.run("INSERT INTO console_users (username, password_hash, role, district, created_at) "
                  "VALUES (?, ?, ?, ?, ?)", (username, HASHER.hash(password), role.value, district, iso_z(now)))
        return User(username, role, district)

    def user(self, username: str) -> User | None:
        rows = self.db.rows("SELECT username, role, district FROM console_users WHERE username = ?", (username,))
        return User(rows[0][0], Role(rows[0][1]), rows[0][2]) if rows else None

    # -- sign-in ---------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str, now: datetime) -> SignIn:
        rows = self.db.rows("SELECT password_hash, locked_until FROM console_users WHERE username = ?", (username,))
        if not rows:
            _check(_dummy(), password)
            return SignIn.BAD
        stored, locked_until = rows[0]
        if locked_until is not None and locked_until > iso_z(now):
            return SignIn.LOCKED
        if _check(stored, password):
            self.db.run("UPDATE console_users SET failed = 0, locked_until = NULL, last_sign_in = ? WHERE username = ?",
                        (iso_z(now), username))
            return SignIn.OK
        with self.db.tx() as t:
            t.run("UPDATE console_users SET failed = failed + 1 WHERE username = ?", (username,))
            locked = t.run("UPDATE console_users SET failed = 0, locked_until = ? WHERE username = ? AND failed >= ?",
                           (iso_z(now + LOCK_FOR), username, MAX_FAILED))
        return SignIn.LOCKED if locked else SignIn.BAD

    def remove_user(self, username: str, *, keep_an_admin: bool = False) -> bool:
        """Remove a user and end their sessions at once (a supervisor who left, a lost tablet); False for an
        unknown user. The audit log keeps what they did. ``keep_an_admin`` (the Users page) refuses to remove the
        last province administrator, counted in the same transaction (the table locked on PostgreSQL, so two
        administrators removing each other at once cannot both succeed); the command line, the way back in,
        may."""
        with self.db.tx() as t:
            if keep_an_admin:
                if self.db.kind == "postgresql":
                    t.run("LOCK TABLE console_users IN SHARE ROW EXCLUSIVE MODE")
                rows = t.rows("SELECT role, (SELECT count(*) FROM console_users WHERE role = ?) FROM console_users "
                              "WHERE username = ?", (Role.ADMIN.value, username))
                if rows and rows[0][0] == Role.ADMIN.value and int(rows[0][1]) <= 1:
                    raise LastAdmin(f"{username} is the last province administrator: add another one first")
            t.run("DELETE FROM console_sessions WHERE username = ?", (username,))
            return t.run("DELETE FROM console_users WHERE username = ?", (username,)) == 1

    def users(self, now: datetime) -> list[UserRow]:
        """Every console user for the Users page, by name."""
        rows = self.db.rows("SELECT username, role, district, locked_until, last_sign_in, created_at "
                            "FROM console_users ORDER BY username")
        return [UserRow(User(r[0], Role(r[1]), r[2]), str(r[3]) if r[3] is not None and str(r[3]) > iso_z(now)
                        else None, None if r[4] is None else str(r[4]), str(r[5])) for r in rows]

    def set_password(self, username: str, password: str) -> bool:
        """A new password: every open session of the user ends and any lock-out is lifted; False for an unknown
        user."""
        if len(password) < MIN_PASSWORD:
            raise CheckpointError(f"the password must have at least {MIN_PASSWORD} characters", code="password_short")
        with self.db.tx() as t:
            t.run("DELETE FROM console_sessions WHERE username = ?", (username,))
            return t.run("UPDATE console_users SET password_hash = ?, failed = 0, locked_until = NULL "
                         "WHERE username = ?", (HASHER.hash(password), username)) == 1

    def unlock(self, username: str) -> bool:
        """Lift a lock-out now (``checkpoint server console-user unlock``); False for an unknown user."""
        return self.db.run("UPDATE console_users SET failed = 0, locked_until = NULL WHERE username = ?",
                           (username,)) == 1

    # -- sessions --------------------------------------------------------------------------------
    def open_session(self, username: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self.db.tx() as t:
            t.run("DELETE FROM console_sessions WHERE expires_at <= ?", (iso_z(now),))
            t.run("INSERT INTO console_sessions (token_hash, username, csrf, created_at, expires_at, last_used_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  (_sha(token), username, secrets.token_urlsafe(32), iso_z(now), iso_z(now + SESSION_FOR),
                   iso_z(now)))
        return token

    def session(self, token: str, now: datetime) -> Session | IdleOut | None:
        """The session of ``token``; ``IdleOut`` (once: the session is ended) when it was not used for the idle
        timeout; None when there is none (never was, signed out, past its 8 hours, user removed)."""
        if not token or len(token) > 128:
            return None
        digest = _sha(token)
        rows = self.db.rows(
            "SELECT u.username, u.role, u.district, s.csrf, s.expires_at, coalesce(s.last_used_at, s.created_at) "
            "FROM console_sessions s JOIN console_users u ON u.username = s.username "
            "WHERE s.token_hash = ? AND s.expires_at > ?", (digest, iso_z(now)))
        if not rows:
            return None
        name, role, district, csrf, expires, last_used = rows[0]
        unused = now - parse_instant(str(last_used))
        if unused >= self.idle:
            ended = self.db.run("DELETE FROM console_sessions WHERE token_hash = ?", (digest,))
            return IdleOut(name, str(last_used)) if ended else None
        if unused >= TOUCH_EVERY:
            self.db.run("UPDATE console_sessions SET last_used_at = ? WHERE token_hash = ?", (iso_z(now), digest))
        return Session(User(name, Role(role), district), csrf, expires)

    def close_session(self, token: str) -> None:
        self.db.run("DELETE FROM console_sessions WHERE token_hash = ?", (_sha(token),))

    # -- audit -----------------------------------------------------------------------------------
    def audit(self, username: str, action: str, detail: str, address: str, now: datetime) -> None:
        self.db.run("INSERT INTO console_audit (at, username, action, detail, address) VALUES (?, ?, ?, ?, ?)",
                    (iso_z(now), username[:64], action, detail[:500], address[:64]))

    def audit_count(self) -> int:
        return int(self.db.rows("SELECT count(*) FROM console_audit")[0][0])

    def audit_log(self, limit: int = 200, offset: int = 0) -> list[tuple[str, str, str, str, str]]:
        """The newest rows first (``n``, the insertion order: unique, so the pages are stable)."""
        rows = self.db.rows("SELECT at, username, action, detail, address FROM console_audit ORDER BY n DESC "
                            "LIMIT ? OFFSET ?", (limit, offset))
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]


def _check(stored: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
