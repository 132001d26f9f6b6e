"""The station config (TOML): typed sections, and errors that name the file and the key.

Each section is read by a small ``from_table`` function next to the code that uses it; this module
holds the reader they share and the sections of the core. The example with every key and its
default is ``config/station.example.toml``.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from checkpoint import eu_rules, hc_rules
from checkpoint.capped import CONFIG_FILE, EU_RULES_FILE, read_capped
from checkpoint.errors import ConfigError
from checkpoint.model import CATEGORIES
from checkpoint.rules import Rules

T = TypeVar("T")
MAX_CONFIG_BYTES = CONFIG_FILE
CONFIG_ENV = "CHECKPOINT_CONFIG"
DATA_DIR_ENV = "CHECKPOINT_DATA_DIR"
APP_NAME = "checkpoint-station"
LANGUAGES = ("vi", "en")

#: Top-level tables the station knows; any other is a typo, and an error.
KNOWN_SECTIONS = {"station", "trust", "rules", "health_certificates", "scanner", "log", "sync", "ui", "officers",
                  "export"}


class Table:
    """One TOML table with typed getters; every error names the file and ``section.key``."""

    def __init__(self, data: Mapping[str, Any], name: str, path: str | None, base: Path | None) -> None:
        self.data, self.name, self.path, self.base = data, name, path, base

    def _err(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=f"{self.name}.{key}")

    def check_keys(self, known: set[str]) -> None:
        for key in self.data:
            if key not in known:
                raise self._err(key, f"unknown key (known: {', '.join(sorted(known))})")

    def get(self, key: str, typ: type[T], default: T) -> T:
        value = self.data.get(key, default)
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise self._err(key, f"must be {_type_name(typ)}, not {value!r}")
        return value

    def number(self, key: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.get(key, int, default)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise self._err(key, f"must be {bound}, not {value}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(key, str, default)
        if value not in choices:
            raise self._err(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def strings(self, key: str, default: tuple[str, ...], *, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._err(key, f"must be a list of strings, not {value!r}")
        if allowed is not None:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise self._err(key, f"unknown value(s) {', '.join(bad)} (known: {', '.join(allowed)})")
        return tuple(value)

    def path_value(self, key: str, default: Path | None = None) -> Path | None:
        """A path; relative paths are taken from the config file's folder. Empty string: unset."""
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            raise self._err(key, f"must be a path string, not {value!r}")
        p = Path(value).expanduser()
        return p if p.is_absolute() or self.base is None else self.base / p

    def paths(self, key: str) -> tuple[Path, ...]:
        out = []
        for i, _ in enumerate(self.strings(key, ())):
            sub = Table({"_": self.data[key][i]}, self.name, self.path, self.base)
            p = sub.path_value("_")
            if p is not None:
                out.append(p)
        return tuple(out)

    def table(self, key: str) -> Table:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            raise self._err(key, "must be a table")
        return Table(value, f"{self.name}.{key}", self.path, self.base)


def _type_name(typ: type) -> str:
    return {int: "a whole number", str: "a string", bool: "true or false", float: "a number"}.get(typ, typ.__name__)


@dataclass(frozen=True)
class StationSection:
    id: str = "STATION-01"
    name: str = "Checkpoint"
    language: str = "vi"
    data_dir: Path | None = None  # None: the platform default (platformdirs)
    lane: str = "1"
    direction: str = "in"
    site: str = "road"  # road checkpoint, or a hospital / office gate (whose scan screen shows occupancy)


#: What ``[station] site`` may say: a gate counts who is inside (checkpoint.occupancy), a road checkpoint not.
SITES = ("road", "hospital", "office")


@dataclass(frozen=True)
class TrustSection:
    root_keys: tuple[Path, ...] = ()  # pinned root public keys that sign trust and revocation lists
    key_folder: Path | None = None  # optional folder of issuer keys/certificates (pilots, tests)
    trust_list: Path | None = None  # a signed trust list to install at start (else the data dir's copy)
    revocation_list: Path | None = None
    stale_after_hours: int = 72  # warn when the installed lists are older than this
    shc_issuers: Path | None = None  # SMART Health Card issuers: a folder with issuers.json (trust/_jwks.py)
    did_documents: tuple[Path, ...] = ()  # NZ COVID Pass issuers' DID documents (trust/_did.py)


@dataclass(frozen=True)
class StationConfig:
    station: StationSection = field(default_factory=StationSection)
    trust: TrustSection = field(default_factory=TrustSection)
    rules: Rules = field(default_factory=Rules)
    raw: Mapping[str, Any] = field(default_factory=dict)  # every table, for sections read elsewhere
    path: str | None = None

    def section(self, name: str) -> Table:
        """A table by name, for the modules that read their own sections."""
        base = Path(self.path).parent if self.path else None
        value = self.raw.get(name, {})
        if not isinstance(value, Mapping):
            raise ConfigError("must be a table", path=self.path, key=name)
        return Table(value, name, self.path, base)

    @property
    def data_dir(self) -> Path:
        if self.station.data_dir is not None:
            return self.station.data_dir
        env = os.environ.get(DATA_DIR_ENV)
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def parse_config(data: Mapping[str, Any], path: str | None = None) -> StationConfig:
    for key in data:
        if key not in KNOWN_SECTIONS:
            raise ConfigError(f"unknown section (known: {', '.join(sorted(KNOWN_SECTIONS))})", path=path, key=key)
    cfg = StationConfig(raw=data, path=path)
    st = cfg.section("station")
    st.check_keys({"id", "name", "language", "data_dir", "lane", "direction", "site"})
    station = StationSection(
        id=st.get("id", str, "STATION-01"),
        name=st.get("name", str, "Checkpoint"),
        language=st.choice("language", LANGUAGES, "vi"),
        data_dir=st.path_value("data_dir"),
        lane=st.get("lane", str, "1"),
        direction=st.choice("direction", ("in", "out"), "in"),
        site=st.choice("site", SITES, "road"),
    )
    tr = cfg.section("trust")
    tr.check_keys({"root_keys", "key_folder", "trust_list", "revocation_list", "stale_after_hours", "shc_issuers",
                   "did_documents"})
    trust = TrustSection(
        root_keys=tr.paths("root_keys"),
        key_folder=tr.path_value("key_folder"),
        trust_list=tr.path_value("trust_list"),
        revocation_list=tr.path_value("revocation_list"),
        stale_after_hours=tr.number("stale_after_hours", 72, minimum=1),
        shc_issuers=tr.path_value("shc_issuers"),
        did_documents=tr.paths("did_documents"),
    )
    health = health_rules_from(cfg.section(hc_rules.TABLE))
    rules = replace(rules_from(cfg.section("rules")), health=health)
    if rules.freight_driver is not None:  # the freight drivers' rules judge health certificates as [rules] does
        rules = replace(rules, freight_driver=replace(rules.freight_driver, health=health))
    return StationConfig(station=station, trust=trust, rules=rules, raw=data, path=path)


def health_rules_from(t: Table) -> hc_rules.HealthRules:
    """The ``[health_certificates]`` table: each setting typed as its field in :class:`HealthRules` (a ``max``
    of 0 means no limit, so whole numbers are 0 or more); ``eu_rules`` and ``value_sets`` name JSON files."""
    kinds = {f.name: f.type for f in fields(hc_rules.HealthRules)}
    t.check_keys(set(kinds))
    d = hc_rules.HealthRules()
    values: dict[str, Any] = {}
    for key, kind in kinds.items():
        if key not in t.data:
            continue
        if key in ("eu_rules", "value_sets"):
            raw, where = t.data[key], f"{t.name}.{key}"
            if not isinstance(raw, str) or not raw:
                raise ConfigError("must be the path of a JSON file", path=t.path, key=where)
            parse = eu_rules.rules_from if key == "eu_rules" else eu_rules.value_sets_from
            path, config = t.path_value(key) or Path(raw), t.path or "station config"
            values[key] = parse(_read_json(path, where, config), path, key=where, config=config)
        elif kind == "bool":
            values[key] = t.get(key, bool, getattr(d, key))
        elif kind == "int":
            values[key] = t.number(key, getattr(d, key))
        elif kind == "str":
            values[key] = t.get(key, str, getattr(d, key))
            if not values[key]:
                raise ConfigError("must be a non-empty text", path=t.path, key=f"{t.name}.{key}")
        else:  # frozenset[str]
            texts = t.strings(key, ())
            if not all(texts):
                raise ConfigError("must be a list of non-empty texts", path=t.path, key=f"{t.name}.{key}")
            values[key] = frozenset(texts)
    return hc_rules.HealthRules(**values)


#: What ``[rules.freight_driver]`` may set: the freight drivers' own rule set (the rest is as ``[rules]``).
FREIGHT_DRIVER_KEYS = {"categories", "max_test_age_hours", "test_exempt_categories", "refuse_symptoms",
                       "refuse_positive_test"}


def rules_from(t: Table, d: Rules | None = None) -> Rules:
    """``[rules]``; with ``d`` (the station's rules), its ``freight_driver`` table read over them."""
    nested = d is not None
    d = d or Rules()
    t.check_keys(FREIGHT_DRIVER_KEYS if nested else
                 {"categories", "max_test_age_hours", "test_exempt_categories", "refuse_symptoms",
                  "refuse_positive_test", "clock_skew_seconds", "max_validity_days", "freight_driver"})
    freight = None
    if not nested and "freight_driver" in t.data:
        freight = rules_from(t.table("freight_driver"), replace(rules_from_plain(t), freight_driver=None))
    return replace(rules_from_plain(t, d), freight_driver=freight)


def rules_from_plain(t: Table, d: Rules | None = None) -> Rules:
    d = d or Rules()
    return Rules(
        categories=frozenset(t.strings("categories", tuple(sorted(d.categories)), allowed=CATEGORIES)),
        max_test_age_hours=t.number("max_test_age_hours", d.max_test_age_hours, maximum=24 * 30),
        test_exempt_categories=frozenset(
            t.strings("test_exempt_categories", tuple(sorted(d.test_exempt_categories)), allowed=CATEGORIES)
        ),
        refuse_symptoms=t.get("refuse_symptoms", bool, d.refuse_symptoms),
        refuse_positive_test=t.get("refuse_positive_test", bool, d.refuse_positive_test),
        clock_skew_seconds=t.number("clock_skew_seconds", d.clock_skew_seconds, maximum=24 * 3600),
        max_validity_days=t.number("max_validity_days", d.max_validity_days, minimum=1, maximum=366),
        health=d.health,
    )


def load_config(path: Path | None = None) -> StationConfig:
    """Load the station config: ``path``, else ``$CHECKPOINT_CONFIG``, else built-in defaults."""
    if path is None:
        env = os.environ.get(CONFIG_ENV)
        if not env:
            return StationConfig()
        path = Path(env)
    data = read_capped(path, MAX_CONFIG_BYTES, "config", error=lambda m: ConfigError(m, path=str(path)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("the config file is not UTF-8 text", path=str(path)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path=str(path)) from None
    return parse_config(doc, str(path))


def _read_json(path: Path, key: str, config: str) -> Any:
    """A JSON file the config names (EU rules, value sets), through the one capped reader."""
    data = read_capped(path, EU_RULES_FILE, "JSON",
                       error=lambda m: ConfigError(f"cannot read {path}: {m}", path=config, key=key))
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"{path} is not valid JSON ({e})", path=config, key=key) from None
