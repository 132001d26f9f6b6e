"""Builders for policy bundles in tests: real keys, real signatures (docs/policy.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from checkpoint.policy import Notice, PolicyRule, Unit, UnitTable, build_policy_bundle
from checkpoint.trust import keys
from tests.factories import T0

#: A few units of the 2025 edition (codes and names as in the vietnam-provinces package) and two old codes.
UNITS = UnitTable.build("VN-2025-07", [
    Unit("01", "Thành phố Hà Nội", None),
    Unit("00070", "Phường Hoàn Kiếm", "01"),
    Unit("00004", "Phường Ba Đình", "01"),
    Unit("24", "Tỉnh Bắc Ninh", None),
    Unit("07210", "Phường Bắc Giang", "24"),
    Unit("12", "Tỉnh Lai Châu", None),
    Unit("03388", "Phường Tân Phong", "12"),
    Unit("79", "Thành phố Hồ Chí Minh", None),
    Unit("26740", "Phường Tân Phong", "79"),
], {"001": "00004", "27": "24"})  # old district Ba Đình -> Phường Ba Đình; old Bắc Ninh province -> Bắc Ninh


def rules(*extra: PolicyRule) -> list[PolicyRule]:
    base = [PolicyRule("1", "*", "admit"), PolicyRule("4", "*", "test", 72), PolicyRule("3", "*", "medical"),
            PolicyRule("unknown", "*", "admit")]
    keyed = {(r.level, r.category): r for r in (*base, *extra)}
    return list(keyed.values())


def bundle(root: keys.PrivateKey, *, version: int = 1, issued: datetime = T0, valid_for: timedelta = timedelta(days=7),
           levels: dict[str, int] | None = None, rule_list: list[PolicyRule] | None = None,
           min_version: str | None = None, below_min: str = "warn", notices: tuple[Notice, ...] = ()) -> bytes:
    return build_policy_bundle(
        version=version, issued=issued, expires=issued + valid_for, units=UNITS,
        levels=levels if levels is not None else {"01": 1, "00070": 4, "24": 3},
        rules=rule_list if rule_list is not None else rules(), root=root, min_station_version=min_version,
        below_min=below_min, notices=notices)
