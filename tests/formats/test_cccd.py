"""The chip ID card's (CCCD) QR: parsed strictly, never a pass, compared with a pass's personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from checkpoint.decision import Reason, Verdict, Why
from checkpoint.errors import MalformedPass
from checkpoint.formats import cccd
from checkpoint.trust._store import TrustSource, TrustStore
from checkpoint.verify import Verifier

GOOD = "001090012345|123456789|Nguyễn Văn An|02031990|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|15082021"


def test_a_card_is_read() -> None:
    card = cccd.parse(GOOD)
    assert card == cccd.IdCard("001090012345", "123456789", "Nguyễn Văn An", date(1990, 3, 2), "Nam",
                               "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội", date(2021, 8, 15), 0)
    assert card.birth_date_iso == "1990-03-02"


def test_no_old_id_extra_fields_and_a_line_ending_are_fine() -> None:
    card = cccd.parse("001090012345||Trần Thị Bình|31121985|Nữ||01012022|Đỗ Văn C|Lê Thị D\r\n")
    assert card.old_id is None and card.address == "" and card.sex == "Nữ" and card.extra_fields == 2


def test_decomposed_vietnamese_is_normalised() -> None:
    import unicodedata

    card = cccd.parse(unicodedata.normalize("NFD", GOOD))
    assert card.name == "Nguyễn Văn An" and card.sex == "Nam"


@pytest.mark.parametrize(("text", "problem"), [
    ("", "fields"),
    ("garbage", "fields"),
    ("001090012345|123456789|Nguyễn Văn An|02031990|Nam|Hà Nội", "6 fields"),
    ("00109001234|123456789|A|02031990|Nam|x|15082021", "id number"),
    ("0010900123456|123456789|A|02031990|Nam|x|15082021", "id number"),
    ("００１０９００１２３４５|123456789|A|02031990|Nam|x|15082021", "id number"),  # full-width digits
    ("001090012345|12345678|A|02031990|Nam|x|15082021", "old id"),
    ("001090012345|123456789||02031990|Nam|x|15082021", "name is empty"),
    ("001090012345|123456789|A1|02031990|Nam|x|15082021", "digits"),
    ("001090012345|123456789|A|30021990|Nam|x|15082021", "birth date is not a calendar day"),
    ("001090012345|123456789|A|1990-03-02|Nam|x|15082021", "birth date is not DDMMYYYY"),
    ("001090012345|123456789|A|02031890|Nam|x|15082021", "before 1900"),
    ("001090012345|123456789|A|02031990|Nam|x|15132021", "issue date is not a calendar day"),
    ("001090012345|123456789|A|02031990|Nam|x|01011980", "before the birth date"),
    ("001090012345|123456789|A|02031990|Male|x|15082021", "neither Nam nor"),
    ("001090012345|123456789|A\x1b[31mB|02031990|Nam|x|15082021", "control"),  # a terminal escape code
    ("001090012345|123456789|A\u202eB|02031990|Nam|x|15082021", "control"),  # a bidi override
    ("001090012345|123456789|A|02031990|Nam|x\u200b|15082021", "control"),  # zero-width space
    ("001090012345|123456789|A|02031990|Nam|x|15082021\n\n", "control"),  # only one line ending
    ("001090012345|123456789|" + "A" * 101 + "|02031990|Nam|x|15082021", "name is longer"),
    ("001090012345|123456789|A|02031990|Nam|" + "x" * 301 + "|15082021", "address is longer"),
    ("001090012345|123456789|A|02031990|Nam|x|15082021|" + "y" * 301, "after the issue date"),
    ("001090012345|123456789|A|02031990|Nam|x|15082021" + "|" * 10, "more than 16 fields"),
    ("001090012345|123456789|A|02031990|Nam|x|15082021|" + "y" * 1000, "longer than 1024"),
])
def test_hostile_or_wrong_texts_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(MalformedPass, match=problem):
        cccd.parse(text)


def test_a_huge_text_is_refused_before_any_work() -> None:
    with pytest.raises(MalformedPass, match="longer than"):
        cccd.parse("001090012345|" + "|" * 1_000_000)


def test_looks_like() -> None:
    assert cccd.looks_like(GOOD)
    assert not cccd.looks_like("HC1:...") and not cccd.looks_like("00109001234|x") and not cccd.looks_like("")


def test_a_cccd_is_never_a_pass() -> None:
    """Unsigned: the verifier has no CCCD format, so the text is refused as not a pass."""
    d = Verifier(TrustStore({}, TrustSource("none"))).verify(GOOD, datetime(2024, 1, 1, tzinfo=UTC))
    assert d.verdict is Verdict.REJECT and d.reason is Reason.UNKNOWN_FORMAT
    assert d.grounds is not None and d.grounds.why is Why.NOT_A_PASS


# -- comparison -----------------------------------------------------------------------------------

CARD = cccd.parse(GOOD)


def test_the_same_person_matches_whatever_the_case_diacritics_and_spaces() -> None:
    for name in ("Nguyễn Văn An", "NGUYEN VAN AN", "nguyen  van   an", "Nguyen, Van An", "Van An Nguyen",
                 "NGUYỄN VĂN AN"):
        c = cccd.compare(CARD, name=name, id_number="001090012345", birth_date="1990-03-02")
        assert c.match and c.mismatched == () and c.unchecked == (), name
    assert cccd.normalise_name(" Đỗ  Thị   Ánh ") == "do thi anh"


def test_the_old_id_matches_too() -> None:
    assert cccd.compare(CARD, name="Nguyen Van An", id_number="123456789", birth_date="1990-03-02").match


@pytest.mark.parametrize(("kw", "field"), [
    ({"id_number": "001090099999"}, "id_number"),
    ({"name": "Nguyễn Văn Anh"}, "name"),
    ({"name": "Nguyễn Văn"}, "name"),
    ({"birth_date": "1990-02-03"}, "birth_date"),
    ({"birth_date": "1991"}, "birth_date"),
    ({"birth_date": "02/03/1990"}, "birth_date"),  # not the pass's form: never taken as a match
])
def test_each_differing_field_is_named(kw: dict[str, str], field: str) -> None:
    args = {"name": "Nguyen Van An", "id_number": "001090012345", "birth_date": "1990-03-02"} | kw
    c = cccd.compare(CARD, **args)
    assert not c.match and c.mismatched == (field,)


def test_a_pass_without_an_id_leaves_it_unchecked_not_matched() -> None:
    c = cccd.compare(CARD, name="NGUYEN VAN AN", id_number=None, birth_date="1990-03")
    assert c.match and c.unchecked == ("id_number",)
    assert c.result == "match"
    c = cccd.compare(CARD, name="", id_number=None, birth_date=None)
    assert c.unchecked == ("id_number", "name", "birth_date")
    assert not c.match and c.result == "unchecked"  # nothing compared is never a match


def test_random_mutations_raise_only_malformed_pass() -> None:
    """Seeded mutations of a real card's text (bytes swapped, fields cut, doubled, control characters added):
    the parser returns a card or raises MalformedPass, nothing else, and a card it returns holds no hidden
    characters and nothing over its caps."""
    import random

    from checkpoint.display import has_hidden

    rng = random.Random(16)
    alphabet = "0123456789|| ĐđÂâƯư\x00\x1b\u202e\u200b\r\nAaZz-/."
    parsed = 0
    for _ in range(3000):
        chars = list(GOOD)
        for _ in range(rng.randint(1, 6)):
            op = rng.randrange(4)
            i = rng.randrange(len(chars) + 1)
            if op == 0 and chars:
                del chars[min(i, len(chars) - 1)]
            elif op == 1:
                chars.insert(i, rng.choice(alphabet))
            elif op == 2 and chars:
                chars[min(i, len(chars) - 1)] = rng.choice(alphabet)
            else:
                chars[i:i] = chars[i:i + rng.randint(1, 40)]
        try:
            card = cccd.parse("".join(chars))
        except MalformedPass:
            continue
        parsed += 1
        assert len(card.id_number) == 12 and card.id_number.isascii() and card.id_number.isdigit()
        assert len(card.name) <= cccd.MAX_NAME and len(card.address) <= cccd.MAX_ADDRESS
        assert card.sex in cccd.SEXES and card.issue_date >= card.birth_date
        assert not has_hidden(card.name) and not has_hidden(card.address)
    assert parsed > 50  # some mutations keep a valid card (a letter changed in the address)
