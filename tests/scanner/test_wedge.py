from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner._lines import LineAssembler
from scanner._wedge import WedgeAssembler, diagnose_text

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
PASS = "CP1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-D"


def telex(text: str) -> str:
    """What Unikey/EVKey in Telex mode makes of typed capitals (the compositions a scan can trigger)."""
    out = text
    for seq, ch in (("AA", "Â"), ("DD", "Đ"), ("EE", "Ê"), ("OO", "Ô"), ("AW", "Ă"), ("OW", "Ơ"), ("UW", "Ư")):
        out = out.replace(seq, ch)
    return out


def azerty(text: str) -> str:
    """A US-keycode scanner typing on a French AZERTY layout: digits come out unshifted."""
    return text.translate(str.maketrans("1234567890:/.", "&é\"'(-è_çàÖ!;"))


def test_clean_scan_has_no_diagnosis() -> None:
    assert diagnose_text(PASS, BASE45) is None
    (scan,) = WedgeAssembler(BASE45).feed(PASS + "\r\n", 1.0)
    assert scan.ok and scan.text == PASS


def test_telex_input_method_is_named_with_the_fix() -> None:
    mangled = telex("CP1:6BFAA9DD0OW")
    assert "Â" in mangled and "Đ" in mangled
    d = diagnose_text(mangled, BASE45)
    assert d is not None and d.code == "vietnamese_ime"
    assert "Â" in d.notice.text and "Đ" in d.notice.text
    assert "input method" in d.notice.text and "serial mode" in d.notice.text
    assert d.first_position == mangled.index("Â")


def test_telex_tone_marks_are_recognised_too() -> None:
    d = diagnose_text("CP1:AÁBẠC", BASE45)  # AS -> Á, AJ -> Ạ
    assert d is not None and d.code == "vietnamese_ime"
    d2 = diagnose_text(unicodedata.normalize("NFD", "CP1:Á"), BASE45)  # decomposed input too
    assert d2 is not None and d2.code in ("vietnamese_ime", "outside_alphabet")


def test_non_us_layout_is_named() -> None:
    d = diagnose_text(azerty(PASS), BASE45)
    assert d is not None and d.code == "keyboard_layout"
    assert "US English" in d.notice.text
    assert "à" in d.bad  # à here is a French digit, not Vietnamese: the other signs decide


def test_caps_lock_and_control_keys_and_other_characters() -> None:
    lower = diagnose_text("cp1:abc", BASE45)
    assert lower is not None and lower.code == "caps_lock"
    ctrl = diagnose_text("CP1:ABC\t", BASE45)
    assert ctrl is not None and ctrl.code == "control_chars" and "\\t" in ctrl.notice.text
    other = diagnose_text("CP1:AB~", BASE45)
    assert other is not None and other.code == "outside_alphabet"


def test_messages_carry_a_code_and_params_for_translation() -> None:
    d = diagnose_text(telex("AADD"), BASE45)
    assert d is not None
    assert d.notice.code == "vietnamese_ime" and d.notice.param("chars") == "Â Đ"


def test_lines_end_on_cr_lf_or_crlf_even_split_across_reads() -> None:
    a = LineAssembler()
    assert [x.text for x in a.feed("AB\r", 0.0)] == ["AB"]
    assert a.feed("\nCD", 0.1) == []  # the LF of the CRLF, then the start of the next scan
    assert [x.text for x in a.feed("\nEF\n\n", 0.2)] == ["CD", "EF"]


def test_scanner_without_terminator_ends_on_idle() -> None:
    w = WedgeAssembler(BASE45, idle_timeout=0.2)
    assert w.feed("CP1:AB", 1.0) == []
    assert w.poll(1.1) is None
    scan = w.poll(1.3)
    assert scan is not None and scan.text == "CP1:AB"


def test_overlong_input_is_cut_and_flagged() -> None:
    w = WedgeAssembler(BASE45, max_length=10)
    (scan,) = w.feed("A" * 50 + "\n", 0.0)
    assert scan.text == "A" * 10 and scan.diagnosis is not None and scan.diagnosis.code == "truncated"


def test_feed_line_for_text_widgets() -> None:
    (scan,) = WedgeAssembler(BASE45 + "shc/").feed_line("shc:/0123", 2.0)
    assert scan.ok


@given(st.lists(st.text(alphabet=BASE45, min_size=1, max_size=40), min_size=1, max_size=5),
       st.data())
def test_any_chunking_gives_the_same_lines(lines: list[str], data: st.DataObject) -> None:
    stream = "".join(line + data.draw(st.sampled_from(["\r", "\n", "\r\n"])) for line in lines)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    chunks = [stream[i:j] for i, j in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    a = LineAssembler()
    got = [x.text for c in chunks for x in a.feed(c, 0.0)]
    assert got == lines


@pytest.mark.parametrize("ch", ["Ă", "Ê", "Ô", "Ơ", "Ư", "Đ", "ấ", "ự"])
def test_every_vietnamese_letter_points_to_the_input_method(ch: str) -> None:
    d = diagnose_text("CP1:" + ch, BASE45)
    assert d is not None and d.code == "vietnamese_ime"
