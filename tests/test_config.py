"""Config: the example parses; every bad config names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkpoint.config import load_config
from checkpoint.errors import ConfigError
from checkpoint.hc_rules import HealthRules

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_parses_with_documented_values() -> None:
    cfg = load_config(ROOT / "config" / "station.example.toml")
    assert cfg.station.language == "vi"
    assert cfg.station.id == "LCI-KM12-01"
    assert cfg.rules.clock_skew_seconds == 300
    assert cfg.rules.max_test_age_hours == 0
    assert cfg.trust.root_keys == (ROOT / "config" / "keys" / "root.pub.pem",)
    assert cfg.rules.health == HealthRules()  # the example shows the health-certificate defaults


def test_health_certificate_settings_reach_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text("[health_certificates]\ntest_max_hours = 24\naccept_recovery = false\n")
    health = load_config(path).rules.health
    assert health.test_max_hours == 24 and not health.accept_recovery and health.vaccination_min_days == 14


def test_health_certificate_issuers_in_the_trust_section(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text("[trust]\nshc_issuers = 'shc'\ndid_documents = ['nz/did.json']\n")
    trust = load_config(path).trust
    assert trust.shc_issuers == tmp_path / "shc" and trust.did_documents == (tmp_path / "nz" / "did.json",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[station]\nlanguage = 'fr'\n", "[station.language] must be one of vi, en"),
        ("[station]\ndirection = 'up'\n", "[station.direction]"),
        ("[rules]\nmax_test_age_hours = 'x'\n", "[rules.max_test_age_hours] must be a whole number"),
        ("[rules]\nmax_test_age_hours = -1\n", "[rules.max_test_age_hours] must be between 0"),
        ("[rules]\ncategories = ['resident', 'tourist']\n", "[rules.categories] unknown value(s) tourist"),
        ("[rules]\nrefuse_symptoms = 1\n", "[rules.refuse_symptoms] must be true or false"),
        ("[rules]\nrefuse_symptom = true\n", "[rules.refuse_symptom] unknown key"),
        ("[sation]\nid = 'x'\n", "[sation] unknown section"),
        ("[trust]\nroot_keys = 'root.pem'\n", "[trust.root_keys] must be a list of strings"),
        ("station = 3\n", "[station] must be a table"),
        ("[station\n", "not valid TOML"),
        ("[health_certificates]\ntest_max_hours = -1\n", "[health_certificates.test_max_hours] must be at least 0"),
        ("[health_certificates]\ntest_hours = 1\n", "[health_certificates.test_hours] unknown key"),
        ("[health_certificates]\ntest_types = 'PCR'\n", "[health_certificates.test_types] must be a list"),
        ("health_certificates = 3\n", "[health_certificates] must be a table"),
        ("[trust]\nshc_issuers = 3\n", "[trust.shc_issuers] must be a path"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_and_binary_config_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bin.toml"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_no_config_means_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    cfg = load_config(None)
    assert cfg.station.language == "vi"
    assert "transit" in cfg.rules.categories


def test_health_certificate_files_are_read_from_the_config_folder(tmp_path: Path) -> None:
    """[health_certificates] goes through the same table reader as every section: a relative path is taken
    from the config file's folder, and an empty one is refused (not taken as unset)."""
    (tmp_path / "rules.json").write_text('[{"Identifier": "X", "CertificateType": "Pets", "Logic": true}]')
    path = tmp_path / "station.toml"
    path.write_text("[health_certificates]\neu_rules = 'rules.json'\n")
    with pytest.raises(ConfigError, match="CertificateType") as err:  # found and read, then judged
        load_config(path)
    assert err.value.key == "health_certificates.eu_rules"
    path.write_text("[health_certificates]\nvalue_sets = ''\n")
    with pytest.raises(ConfigError, match="must be the path of a JSON file"):
        load_config(path)
