"""First-run set-up of a station, as files: what is missing, the config written, the supervisor's key installed.

The app's first-run flow (``checkpoint/tui/screens/first_run.py``) calls these from its workers; nothing
here knows of Textual. The config is rewritten whole: the old tables are kept, the changed ones replaced,
the result parsed again with the station's own loader (a value it would refuse is never written), then
written with :func:`checkpoint.atomic.write_atomic`, so a power cut leaves the old file or the new one,
never a half-written or invalid config.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from checkpoint.atomic import write_atomic
from checkpoint.config import StationConfig, load_config, parse_config
from checkpoint.errors import CheckpointError, ConfigError

CONFIG_FILE = "station.toml"  # in the data folder, when no --config or $CHECKPOINT_CONFIG names one
SEAL_KEY_FILE = "supervisor.pub.pem"
DONE_FILE = "first-run.json"
ENROLMENT_FILE = "sync.json"  # sync.settings.ENROLMENT_FILE (sync is a layer above: not imported here)
OFFICERS_FILE = "officers.json"
MAX_KEY_BYTES = 64 * 1024

#: the steps of the first run, in order
STEPS = ("station", "enrol", "camera", "seal", "officers")


@dataclass(frozen=True)
class Missing:
    """What a station lacks; ``first_run`` says whether the app opens the first-run flow."""

    config: bool
    officers: bool
    enrolment: bool
    done_before: bool  # the first run was finished once (steps skipped then are not asked again)

    @property
    def first_run(self) -> bool:
        return self.config or self.officers or (self.enrolment and not self.done_before)


def missing(config_path: Path, data_dir: Path) -> Missing:
    return Missing(config=not config_path.is_file(), officers=not _has_officers(data_dir / OFFICERS_FILE),
                   enrolment=not (data_dir / ENROLMENT_FILE).is_file(), done_before=(data_dir / DONE_FILE).is_file())


def _has_officers(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and bool(doc.get("officers"))


def read_raw(path: Path) -> dict[str, Any]:
    """The tables of the config at ``path`` (empty when it does not exist); a broken file is a ConfigError."""
    if not path.exists():
        return {}
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in load_config(path).raw.items()}


def write_config(path: Path, changes: Mapping[str, Mapping[str, Any]]) -> StationConfig:
    """Set the keys in ``changes`` (table -> key -> value; a value of None removes the key), check the whole
    config with the station's loader, and replace the file atomically. Returns the config as loaded."""
    raw = read_raw(path)
    before = {k: dict(v) if isinstance(v, Mapping) else v for k, v in raw.items()}
    for table, values in changes.items():
        current = dict(raw.get(table, {}))
        for key, value in values.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        raw[table] = current
    if raw == before and path.is_file():  # nothing changes: not rewritten (an installed config may be read-only)
        return load_config(path)
    text = render_toml(raw)
    config = parse_config(tomllib.loads(text), str(path))  # refuses what the station would refuse
    try:
        write_atomic(path, text.encode("utf-8"), mode=0o640)
    except OSError as e:
        raise ConfigError(f"cannot write the config ({e.strerror}); nothing was changed. On an installed station "
                          "the config belongs to root: edit it there, or skip this step", path=str(path)) from None
    return config


def render_toml(raw: Mapping[str, Any]) -> str:
    """The station config as TOML: top-level tables of strings, numbers, booleans and lists of them
    (one level of sub-tables, as ``[rules.health]``)."""
    lines = ["# station config, written by the first run of 'checkpoint run' (see config/station.example.toml)"]
    for name, table in raw.items():
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table", key=name)
        _table(lines, name, table)
    return "\n".join(lines) + "\n"


def _table(lines: list[str], name: str, table: Mapping[str, Any]) -> None:
    lines += ["", f"[{name}]"]
    subs = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            subs.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in subs:
        _table(lines, f"{name}.{_key(key)}", value)


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write a value of type {type(value).__name__} to the config")


def _string(text: str) -> str:
    """A TOML basic string: json's escaping (quotes, backslashes, controls as \\uXXXX) is valid TOML."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class SealKey:
    pem: bytes
    fingerprint: str  # the first 128 bits of SHA-256 over the raw X25519 key, in groups of four


def read_seal_key(text: str) -> SealKey:
    """The supervisor's public key from a pasted PEM or the path of a PEM file; refused with a readable
    message when it is neither (or is an Ed25519/private key)."""
    from checkpoint.fingerprint import fingerprint
    from checkpoint.sealing import load_public

    text = text.strip()
    if not text:
        raise CheckpointError("give the supervisor's public key: paste the PEM text or type the file's path",
                              code="seal_key_missing")
    if text.startswith("-----BEGIN"):
        data, source = text.encode("utf-8"), "the pasted key"
    else:
        path = Path(text).expanduser()
        try:
            if path.stat().st_size > MAX_KEY_BYTES:
                raise CheckpointError(f"{path}: larger than 64 KiB; not a public key file", code="key_file")
            data, source = path.read_bytes(), str(path)
        except OSError as e:
            raise CheckpointError(f"{path}: cannot read the key file ({e.strerror})") from None
    key = load_public(data, source)
    from cryptography.hazmat.primitives import serialization

    from checkpoint.sealing import public_pem

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SealKey(public_pem(key), fingerprint(raw))


def install_seal_key(config_path: Path, data_dir: Path, key: SealKey) -> StationConfig:
    """Write the key beside the data (``supervisor.pub.pem``) and point ``[log] seal_to`` at it."""
    path = data_dir / SEAL_KEY_FILE
    try:
        write_atomic(path, key.pem, mode=0o644)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot write the supervisor's key ({e.strerror})") from None
    return write_config(config_path, {"log": {"seal_to": str(path)}})


def mark_done(data_dir: Path, now: datetime, skipped: list[str]) -> None:
    """Remember that the first run was finished, and which steps were skipped then."""
    doc = {"finished_at": now.isoformat(), "skipped": skipped}
    write_atomic(data_dir / DONE_FILE, json.dumps(doc, indent=1).encode(), mode=0o600)
