"""The one catalogue of words: every finding, rule, result, column and report label in both languages, and
decisions that carry their grounds as typed values (the dose, the test's age, the EU rule) to every screen."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checkpoint import hc_rules
from checkpoint.config import parse_config
from checkpoint.decision import PARAMS, Decision, Grounds, Why
from checkpoint.export._columns import BASE_COLUMNS, PERSONAL_COLUMNS
from checkpoint.hc_rules import HealthRules
from checkpoint.log._errors import CAUSES, LogError, LogErrorCode
from checkpoint.rules import Rules
from checkpoint.verify import Verifier
from checkpoint.words import CATALOGS, EN, VI, Texts, english, placeholders
from tests.conftest import DATA
from tests.formats import dgc_cases

RULES = ("category", "symptoms", "positive_test", "test_age", "hc_attestation", "hc_content", "hc_vaccination",
         "hc_test", "hc_recovery")


def test_every_finding_has_words_whose_placeholders_are_its_parameters() -> None:
    for why in Why:
        for lang, catalog in CATALOGS.items():
            text = catalog.get(f"why.{why.value}")
            assert text, (lang, why)
            assert placeholders(text) == set(PARAMS.get(why, ())), (lang, why)


def test_every_rule_result_column_and_log_error_has_words() -> None:
    for lang in CATALOGS:
        t = Texts(lang)
        for rule in RULES:
            assert t.has(f"rule.{rule}"), (lang, rule)
        for display in ("ACCEPT", "REJECT", "CHECK"):
            assert t.has(f"result.{display}"), (lang, display)
        for column in (*BASE_COLUMNS, *PERSONAL_COLUMNS.values()):
            assert t.has(f"column.{column.key}"), (lang, column.key)
        for code in LogErrorCode:
            assert t.has(f"logerr.{code.value}"), (lang, code)
    assert set(CAUSES) == set(LogErrorCode)


def test_one_word_per_outcome_everywhere() -> None:
    """Issue 17 item 6: the app said "Được qua", exports and the report "Cho qua"."""
    assert "Cho qua" not in " ".join(VI.values())
    assert VI["result.ACCEPT"] == "Được qua" and VI["verdict.ACCEPT"] == "ĐƯỢC QUA"
    assert EN["result.ACCEPT"] == "Accepted"


def test_grounds_take_exactly_their_parameters() -> None:
    assert Grounds.of(Why.TEST_TOO_OLD, hours=80, max_hours=72)["hours"] == 80
    with pytest.raises(ValueError, match="test_too_old"):
        Grounds.of(Why.TEST_TOO_OLD, hours=80)
    with pytest.raises(ValueError):
        Grounds.of(Why.EXPIRED, expired_at=datetime(2021, 1, 1, tzinfo=UTC), extra=1)


def test_parameters_are_shown_in_the_reader_s_language() -> None:
    expired = Grounds.of(Why.EXPIRED, expired_at=datetime(2021, 7, 24, 0, 26, tzinfo=UTC))
    assert english(expired) == "the pass expired at 2021-07-24 00:26 UTC"
    assert Texts("vi").why(expired) == "Thẻ đã hết hạn lúc 00:26 24/07/2021 UTC"
    category = Grounds.of(Why.CATEGORY, category="worker")
    assert english(category) == "category 'worker' is not admitted at this checkpoint"  # tools keep the code
    assert Texts("vi").why(category) == "Đối tượng 'Người lao động' không được qua chốt này"
    signer = Grounds.of(Why.SIGNER_NOT_ALLOWED, allowed="recovery, vaccination", kind="test")
    assert Texts("vi").why(signer) == "Đơn vị ký chỉ được ký giấy khỏi bệnh, tiêm chủng, không được ký giấy xét nghiệm"


def _verify(name: str, rules: Rules) -> Decision:
    c: dict[str, Any] = json.loads((DATA / "dgc" / f"{name}.json").read_text(encoding="utf-8"))
    return Verifier(dgc_cases.store(c), rules=rules).verify(c["PREFIX"], dgc_cases.clock(c))


def test_a_health_certificate_refusal_shows_the_dose_the_test_s_age_and_the_eu_rule(tmp_path: Path) -> None:
    """Issue 17 item 3: the values that refused reach the screen in both languages, not only "rule failed"."""
    vi, en = Texts("vi"), Texts("en")
    # the dose: too recent (2/2 on 2021-05-29, checked 2021-06-01), then an incomplete series
    d = _verify("DE-1", Rules())
    assert d.grounds == Grounds.of(Why.DOSE_TOO_RECENT, days=3, min_days=14)
    assert vi.why(d.grounds) == "Mũi cuối tiêm 3 ngày trước; cần ít nhất 14 ngày"
    assert en.why(d.grounds) == "last dose 3 days ago; at least 14 days are required"
    now = datetime(2022, 6, 1, 12, tzinfo=UTC)
    half = hc_rules.evaluate(_cert(dose=1, total=2, on=now.date() - timedelta(days=100)), HealthRules(), now,
                             timedelta(minutes=5))
    assert half.grounds == Grounds.of(Why.SERIES_INCOMPLETE, dose=1, total=2)
    assert vi.why(half.grounds) == "Chưa tiêm đủ: mũi 1 trên 2"
    # the test's age and the limit
    old = _verify("DE-2", Rules(health=HealthRules(test_max_hours=24)))
    assert old.grounds is not None and old.grounds.why is Why.TEST_TOO_OLD and old.grounds["max_hours"] == 24
    hours = old.grounds["hours"]
    assert isinstance(hours, int) and hours > 24
    assert vi.why(old.grounds) == f"Xét nghiệm lấy mẫu {hours} giờ trước; tối đa 24 giờ"
    # the EU rule that failed, by its id, and the rule the crossing records
    rules_dir = DATA / "eu-rules"
    table = {"eu_rules": str(rules_dir / "rules.json"), "value_sets": str(rules_dir / "value-sets.json"),
             "vaccination_min_days": 3}
    health = parse_config({"health_certificates": table}, str(tmp_path / "station.toml")).rules.health
    eu = _verify("DE-2", Rules(health=health))
    assert eu.grounds is not None and eu.grounds["rule_id"] == "TR-VN-0001" and eu.rule == "eu:TR-VN-0001"
    assert vi.why(eu.grounds).startswith("Quy tắc EU TR-VN-0001: ")
    assert vi.reason(eu.reason, eu.rule) == "Không đạt quy tắc EU TR-VN-0001"  # exports and the report
    assert eu.detail == "EU rule TR-VN-0001: The test must be from a recognised type."


def _cert(dose: int, total: int, on: date) -> Any:
    from checkpoint.model import HealthCertificate, Vaccination

    v = Vaccination("840539006", "1119349007", "EU/1/20/1528", "ORG-100030215", dose, total, on, "VN", "BYT", "U:1")
    return HealthCertificate("A", "B", "A", "B", "1990-01-02", vaccinations=(v,))


def test_log_error_codes_are_values() -> None:
    assert LogError("disk_full", "x").code is LogErrorCode.DISK_FULL
    assert LogError(LogErrorCode.LOCKED, "x").code is LogErrorCode.LOCKED
    assert LogError("no-such-code", "x").code is LogErrorCode.IO


def test_the_command_line_gives_the_grounds_as_values(capsys: pytest.CaptureFixture[str]) -> None:
    from checkpoint.cli import main

    vectors = DATA / "cp1"
    case = json.loads((vectors / "cases" / "expired.json").read_text())
    code = main(["verify", "--trust", str(vectors / "trust"), "--at", case["validation_time"], "--json",
                 case["payload"]])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["reason"] == "EXPIRED"
    assert doc["grounds"]["why"] == "expired" and doc["grounds"]["expired_at"].endswith("Z")
    assert doc["detail"] == english(Grounds.of(Why.EXPIRED, expired_at=datetime.fromisoformat(
        doc["grounds"]["expired_at"])))


def test_a_text_parameter_from_the_pass_is_capped() -> None:
    """A category is the pass's own text (signed, but by any trusted issuer): it cannot flood the panel."""
    long = Grounds.of(Why.CATEGORY, category="x" * 5000)
    assert len(Texts("vi").why(long)) < 300 and len(english(long)) < 300
