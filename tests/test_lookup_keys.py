"""Lookup keys (checkpoint.lookup_keys): what looks the same is the same key; implausible ids are flagged."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from checkpoint.decision import Display, Flag
from checkpoint.lookup_keys import (
    id_problem,
    normalise_id_number,
    normalise_pass_id,
    normalise_plate,
    pass_id_problem,
)
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.verify import Verifier
from tests.factories import PERSON, T0, ed25519, make_pass

CCCD = "001085012345"  # Hà Nội, male born in 1985


@pytest.mark.parametrize("shown", [
    "００１０８５０１２３４５",  # full-width digits
    "001\u200b085012345",  # zero-width space
    "\u2066001085012345\u2069",  # bidi isolate around it
    "\u202e001085012345",  # right-to-left override
    "001-085-012 345", "001.085.012.345", "\ufeff001085012345\u00ad", "00108501234\ufe0f5", "001085012345\x00",
    "001\u3000085012345",  # ideographic space
])
def test_id_numbers_that_look_the_same_are_the_same_key(shown: str) -> None:
    assert normalise_id_number(shown) == CCCD


def test_id_number_normalisation_folds_case_and_keeps_what_differs() -> None:
    assert normalise_id_number("ｂ１２３４５６７") == "B1234567"
    assert normalise_id_number("001085012346") != CCCD


def test_plates_and_pass_ids() -> None:
    assert normalise_plate("29A-123.45") == normalise_plate("２９ａ １２３４５") == "29A12345"
    assert normalise_pass_id("AB\u200bC".encode()) == b"ABC"
    assert normalise_pass_id("ＡＢＣ".encode()) == b"ABC"
    assert normalise_pass_id(b"abc") == b"abc"  # text pass ids keep their case
    raw = bytes(range(0xF0, 0x100))  # not UTF-8: binary ids are compared as they are
    assert normalise_pass_id(raw) == raw


@pytest.mark.parametrize(("number", "birth", "foreign", "ok"), [
    (CCCD, "1985-03-02", False, True),
    ("079190000123", "1990-11-30", False, True),
    ("001300000042", "2000", False, True),  # woman born in 2000 (century digit 3)
    ("001085012345", None, False, True),  # no birth date: structure only
    ("００１０８５０１２３４５", "1985", False, True),  # plausible once normalised
    ("001085012345", "1986-01-01", False, False),  # birth year does not match
    ("003085012345", "1985", False, False),  # no province 003
    ("012345678", None, False, True),  # CMND, 9 digits
    ("B1234567", None, False, True),  # Vietnamese passport
    ("0123456789", None, False, False),  # 10 digits: neither
    ("00108501234", None, False, False),  # 11 digits
    ("URN:UVCI:01:VN:ABC123", None, False, False),
    ("X12345678", None, False, False),
    ("X12345678", None, True, True),  # a foreign passport, for transit
    ("ABCDEFGH", None, True, False),  # no digit at all
    ("", None, False, False),
    ("\u200b", None, False, False),
])
def test_plausibility(number: str, birth: str | None, foreign: bool, ok: bool) -> None:
    assert (id_problem(number, birth_date=birth, foreign_ok=foreign) is None) is ok


def test_plausibility_is_per_format_and_category() -> None:
    assert pass_id_problem("HC1", "worker", "URN:UVCI:01:VN:ABC", "1985") is None  # not a national id
    assert pass_id_problem("CP1", "worker", "X12345678", None) is not None
    assert pass_id_problem("CP1", "transit", "X12345678", None) is None
    assert pass_id_problem("CP1", "worker", None, None) is None


def test_the_verifier_flags_an_implausible_id_and_the_officer_sees_check() -> None:
    issuer = ed25519()
    pk = issuer.public_key()
    verifier = Verifier(TrustStore([TrustedKey(keys.kid_of(pk), pk, "test")], TrustSource("test")))
    at = T0 + timedelta(hours=1)
    good = verifier.verify(make_pass(issuer), at)
    assert good.display is Display.ACCEPT and Flag.ID_IMPLAUSIBLE not in good.flags
    zero_width = verifier.verify(make_pass(issuer, subject=replace(PERSON, id_number="001\u200b085012345")), at)
    # plausible once normalised; the hidden character itself makes it CHECK (the display boundary's flag)
    assert Flag.ID_IMPLAUSIBLE not in zero_width.flags and zero_width.flags == {Flag.HIDDEN_CHARS}
    bad = verifier.verify(make_pass(issuer, subject=replace(PERSON, id_number="0123456789")), at)
    assert bad.accepted and Flag.ID_IMPLAUSIBLE in bad.flags and bad.display is Display.CHECK
    wrong_year = verifier.verify(make_pass(issuer, subject=replace(PERSON, birth_date="1991-01-01")), at)
    assert Flag.ID_IMPLAUSIBLE in wrong_year.flags
    from checkpoint.cli.common import decision_text

    assert "cannot be right" in decision_text(bad)


def test_the_officer_is_told_in_both_languages() -> None:
    from checkpoint.tui.i18n import EN, VI

    assert "card" in EN["flag.id_implausible"] and "thẻ" in VI["flag.id_implausible"]


def test_display_and_lookup_agree_on_what_is_hidden() -> None:
    """A character lookups strip is one the display escapes (and warns of), and the reverse."""
    from checkpoint.display import has_hidden, shown
    from checkpoint.lookup_keys import normalise_id_number

    for ch in ("\ufe0f", "\u034f", "\u2800", "\u200b", "\u202e", "\u3164", "\U000e0100"):
        assert has_hidden(f"An{ch}") and shown(f"An{ch}") != f"An{ch}", repr(ch)
        assert normalise_id_number(f"0010{ch}85012345") == "001085012345", repr(ch)
