"""The crossing log: durable, hash-chained, personal data sealed. Usage::

    from checkpoint.log import CrossingLog, CrossingContext, LogError, record_or_refuse

    log = CrossingLog.open(path, station_id="HN-01", seal_to=supervisor_pub, hmac_key=key, clock=clock)
    decision, crossing = record_or_refuse(log, decision, CrossingContext(officer, "1", "in", now, False))

    log = open_station_log(config, clock)   # the station's own log, from the config and data folder

Private modules (``_name``, implementation details; import from the package): ``_schema`` (migrations),
``_chain`` (canonical encoding and hashes), ``_store`` (the log), ``_personal`` (sealing and keyed hashes),
``_verify`` (re-walking the chain), ``_retention``, ``_backup``, ``_refuse`` (record or refuse), ``_anchor``
(the signed head kept beside the log), ``_settings`` (the ``[log]`` config table). The export reads the log's
file with ``connect``, ``COLUMNS`` and ``stamp``; the service and the app take ``LogErrorCode`` from here.

The names below are the package's public API: import them from the package (``from checkpoint.log import X``).
Each is loaded on first use (PEP 562), so importing one costs no more than importing its module;
the modules behind them are free to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checkpoint.lazy import lazy_exports

if TYPE_CHECKING:
    from checkpoint.log._anchor import ANCHOR_FILE as ANCHOR_FILE
    from checkpoint.log._anchor import AnchorError as AnchorError
    from checkpoint.log._anchor import LogAnchor as LogAnchor
    from checkpoint.log._anchor import problem_with as problem_with
    from checkpoint.log._errors import LogError as LogError
    from checkpoint.log._errors import LogErrorCode as LogErrorCode
    from checkpoint.log._errors import from_sqlite as from_sqlite
    from checkpoint.log._idindex import lookup_hashes as lookup_hashes
    from checkpoint.log._personal import from_subject as from_subject
    from checkpoint.log._personal import id_number_hash as id_number_hash
    from checkpoint.log._personal import open_personal as open_personal
    from checkpoint.log._refuse import log_error_of as log_error_of
    from checkpoint.log._refuse import record_or_refuse as record_or_refuse
    from checkpoint.log._rows import COLUMNS as COLUMNS
    from checkpoint.log._settings import LogSettings as LogSettings
    from checkpoint.log._settings import log_settings as log_settings
    from checkpoint.log._settings import open_station_log as open_station_log
    from checkpoint.log._store import CrossingContext as CrossingContext
    from checkpoint.log._store import CrossingLog as CrossingLog
    from checkpoint.log._store import connect as connect
    from checkpoint.log._timefmt import stamp as stamp
    from checkpoint.log._verify import ChainReport as ChainReport

#: Where each name is defined (a module of this package).
_HOME = {
    "log_error_of": "_refuse",
    "from_subject": "_personal",
    "id_number_hash": "_personal",
    "lookup_hashes": "_idindex",
    "stamp": "_timefmt",
    "connect": "_store",
    "COLUMNS": "_rows",
    "from_sqlite": "_errors",
    "LogErrorCode": "_errors",
    "problem_with": "_anchor",
    "ANCHOR_FILE": "_anchor",
    "AnchorError": "_anchor",
    "LogAnchor": "_anchor",
    "LogError": "_errors",
    "open_personal": "_personal",
    "record_or_refuse": "_refuse",
    "LogSettings": "_settings",
    "log_settings": "_settings",
    "open_station_log": "_settings",
    "CrossingContext": "_store",
    "CrossingLog": "_store",
    "ChainReport": "_verify",
}

__all__ = [
    "ANCHOR_FILE",
    "COLUMNS",
    "AnchorError",
    "ChainReport",
    "CrossingContext",
    "CrossingLog",
    "LogAnchor",
    "LogError",
    "LogErrorCode",
    "LogSettings",
    "connect",
    "from_sqlite",
    "from_subject",
    "id_number_hash",
    "log_error_of",
    "log_settings",
    "lookup_hashes",
    "open_personal",
    "open_station_log",
    "problem_with",
    "record_or_refuse",
    "stamp",
]

if not TYPE_CHECKING:  # type checkers see the imports above; a module __getattr__ would hide typos from them
    __getattr__, __dir__ = lazy_exports(__name__, _HOME, globals(), __all__)
