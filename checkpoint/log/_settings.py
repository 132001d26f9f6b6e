"""The ``[log]`` table of the station config, and opening the station's log from it.

    [log]
    path = "crossings.sqlite"          # default <data_dir>/crossings.sqlite; relative to the config file
    seal_to = "supervisor.pub.pem"     # the supervisor's X25519 public key (from 'checkpoint supervisor-key')
    duplicate_window_minutes = 30      # the same pass again within this time is flagged
    retention_days = 30                # personal fields of synced crossings older than this are erased
    busy_timeout_ms = 2000             # how long to wait for a busy log before refusing to record
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from checkpoint.capped import SEAL_KEY_FILE, read_capped
from checkpoint.clock import Clock
from checkpoint.config import StationConfig, Table
from checkpoint.errors import KeyLoadError
from checkpoint.log._store import CrossingLog

LOG_FILE = "crossings.sqlite"
KEYS = {"path", "seal_to", "duplicate_window_minutes", "retention_days", "busy_timeout_ms"}
MAX_KEY_FILE = SEAL_KEY_FILE


@dataclass(frozen=True)
class LogSettings:
    path: Path
    seal_to: Path | None = None
    duplicate_window: timedelta = timedelta(minutes=30)
    retention: timedelta = timedelta(days=30)
    busy_timeout: float = 2.0


def log_settings(config: StationConfig, data_dir: Path | None = None) -> LogSettings:
    """The ``[log]`` table; ``data_dir`` (e.g. ``--data-dir``) overrides the config's data folder."""
    t: Table = config.section("log")
    t.check_keys(KEYS)
    folder = data_dir or config.data_dir
    return LogSettings(
        path=(t.path_value("path") if data_dir is None else None) or folder / LOG_FILE,
        seal_to=t.path_value("seal_to"),
        duplicate_window=timedelta(minutes=t.number("duplicate_window_minutes", 30, maximum=7 * 24 * 60)),
        retention=timedelta(days=t.number("retention_days", 30, minimum=1, maximum=3660)),
        busy_timeout=t.number("busy_timeout_ms", 2000, minimum=10, maximum=60_000) / 1000,
    )


def load_seal_key(path: Path) -> X25519PublicKey:
    from checkpoint.sealing import load_public

    data = read_capped(path, MAX_KEY_FILE, "supervisor's public key",
                       error=lambda m: KeyLoadError(f"{path}: {m} ([log] seal_to)"))
    return load_public(data, str(path))


def open_station_log(config: StationConfig, clock: Clock, data_dir: Path | None = None, *,
                     check_chain: bool = False) -> CrossingLog:
    """The station's log for writing: its path, sealing key and hash key from the config and data folder.

    Without ``[log] seal_to`` the station keeps no personal fields at all (only keyed hashes). The log is
    checked against its anchor (``<data dir>/log-anchor.json``, signed with the station key);
    ``check_chain`` (the running station) re-walks the whole chain in the background.
    """
    from checkpoint.log._anchor import LogAnchor
    from checkpoint.station_keys import (
        legacy_hmac_key,
        load_or_create_lookup_key,
        load_or_create_station_key,
        retire_legacy_hmac_key,
    )

    s = log_settings(config, data_dir)
    folder = data_dir or config.data_dir
    seal_to = load_seal_key(s.seal_to) if s.seal_to is not None else None
    legacy = legacy_hmac_key(folder)
    log = CrossingLog.open(s.path, station_id=config.station.id, seal_to=seal_to,
                           hmac_key=load_or_create_lookup_key(folder), clock=clock,
                           duplicate_window=s.duplicate_window, retention=s.retention, busy_timeout=s.busy_timeout,
                           legacy_hmac_key=legacy,
                           anchor=LogAnchor.in_folder(folder, load_or_create_station_key(folder), config.station.id),
                           check_chain=check_chain)
    if legacy is not None:  # sealed to the supervisor in the log's meta by now (or no seal_to: given up)
        try:
            retire_legacy_hmac_key(folder)
        except BaseException:
            log.close()
            raise
    return log
