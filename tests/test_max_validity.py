"""Maximum validity: a CP1 pass valid for longer than ``[rules] max_validity_days`` is refused with its
own reason, even when a trusted issuer signed it (a stolen or careless key must not mint year-9999 passes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkpoint.config import parse_config
from checkpoint.decision import Reason
from checkpoint.errors import ConfigError
from checkpoint.rules import Rules
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.tui.i18n import Texts
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, make_pass

NOW = T0 + timedelta(hours=2)
KEY = ed25519()


def verifier(rules: Rules | None = None) -> Verifier:
    pk = KEY.public_key()
    return Verifier(TrustStore([TrustedKey(keys.kid_of(pk), pk, "test")], TrustSource("test")), rules=rules or Rules())


def test_a_pass_valid_until_9999_is_refused_as_too_long() -> None:
    text = make_pass(KEY, valid_for=datetime(9999, 12, 31, tzinfo=UTC) - T0)
    d = verifier().verify(text, NOW)
    assert d.reason is Reason.VALIDITY_TOO_LONG
    assert "longer than the 30 days" in d.detail
    assert d.pass_ is not None  # authentic: the officer sees whose pass it is


def test_the_default_maximum_is_30_days_and_configurable() -> None:
    assert verifier().verify(make_pass(KEY, valid_for=timedelta(days=30)), NOW).accepted
    assert verifier().verify(make_pass(KEY, valid_for=timedelta(days=30, seconds=1)), NOW).reason is \
        Reason.VALIDITY_TOO_LONG
    assert verifier(Rules(max_validity_days=7)).verify(make_pass(KEY, valid_for=timedelta(days=8)), NOW).reason is \
        Reason.VALIDITY_TOO_LONG


def test_validity_is_checked_before_the_time_window() -> None:
    """A pass too long is refused as such whether or not it is valid now (the reason order)."""
    text = make_pass(KEY, valid_for=timedelta(days=400), not_before=T0 + timedelta(days=10))
    assert verifier().verify(text, NOW).reason is Reason.VALIDITY_TOO_LONG
    order = list(Reason)
    assert order.index(Reason.KEY_REVOKED) < order.index(Reason.VALIDITY_TOO_LONG) < order.index(Reason.NOT_YET_VALID)


def test_config_reads_and_validates_max_validity_days() -> None:
    assert parse_config({"rules": {"max_validity_days": 7}}).rules.max_validity_days == 7
    assert parse_config({}).rules.max_validity_days == 30
    for bad in (0, 367, "30"):
        with pytest.raises(ConfigError, match="max_validity_days"):
            parse_config({"rules": {"max_validity_days": bad}})


def test_the_reason_has_words_in_both_languages() -> None:
    for language in ("vi", "en"):
        words = Texts(language).reason("VALIDITY_TOO_LONG")
        assert words and "VALIDITY_TOO_LONG" not in words
