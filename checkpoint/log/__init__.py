"""The crossing log: durable, hash-chained, personal data sealed. Usage::

    from checkpoint.log import CrossingLog, CrossingContext, LogError, record_or_refuse

    log = CrossingLog.open(path, station_id="HN-01", seal_to=supervisor_pub, hmac_key=key, clock=clock)
    decision, crossing = record_or_refuse(log, decision, CrossingContext(officer, "1", "in", now, False))

Modules: ``schema`` (migrations), ``chain`` (canonical encoding and hashes), ``store`` (the log),
``personal`` (sealing and keyed hashes), ``verify`` (re-walking the chain), ``retention``,
``backup``, ``refuse`` (record or refuse), ``settings`` (the ``[log]`` config table).
"""

from checkpoint.log.errors import LogError
from checkpoint.log.personal import open_personal
from checkpoint.log.refuse import record_or_refuse
from checkpoint.log.store import CrossingContext, CrossingLog
from checkpoint.log.verify import ChainReport

__all__ = [
    "ChainReport",
    "CrossingContext",
    "CrossingLog",
    "LogError",
    "open_personal",
    "record_or_refuse",
]
