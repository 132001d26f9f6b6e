"""Lookup keys: id numbers, vehicle plates and pass ids in the one form they are hashed and compared in.

Two strings an officer cannot tell apart on screen must be the same key, or a lookup misses a person
(``export --id-number``), a duplicate goes unnoticed, and a forger can slip past by adding a character
nobody sees. Every key goes through the same steps before it is hashed or compared:

1. Unicode NFKC: full-width ``０１２３`` becomes ``0123``, ligatures and compatibility forms fold.
2. Hidden characters removed: control characters (C0, C1, DEL), format characters (zero-width space
   and joiners, bidi embeddings, overrides and isolates, soft hyphen, BOM), variation selectors and the
   other invisible fillers. No real id number, plate or pass id contains one.
3. For id numbers and plates only: upper case, and separators removed (any space, dashes, dots,
   slashes, underscores), because officers and issuers write ``001-085-012 345`` and ``29A-123.45``.

This is *not* the display sanitiser (which shows hidden characters as visible escapes so the officer
sees them); it is the canonical form used for hashing and equality only, and it is never shown.

:func:`id_problem` says why an id number is not plausible for its document after normalising
(``docs/crossing-log.md`` lists the rules): the verifier flags such a pass ``id_implausible``.

Pure: text in, text out (the core imports no storage, UI or network code).
"""

from __future__ import annotations

import re
import unicodedata

from checkpoint.display import is_hidden  # one definition of a hidden character

_SEPARATORS = frozenset("-./\\_")


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not is_hidden(ch))


def _compact(text: str) -> str:
    return "".join(ch for ch in _fold(text).upper()
                   if ch not in _SEPARATORS and unicodedata.category(ch) not in ("Zs", "Zl", "Zp", "Pd"))


def normalise_id_number(id_number: str) -> str:
    """The canonical form of an id number: NFKC, hidden characters and separators removed, upper case."""
    return _compact(id_number)


def normalise_plate(plate: str) -> str:
    """The canonical form of a vehicle plate (``29A-123.45`` and ``29a 12345`` are ``29A12345``)."""
    return _compact(plate)


def normalise_text_key(text: str) -> str:
    """A textual key compared as written (case and separators kept): NFKC, hidden characters removed."""
    return _fold(text)


def normalise_pass_id(pass_id: bytes) -> bytes:
    """A pass id as compared for duplicates: a textual id (UTF-8) is folded; binary ids are left as they are.

    A CP1 ``cti`` is 16 random bytes (left alone: such bytes are almost never valid UTF-8, and when they
    happen to be, folding changes nothing unless they spell hidden or compatibility characters); an SHC
    or NZCP id is text, where ``ABC`` and ``A\\u200bBC`` must be the same pass.
    """
    try:
        text = pass_id.decode("utf-8")
    except UnicodeDecodeError:
        return pass_id
    return normalise_text_key(text).encode("utf-8")


# -- plausibility ------------------------------------------------------------------------------------

#: Province and city codes that open a Vietnamese citizen id (CCCD), per Circular 07/2016/TT-BCA.
VN_PROVINCES = frozenset({
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
    "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
    "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
})
#: Formats whose id field carries a national id (or passport number) the officer checks against a card.
#: Health certificates (HC1, SHC, NZCP) carry none: their ids are the document's own and are not checked.
NATIONAL_ID_FORMATS = frozenset({"CP1"})
#: Categories that may carry a foreign travel document: any ICAO 9303 document number is plausible.
FOREIGN_DOCUMENT_CATEGORIES = frozenset({"transit"})

_CCCD = re.compile(r"[0-9]{12}")
_CMND = re.compile(r"[0-9]{9}")
_VN_PASSPORT = re.compile(r"[A-Z][0-9]{7}")
_ICAO_DOCUMENT = re.compile(r"(?=.*[0-9])[A-Z0-9]{5,9}")
_YEAR = re.compile(r"([0-9]{4})")


def cccd_problem(digits: str, birth_date: str | None) -> str | None:
    """Why a 12-digit number is not a plausible CCCD: province code, and the century/sex digit and the
    two birth-year digits against the birth date when there is one (sex and century: 0-1 the 1900s,
    2-3 the 2000s, 4-5 the 2100s, 6-7 the 2200s, 8-9 the 2300s)."""
    if digits[:3] not in VN_PROVINCES:
        return "the province code of the citizen id does not exist"
    year = _YEAR.match(birth_date or "")
    if year is not None:
        century = 1900 + 100 * (int(digits[3]) // 2)
        if century + int(digits[4:6]) != int(year.group(1)):
            return "the birth year in the citizen id does not match the birth date"
    return None


def id_problem(id_number: str | None, *, birth_date: str | None = None, foreign_ok: bool = False) -> str | None:
    """Why this id number is not plausible after normalising (None: plausible, or nothing to check).

    Plausible: a CCCD (12 digits, a real province code, birth year matching), a CMND (9 digits), a
    Vietnamese passport (a letter and 7 digits); with ``foreign_ok`` also any ICAO 9303 document number
    (5 to 9 letters and digits, at least one digit).
    """
    if id_number is None:
        return None
    key = normalise_id_number(id_number)
    if not key:
        return "the id number is empty"
    if _CCCD.fullmatch(key):
        return cccd_problem(key, birth_date)
    if _CMND.fullmatch(key) or _VN_PASSPORT.fullmatch(key):
        return None
    if foreign_ok and _ICAO_DOCUMENT.fullmatch(key):
        return None
    return "the id number is not a citizen id (12 digits), an old id card (9 digits) or a passport number"


def pass_id_problem(fmt: str, category: str | None, id_number: str | None, birth_date: str | None) -> str | None:
    """:func:`id_problem` for a pass of format ``fmt``; formats without a national id are not checked."""
    if fmt not in NATIONAL_ID_FORMATS:
        return None
    return id_problem(id_number, birth_date=birth_date, foreign_ok=category in FOREIGN_DOCUMENT_CATEGORIES)
