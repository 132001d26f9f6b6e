"""Every string exists in both languages, with the same placeholders, and nothing is left empty."""

from __future__ import annotations

import string

from checkpoint.decision import Flag, Reason
from checkpoint.log._errors import CAUSES
from checkpoint.model import CATEGORIES
from checkpoint.tui.i18n import CATALOGS, EN, VI, Texts
from scanner._wedge import MESSAGES as WEDGE_MESSAGES


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys() -> None:
    assert set(VI) - set(EN) == set(), "missing in English"
    assert set(EN) - set(VI) == set(), "missing in Vietnamese"


def test_no_empty_strings_and_same_placeholders() -> None:
    for lang, catalog in CATALOGS.items():
        for key, text in catalog.items():
            assert text.strip(), f"{lang}: {key} is empty"
    for key in VI:
        assert placeholders(VI[key]) == placeholders(EN[key]), key


def test_every_reason_rule_flag_and_category_has_words() -> None:
    for lang in CATALOGS:
        t = Texts(lang)
        for reason in Reason:
            assert t.has(f"reason.{reason.value}"), (lang, reason)
        for rule in ("category", "symptoms", "positive_test", "test_age"):
            assert t.has(f"rule.{rule}"), (lang, rule)
        for flag in Flag:
            assert t.has(f"flag.{flag.value}"), (lang, flag)
        for category in CATEGORIES:
            assert t.has(f"category.{category}"), (lang, category)
        for code in CAUSES:
            assert t.has(f"logerr.{code}"), (lang, code)
        for code in WEDGE_MESSAGES:
            assert t.has(f"wedge.{code}"), (lang, code)


def test_the_languages_differ_and_format() -> None:
    assert Texts("vi")("verdict.ACCEPT") == "ĐƯỢC QUA"
    assert Texts("en")("verdict.ACCEPT") == "ACCEPT"
    assert Texts("en")("signin.failed", left=2) == "Wrong officer id or PIN (2 tries left)"
    assert Texts("vi").reason("RULE_FAILED", "symptoms") == VI["rule.symptoms"]
