"""Exports and reports of this station's own log, wired from the station config: the one place the CLI
and the supervisor screen both call, so they cannot drift apart.

    result = export_station_log(config, clock, out=Path("ngay.xlsx"), fmt=Format.XLSX,
                                period=period_from(day="2021-07-24", start=None, end=None, tz=tz),
                                criteria=Criteria(verdicts=("reject",)), exported_by="GS-07",
                                progress=on_progress)
    summary = report_station_log(config, clock, period)

Both read the log in one snapshot and block: the supervisor screen runs them in a worker thread
(``progress`` is called from that thread; raising :class:`ExportCancelled` in it stops the export and
leaves no file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.clock import Clock
from checkpoint.config import StationConfig
from checkpoint.export import (
    CrossingFilter,
    ExportRequest,
    ExportResult,
    ExportRow,
    Format,
    LogRows,
    Period,
    ProgressCallback,
    export,
    export_settings,
    tz_label,
)
from checkpoint.lookup_keys import normalise_plate
from checkpoint.report.aggregate import Summary, SyncStanding, summarize


@dataclass(frozen=True)
class Criteria:
    """What a supervisor picks besides the period (values within a field are alternatives)."""

    directions: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    officers: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()  # turned into the log's keyed hashes at once; never stored
    plates: tuple[str, ...] = ()  # vehicle plates as typed; compared normalised in the opened rows, never stored


def station_filter(config: StationConfig, period: Period, criteria: Criteria,
                   data_dir: Path | None = None, supervisor_key: X25519PrivateKey | None = None) -> CrossingFilter:
    hashes: frozenset[str] = frozenset()
    if criteria.id_numbers:
        from checkpoint.log import log_settings, lookup_hashes
        from checkpoint.station_keys import load_or_create_lookup_key

        key = load_or_create_lookup_key(data_dir or config.data_dir)
        hashes = lookup_hashes(log_settings(config, data_dir).path, key, criteria.id_numbers, supervisor_key)
    return CrossingFilter(
        since=period.since, until=period.until, directions=frozenset(criteria.directions),
        verdicts=frozenset(criteria.verdicts), reasons=frozenset(criteria.reasons),
        categories=frozenset(criteria.categories), officers=frozenset(criteria.officers), id_number_hashes=hashes,
        plates=frozenset(normalise_plate(p) for p in criteria.plates if normalise_plate(p)),
    )


def export_station_log(config: StationConfig, clock: Clock, *, out: Path, fmt: Format, period: Period,
                       criteria: Criteria = Criteria(), data_dir: Path | None = None,
                       supervisor_key: X25519PrivateKey | None = None, masked: bool = False,
                       exported_by: str = "unknown", language: str | None = None, overwrite: bool = False,
                       progress: ProgressCallback | None = None) -> ExportResult:
    from checkpoint.log import log_settings, open_station_log
    from checkpoint.station_keys import load_or_create_station_key

    settings = export_settings(config)
    request = ExportRequest(out, fmt, settings.tz, tz_label(settings.tz, period.since or clock.now()),
                            station_filter(config, period, criteria, data_dir, supervisor_key),
                            language or settings.language, masked,
                            overwrite)
    path = log_settings(config, data_dir).path
    # An export of personal data is recorded in the log (who, when, what filter): it opens for writing.
    audit_log = open_station_log(config, clock, data_dir) if supervisor_key is not None else None
    try:
        with LogRows(path, since=period.since, until=period.until) as rows:
            return export(
                rows, request, station_id=rows.station_id or config.station.id,
                station_key=load_or_create_station_key(data_dir or config.data_dir), clock=clock,
                supervisor_key=supervisor_key, exported_by=exported_by, total=rows.count(), progress=progress,
                chain_head=rows.head(),
                audit=None if audit_log is None else
                (lambda action, details: audit_log.record_action(action, exported_by[:64], details)),
            )
    finally:
        if audit_log is not None:
            audit_log.close()


def report_station_log(config: StationConfig, clock: Clock, period: Period, *, data_dir: Path | None = None,
                       last_sync: str | None = None,
                       progress: Callable[[int, int | None], None] | None = None) -> Summary:
    """The report's figures for a period (counts only, no personal data)."""
    from checkpoint.log import CrossingLog, log_settings

    path = log_settings(config, data_dir).path
    settings = export_settings(config)
    with CrossingLog.open_readonly(path, clock=clock) as log:
        synced_at = last_sync or _local(log.synced_at, settings.tz)
        sync = SyncStanding(log.last_seq, log.sync_cursor, synced_at)
    with LogRows(path, since=period.since, until=period.until) as rows:
        total = rows.count()

        def counted() -> Iterator[ExportRow]:
            for i, r in enumerate(rows, 1):
                if progress is not None and i % 5000 == 0:
                    progress(i, total)
                yield r

        return summarize(counted(), tz=settings.tz, station_id=rows.station_id or config.station.id,
                         generated_at=clock.now(), since=period.since, until=period.until, period=period.label,
                         sync=sync, station_name=config.station.name, occupancy=config.station.site != "road")


def _local(utc: str | None, tz: tzinfo) -> str | None:
    """An ISO-8601 UTC time from the log as the supervisor reads it: local ``YYYY-MM-DD HH:MM``."""
    return datetime.fromisoformat(utc).astimezone(tz).strftime("%Y-%m-%d %H:%M") if utc else None


def chain_check(config: StationConfig, clock: Clock, manifest: dict[str, object],
                data_dir: Path | None = None) -> str | None:
    """On the station that made an export: does its log still hold, at the manifest's ``covers_upto_seq``,
    the crossing hash the manifest cites? Returns a problem, or None when it matches or cannot apply
    (no log here, another station's export, an empty export)."""
    from checkpoint.log import CrossingLog, LogError, log_settings

    seq, digest = manifest.get("covers_upto_seq"), manifest.get("covers_upto_hash")
    path = log_settings(config, data_dir).path
    if not isinstance(seq, int) or not isinstance(digest, str) or not path.exists():
        return None
    try:
        with CrossingLog.open_readonly(path, clock=clock) as log:
            if log.station_id != manifest.get("station_id"):
                return None
            found = next(iter(log.crossings(after_seq=seq - 1, limit=1)), None)
    except LogError:
        return None
    if found is None or found.seq != seq:
        return f"this station's log has no crossing {seq}, which the export says it covers"
    if found.hash != digest:
        return (f"crossing {seq} in this station's log has another hash than the export cites: the log or the "
                "export is not the original")
    return None
