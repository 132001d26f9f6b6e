"""The ``[sync]`` table of the station config, and the enrolment record in the data folder.

The enrolment record (``sync.json``) holds the server URL, the station id, the server's public key
pinned at enrolment (every reply must be signed by it) and whether plain http to a non-local server was
allowed for a lab (``--allow-insecure-http``). A record without a pinned key (made before replies were
signed) is refused: the station must enrol again with a new token (same station key, same log).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.config import StationConfig
from checkpoint.errors import ConfigError
from sync.errors import NotEnrolled
from sync.protocol import MAX_BATCH_CROSSINGS

ENROLMENT_FILE = "sync.json"
KEYS = {"server_url", "batch_size", "ca_bundle", "proxy", "timeout_seconds", "interval_seconds",
        "max_backoff_seconds"}


@dataclass(frozen=True)
class SyncSettings:
    server_url: str | None = None  # None: the URL recorded at enrolment
    batch_size: int = 500
    ca_bundle: Path | None = None
    proxy: str | None = None
    timeout_seconds: int = 30
    interval_seconds: int = 60
    max_backoff_seconds: int = 300


def sync_settings(config: StationConfig) -> SyncSettings:
    t = config.section("sync")
    t.check_keys(KEYS)
    d = SyncSettings()
    url = t.get("server_url", str, "") or None
    if url is not None and not url.startswith(("http://", "https://")):
        raise ConfigError("must start with https:// (or http:// for a server on this machine)", path=config.path,
                          key="sync.server_url")
    ca = t.path_value("ca_bundle")
    if ca is not None and not ca.is_file():
        raise ConfigError(f"the CA bundle {ca} does not exist", path=config.path, key="sync.ca_bundle")
    return SyncSettings(
        server_url=url,
        batch_size=t.number("batch_size", d.batch_size, minimum=1, maximum=MAX_BATCH_CROSSINGS),
        ca_bundle=ca,
        proxy=t.get("proxy", str, "") or None,
        timeout_seconds=t.number("timeout_seconds", d.timeout_seconds, minimum=1, maximum=600),
        interval_seconds=t.number("interval_seconds", d.interval_seconds, minimum=1, maximum=24 * 3600),
        max_backoff_seconds=t.number("max_backoff_seconds", d.max_backoff_seconds, minimum=1, maximum=24 * 3600),
    )


@dataclass(frozen=True)
class Enrolment:
    server_url: str
    station_id: str
    enrolled_at: str
    server_key: str  # base64 raw Ed25519: the key that signs the server's replies
    allow_insecure_http: bool = False


def save_enrolment(data_dir: Path, e: Enrolment) -> None:
    doc = {"server_url": e.server_url, "station_id": e.station_id, "enrolled_at": e.enrolled_at,
           "server_key": e.server_key, "allow_insecure_http": e.allow_insecure_http}
    write_atomic(data_dir / ENROLMENT_FILE, json.dumps(doc, indent=2).encode(), mode=0o600)


def load_enrolment(data_dir: Path) -> Enrolment:
    path = data_dir / ENROLMENT_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not doc.get("server_key"):
            raise NotEnrolled(f"{path}: this station was enrolled before server replies were signed, so no server "
                              "key is pinned and sync is stopped. Ask the server's operator for a new token and run "
                              "'checkpoint enroll --server URL --token TOKEN' again (the log and the station key "
                              "stay; nothing is sent twice)")
        return Enrolment(str(doc["server_url"]), str(doc["station_id"]), str(doc["enrolled_at"]),
                         str(doc["server_key"]), doc.get("allow_insecure_http") is True)
    except FileNotFoundError:
        raise NotEnrolled(f"this station is not enrolled with a server ({path} is absent): "
                          "run 'checkpoint enroll --server URL --token TOKEN'") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise NotEnrolled(f"{path}: the enrolment record is unreadable ({e}); enrol again") from None
