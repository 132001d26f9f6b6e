"""Real logs in tmp_path, real keys, real passes verified by the real verifier."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import FixedClock
from checkpoint.decision import Decision
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, make_pass

NOW = T0 + timedelta(hours=1)
HMAC_KEY = bytes(range(32))


class Passes:
    """Signs passes with one issuer key and decides them with a verifier that trusts it."""

    def __init__(self) -> None:
        self.key = ed25519()
        pub = self.key.public_key()
        self.verifier = Verifier(TrustStore([TrustedKey(keys.kid_of(pub), pub, "test")], TrustSource("test")))

    def text(self, pass_id: bytes | None = None) -> str:
        return make_pass(self.key, pass_id=pass_id or os.urandom(16))

    def decide(self, pass_id: bytes | None = None, at: Callable[[], object] | None = None) -> Decision:
        return self.verifier.verify(self.text(pass_id), NOW)

    def expired(self) -> Decision:
        return self.verifier.verify(self.text(), T0 + timedelta(days=10))

    def garbage(self) -> Decision:
        return self.verifier.verify("not a pass", NOW)


@pytest.fixture(scope="session")
def passes() -> Passes:
    return Passes()


@pytest.fixture(scope="session")
def supervisor() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "crossings.sqlite"


@pytest.fixture
def log(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock) -> Iterator[CrossingLog]:
    with open_log(log_path, supervisor, clock) as opened:
        yield opened


def open_log(path: Path, supervisor: X25519PrivateKey, clock: FixedClock, **kw: object) -> CrossingLog:
    return CrossingLog.open(path, station_id="HN-01", seal_to=supervisor.public_key(), hmac_key=HMAC_KEY,
                            clock=clock, **kw)  # type: ignore[arg-type]


def ctx(officer: str | None = "officer-7", *, direction: str = "in", manual: bool = False,
        suspect: bool = False) -> CrossingContext:
    return CrossingContext(officer, "1", direction, NOW, suspect, manual)
