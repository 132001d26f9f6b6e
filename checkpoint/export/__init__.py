"""Supervisors' exports: CSV, XLSX and JSON Lines of the crossing log, with a signed manifest.

Public API (the CLI and the supervisor screen call these; docs/export.md)::

    from checkpoint.export import Criteria, export_station_log   # wired from the config
    result = export_station_log(config, clock, out=path, fmt=Format.XLSX, period=period, progress=cb)

    from checkpoint.export import ExportRequest, CrossingFilter, Format, export, verify
    result = export(rows, ExportRequest(...), station_id=..., station_key=..., clock=...)   # any rows
    report = verify(path, pin=Pin.of_key(station_public_key, "where it came from"))
    # VerifyReport(status VERIFIED / UNVERIFIED / FAILED, problems, warnings, manifest, signer_fingerprint);
    # without a pin an intact export is UNVERIFIED, never ok

Public modules: ``manifest`` and ``atomic_file``, which the central server (sync.server) imports on their own:
importing this package would put the whole export, and the log, in the server's import graph (contract
"server-apart"). The other modules (``_engine``, ``_writers``, ``_xlsx``, ``_source``, ...) are private.

The names below are the package's public API: import them from the package (``from checkpoint.export import X``).
Each is loaded on first use (PEP 562), so importing one costs no more than importing its module;
the modules behind them are free to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checkpoint.lazy import lazy_exports

if TYPE_CHECKING:
    from checkpoint.export._columns import PersonalMode as PersonalMode
    from checkpoint.export._engine import ExportCancelled as ExportCancelled
    from checkpoint.export._engine import ExportRequest as ExportRequest
    from checkpoint.export._engine import ExportResult as ExportResult
    from checkpoint.export._engine import ProgressCallback as ProgressCallback
    from checkpoint.export._engine import export as export
    from checkpoint.export._filters import CrossingFilter as CrossingFilter
    from checkpoint.export._filters import id_number_hash as id_number_hash
    from checkpoint.export._masking import mask_name as mask_name
    from checkpoint.export._settings import ExportSettings as ExportSettings
    from checkpoint.export._settings import Period as Period
    from checkpoint.export._settings import export_settings as export_settings
    from checkpoint.export._settings import period_from as period_from
    from checkpoint.export._settings import tz_label as tz_label
    from checkpoint.export._source import ExportRow as ExportRow
    from checkpoint.export._source import LogRows as LogRows
    from checkpoint.export._station_export import Criteria as Criteria
    from checkpoint.export._station_export import chain_check as chain_check
    from checkpoint.export._station_export import export_station_log as export_station_log
    from checkpoint.export._station_export import report_station_log as report_station_log
    from checkpoint.export._writers import Format as Format
    from checkpoint.export.atomic_file import ExportError as ExportError
    from checkpoint.export.atomic_file import atomic_output as atomic_output
    from checkpoint.export.manifest import Pin as Pin
    from checkpoint.export.manifest import Status as Status
    from checkpoint.export.manifest import VerifyReport as VerifyReport
    from checkpoint.export.manifest import load_manifest as load_manifest
    from checkpoint.export.manifest import manifest_path as manifest_path
    from checkpoint.export.manifest import verify as verify

#: Where each name is defined (a module of this package).
_HOME = {
    "mask_name": "_masking",
    "ExportError": "atomic_file",
    "atomic_output": "atomic_file",
    "PersonalMode": "_columns",
    "ExportCancelled": "_engine",
    "ExportRequest": "_engine",
    "ExportResult": "_engine",
    "ProgressCallback": "_engine",
    "export": "_engine",
    "CrossingFilter": "_filters",
    "id_number_hash": "_filters",
    "Pin": "manifest",
    "Status": "manifest",
    "VerifyReport": "manifest",
    "load_manifest": "manifest",
    "manifest_path": "manifest",
    "verify": "manifest",
    "ExportSettings": "_settings",
    "Period": "_settings",
    "export_settings": "_settings",
    "period_from": "_settings",
    "tz_label": "_settings",
    "ExportRow": "_source",
    "LogRows": "_source",
    "Criteria": "_station_export",
    "chain_check": "_station_export",
    "export_station_log": "_station_export",
    "report_station_log": "_station_export",
    "Format": "_writers",
}

__all__ = [
    "Criteria",
    "CrossingFilter",
    "ExportCancelled",
    "ExportError",
    "ExportRequest",
    "ExportResult",
    "ExportRow",
    "ExportSettings",
    "Format",
    "LogRows",
    "Period",
    "PersonalMode",
    "Pin",
    "ProgressCallback",
    "Status",
    "VerifyReport",
    "atomic_output",
    "chain_check",
    "export",
    "export_settings",
    "export_station_log",
    "id_number_hash",
    "load_manifest",
    "manifest_path",
    "mask_name",
    "period_from",
    "report_station_log",
    "tz_label",
    "verify",
]

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide typos from them
    __getattr__, __dir__ = lazy_exports(__name__, _HOME, globals(), __all__)
