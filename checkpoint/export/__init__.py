"""Supervisors' exports: CSV, XLSX and JSON Lines of the crossing log, with a signed manifest.

Public API (the CLI and the supervisor screen call these; docs/export.md)::

    from checkpoint.export.station_export import Criteria, export_station_log   # wired from the config
    result = export_station_log(config, clock, out=path, fmt=Format.XLSX, period=period, progress=cb)

    from checkpoint.export import ExportRequest, CrossingFilter, Format, export, verify
    result = export(rows, ExportRequest(...), station_id=..., station_key=..., clock=...)   # any rows
    report = verify(path, pin=Pin.of_key(station_public_key, "where it came from"))
    # VerifyReport(status VERIFIED / UNVERIFIED / FAILED, problems, warnings, manifest, signer_fingerprint);
    # without a pin an intact export is UNVERIFIED, never ok
"""

from checkpoint.export.atomic_file import ExportError
from checkpoint.export.columns import PersonalMode
from checkpoint.export.engine import ExportCancelled, ExportRequest, ExportResult, ProgressCallback, export
from checkpoint.export.filters import CrossingFilter, id_number_hash
from checkpoint.export.manifest import Pin, Status, VerifyReport, manifest_path, verify
from checkpoint.export.writers import Format

__all__ = [
    "CrossingFilter",
    "ExportCancelled",
    "ExportError",
    "ExportRequest",
    "ExportResult",
    "Format",
    "PersonalMode",
    "Pin",
    "ProgressCallback",
    "Status",
    "VerifyReport",
    "export",
    "id_number_hash",
    "manifest_path",
    "verify",
]
