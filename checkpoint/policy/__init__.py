"""The centre's policy (issue 15): a signed bundle of origin risk levels, rules per level and category, the
minimum station software version and notices; applied offline by a pure function. Format and guarantees:
docs/policy.md. Pure: no files, no clock (the station's files layer, ``checkpoint.policy_station``, loads it).
"""

from checkpoint.policy._apply import apply_policy, apply_policy_declared, origin_level, policy_fields
from checkpoint.policy._bundle import (
    ACTIONS,
    BELOW_MIN,
    DOC_TYPE,
    MAX_LEVEL,
    SEVERITIES,
    UNKNOWN,
    Notice,
    PolicyBundle,
    PolicyRule,
    build_policy_bundle,
    load_policy_bundle,
    make_rule,
    version_below,
)
from checkpoint.policy._units import Resolved, Unit, UnitTable, check_unit, normalise

__all__ = [
    "ACTIONS", "BELOW_MIN", "DOC_TYPE", "MAX_LEVEL", "SEVERITIES", "UNKNOWN", "Notice", "PolicyBundle",
    "PolicyRule", "Resolved", "Unit", "UnitTable", "apply_policy",
    "apply_policy_declared", "build_policy_bundle", "check_unit",
    "load_policy_bundle", "make_rule", "normalise", "origin_level", "policy_fields", "version_below",
]
