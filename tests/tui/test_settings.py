"""The [ui], [scanner] and [officers] tables: the example parses, and mistakes name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkpoint.config import load_config, parse_config
from checkpoint.errors import ConfigError
from checkpoint.officers import OfficerPolicy
from checkpoint.settings import ScannerSettings, UISettings, scanner_settings, ui_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "station.example.toml"


def test_the_example_config_parses_to_the_documented_values() -> None:
    config = load_config(EXAMPLE)
    assert ui_settings(config) == UISettings(lanes=("1", "2"))
    assert scanner_settings(config) == ScannerSettings()
    assert OfficerPolicy.from_config(config) == OfficerPolicy()


@pytest.mark.parametrize(("raw", "key"), [
    ({"ui": {"verdict_seconds": 0}}, "[ui.verdict_seconds]"),
    ({"ui": {"sound": "loud"}}, "[ui.sound]"),
    ({"ui": {"colour": "red"}}, "[ui.colour]"),
    ({"ui": {"lanes": [""]}}, "[ui.lanes]"),
    ({"scanner": {"decoders": ["zxing", "magic"]}}, "[scanner.decoders]"),
    ({"scanner": {"decoders": []}}, "[scanner.decoders]"),
    ({"scanner": {"source": 0}}, "[scanner.source]"),
])
def test_a_wrong_value_names_the_file_and_key(raw: dict[str, object], key: str) -> None:
    config = parse_config(raw, "/etc/checkpoint/station.toml")
    with pytest.raises(ConfigError) as e:
        ui_settings(config)
        scanner_settings(config)
    assert str(e.value).startswith(f"/etc/checkpoint/station.toml: {key}")


def test_officer_policy_bounds() -> None:
    with pytest.raises(ConfigError, match=r"\[officers.min_pin_length\]"):
        OfficerPolicy.from_config(parse_config({"officers": {"min_pin_length": 2}}))
