"""Building the station's sync client and worker from its config and data folder (CLI and terminal app).

    worker = worker_for(config, data_dir, log, station, on_status=post)   # NotEnrolled if never enrolled
    worker.start()   # or run worker.run in the app's thread worker; worker.wake() after each crossing
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checkpoint.clock import Clock, SystemClock
from checkpoint.config import StationConfig
from checkpoint.errors import CheckpointError
from checkpoint.station import Station
from checkpoint.station_keys import load_or_create_station_key
from sync import protocol
from sync.backoff import Backoff
from sync.client import ClientSettings, SyncClient
from sync.errors import NotEnrolled
from sync.heartbeat import Signals
from sync.outbox import Outbox
from sync.settings import SyncSettings, load_enrolment, sync_settings
from sync.worker import SyncStatus, SyncWorker


def client_for(config: StationConfig, data_dir: Path, station_id: str, server_url: str,
               clock: Clock | None = None, settings: SyncSettings | None = None, *,
               server_key: Ed25519PublicKey | None = None, allow_insecure_http: bool = False) -> SyncClient:
    s = settings or sync_settings(config)
    try:
        cs = ClientSettings(server_url, timeout=s.timeout_seconds, ca_bundle=s.ca_bundle, proxy=s.proxy,
                            allow_insecure_http=allow_insecure_http)
    except ValueError as e:
        raise CheckpointError(str(e)) from None
    return SyncClient(cs, station_id, load_or_create_station_key(data_dir), clock or SystemClock(), server_key)


def enrolled_client(config: StationConfig, data_dir: Path, server_url: str | None = None,
                    clock: Clock | None = None) -> tuple[SyncClient, SyncSettings]:
    """The client for the station's enrolment; the URL from the argument, ``[sync] server_url`` or the enrolment."""
    settings = sync_settings(config)
    enrolment = load_enrolment(data_dir)
    if enrolment.station_id != config.station.id:
        raise CheckpointError(f"this data folder was enrolled as station {enrolment.station_id}, but [station] id "
                              f"is {config.station.id}; enrol again or fix the config")
    url = server_url or settings.server_url or enrolment.server_url
    try:
        key = protocol.public_key_from_text(enrolment.server_key)
    except protocol.ProtocolError:
        raise NotEnrolled("the pinned server key in the enrolment record is damaged; enrol again") from None
    client = client_for(config, data_dir, enrolment.station_id, url, clock, settings, server_key=key,
                        allow_insecure_http=enrolment.allow_insecure_http)
    return client, settings


def worker_for(config: StationConfig, data_dir: Path, outbox: Outbox, station: Station | None,
               on_status: Callable[[SyncStatus], None], clock: Clock | None = None,
               signals: Signals | None = None) -> SyncWorker:
    client, s = enrolled_client(config, data_dir, clock=clock)
    return SyncWorker(client, outbox, station, batch_size=s.batch_size, interval=float(s.interval_seconds),
                      backoff=Backoff(cap=float(s.max_backoff_seconds)), clock=clock or SystemClock(),
                      on_status=on_status, signals=signals)
