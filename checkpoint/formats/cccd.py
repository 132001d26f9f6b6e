"""The Vietnamese chip ID card's QR code (Căn cước công dân, CCCD): an identity document, **not a pass**.

The card's QR holds plain text, pipe-separated (dates DDMMYYYY; the old CMND id may be empty)::

    <12-digit id>|<old 9-digit CMND id>|<full name>|<birth date>|<Nam/Nữ>|<address>|<issue date>

Some cards add fields after the issue date; they are counted and otherwise ignored. Nothing in it is
signed: anyone can print such a code, so it is never a pass and never ACCEPTs anything by itself
(``checkpoint.verify`` has no CCCD format: its text is ``UNKNOWN_FORMAT``). The station uses it to compare
with a pass just scanned (:func:`compare`) and to fill the manual-entry form.

Checked strictly: the id (12 ASCII digits), the old id (empty or 9 ASCII digits), both dates (real
calendar days, 1900 or later, issued on or after birth), the sex word, every field's size and the whole
text's size, and that no field holds control, bidi or zero-width characters (no real card does: an escape
code in a name is a forged code). Not checked (cannot be): that the card is genuine, that it belongs to the
person in front of the officer, that a birth date is in the past (no clock in here).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from checkpoint.display import has_hidden
from checkpoint.errors import MalformedPass

FORMAT = "CCCD"
MAX_TEXT = 1024  # a real card's text is about 150 characters
MAX_FIELDS = 16  # the 7 known fields and a few a newer card may add
MAX_NAME = 100
MAX_ADDRESS = 300
MAX_EXTRA = 300  # each field after the issue date
SEXES = ("Nam", "Nữ")
EARLIEST_YEAR = 1900

_ID = re.compile(r"[0-9]{12}")
_OLD_ID = re.compile(r"[0-9]{9}")
_DATE = re.compile(r"[0-9]{8}")
_HEAD = re.compile(r"[0-9]{12}\|")


@dataclass(frozen=True)
class IdCard:
    """What a CCCD's QR says (NFC-normalised, single-spaced). Unsigned: a claim, never a proof."""

    id_number: str  # 12 digits
    old_id: str | None  # the old 9-digit CMND number, when the card carries one
    name: str
    birth_date: date
    sex: str  # "Nam" / "Nữ"
    address: str
    issue_date: date
    extra_fields: int = 0  # fields after the issue date (newer cards), not read

    @property
    def birth_date_iso(self) -> str:
        return self.birth_date.isoformat()


def looks_like(text: str) -> bool:
    """Whether a scanned text is meant as a CCCD (12 digits then ``|``); :func:`parse` decides if it is one."""
    return _HEAD.match(text) is not None


def parse(text: str) -> IdCard:
    """Parse a CCCD QR text (one trailing line ending allowed). Raises ``MalformedPass`` saying what is wrong."""
    if len(text) > MAX_TEXT:
        raise MalformedPass(f"CCCD: the text is longer than {MAX_TEXT} characters")
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            text = text[: -len(ending)]
            break
    text = unicodedata.normalize("NFC", text)
    if has_hidden(text):
        raise MalformedPass("CCCD: the text holds control or invisible characters")
    fields = text.split("|")
    if len(fields) < 7:
        raise MalformedPass(f"CCCD: {len(fields)} fields, at least 7 expected")
    if len(fields) > MAX_FIELDS:
        raise MalformedPass(f"CCCD: more than {MAX_FIELDS} fields")
    id_number, old_id, name, birth, sex, address, issued = fields[:7]
    if not _ID.fullmatch(id_number):
        raise MalformedPass("CCCD: the id number is not 12 digits")
    if old_id and not _OLD_ID.fullmatch(old_id):
        raise MalformedPass("CCCD: the old id number is not 9 digits")
    name = " ".join(name.split())
    if not name:
        raise MalformedPass("CCCD: the name is empty")
    if len(name) > MAX_NAME:
        raise MalformedPass(f"CCCD: the name is longer than {MAX_NAME} characters")
    if any(ch.isdigit() for ch in name):
        raise MalformedPass("CCCD: the name holds digits")
    birth_date = _date(birth, "birth date")
    sex = sex.strip()
    if sex not in SEXES:
        raise MalformedPass("CCCD: the sex is neither Nam nor Nữ")
    address = " ".join(address.split())
    if len(address) > MAX_ADDRESS:
        raise MalformedPass(f"CCCD: the address is longer than {MAX_ADDRESS} characters")
    issue_date = _date(issued, "issue date")
    if issue_date < birth_date:
        raise MalformedPass("CCCD: the issue date is before the birth date")
    extra = fields[7:]
    if any(len(f) > MAX_EXTRA for f in extra):
        raise MalformedPass(f"CCCD: a field after the issue date is longer than {MAX_EXTRA} characters")
    return IdCard(id_number, old_id or None, name, birth_date, sex, address, issue_date, len(extra))


def _date(text: str, what: str) -> date:
    if not _DATE.fullmatch(text):
        raise MalformedPass(f"CCCD: the {what} is not DDMMYYYY")
    day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
    if year < EARLIEST_YEAR:
        raise MalformedPass(f"CCCD: the {what} is before {EARLIEST_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise MalformedPass(f"CCCD: the {what} is not a calendar day") from None


# -- comparing with a pass --------------------------------------------------------------------------

#: The fields compared, in the order they are said.
COMPARED = ("id_number", "name", "birth_date")


@dataclass(frozen=True)
class Comparison:
    """A CCCD against the personal data of a pass: which fields differ, and which the pass could not
    be compared on (a health certificate names no national id)."""

    mismatched: tuple[str, ...]
    unchecked: tuple[str, ...]

    @property
    def match(self) -> bool:
        """No field differs and at least one was compared (nothing compared is not a match)."""
        return not self.mismatched and len(self.unchecked) < len(COMPARED)

    @property
    def result(self) -> str:
        """``match``, ``mismatch`` or ``unchecked`` (the pass carries none of the fields)."""
        return "mismatch" if self.mismatched else "match" if self.match else "unchecked"


def normalise_name(name: str) -> str:
    """A name for comparison: no case, no Vietnamese diacritics (đ is d), no punctuation, single spaces."""
    out = []
    for ch in unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D")):
        if unicodedata.category(ch) == "Mn":
            continue
        out.append(ch if ch.isalpha() else " ")
    return " ".join("".join(out).casefold().split())


def _names_agree(a: str, b: str) -> bool:
    """Same words in the same order, or in another order (passes from abroad put the family name last)."""
    x, y = normalise_name(a).split(), normalise_name(b).split()
    return bool(x) and (x == y or sorted(x) == sorted(y))


def _birth_dates_agree(card: date, pass_date: str) -> bool:
    """The pass's ``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``, as health certificates may give) against the card."""
    parts = pass_date.strip().split("-")
    want = (f"{card.year:04d}", f"{card.month:02d}", f"{card.day:02d}")
    return 1 <= len(parts) <= 3 and tuple(parts) == want[: len(parts)]


def compare(card: IdCard, *, name: str | None, id_number: str | None, birth_date: str | None) -> Comparison:
    """The card against a pass's name, national id and birth date. A field the pass does not carry is
    *unchecked*, never a match; an id matches the card's 12-digit id or its old 9-digit one."""
    mismatched: list[str] = []
    unchecked: list[str] = []
    if not id_number:
        unchecked.append("id_number")
    elif id_number.strip() not in (card.id_number, card.old_id):
        mismatched.append("id_number")
    if not name:
        unchecked.append("name")
    elif not _names_agree(card.name, name):
        mismatched.append("name")
    if not birth_date:
        unchecked.append("birth_date")
    elif not _birth_dates_agree(card.birth_date, birth_date):
        mismatched.append("birth_date")
    return Comparison(tuple(mismatched), tuple(unchecked))
