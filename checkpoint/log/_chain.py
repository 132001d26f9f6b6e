"""The hash chain now lives in :mod:`checkpoint.crossing.chain` (beside the crossing's field table, so the
central server checks chains without importing the station log); this name stays for the log's callers."""

from checkpoint.crossing.chain import (
    ACTION_DOMAIN,
    ACTION_FIELDS,
    CROSSING_DOMAIN,
    CROSSING_FIELDS,
    FIXED_COUNT,
    GENESIS,
    PERSONAL_DOMAIN,
    Value,
    action_hash,
    crossing_hash,
    crossing_hash_of,
    details_list,
    encode,
    personal_digest,
)

__all__ = [
    "ACTION_DOMAIN", "ACTION_FIELDS", "CROSSING_DOMAIN", "CROSSING_FIELDS", "FIXED_COUNT", "GENESIS", "PERSONAL_DOMAIN",
    "Value",
    "action_hash", "crossing_hash", "crossing_hash_of", "details_list", "encode", "personal_digest",
]
