"""The report as plain text for a terminal (and for pasting into a message). Words: :mod:`checkpoint.words`."""

from __future__ import annotations

from checkpoint.report.aggregate import Summary
from checkpoint.report.vehicles import vehicle_lines
from checkpoint.words import Texts

BAR = 30


def _bar(n: int, top: int) -> str:
    return "█" * (round(n / top * BAR) if top else 0)


def station_line(s: Summary) -> str:
    """The station as a supervisor knows it: its name, then its id."""
    return f"{s.station_name} ({s.station_id})" if s.station_name else s.station_id


def level_words(t: Texts, level: str) -> str:
    """An origin risk level as the report names it (lane policy)."""
    if level.isdigit():
        return t("report.level", level=level)
    return t("report.level_unknown") if level else t("report.level_none")


def render_text(s: Summary, language: str = "vi") -> str:
    t = Texts(language)
    L = {k: t(f"report.{k}") for k in ("title", "station", "period", "generated", "total",
                                       "clock_suspect", "none", "reasons", "per_hour", "per_day", "officers",
                                       "officer", "manual_short", "dup_short", "no_officer", "sync", "synced",
                                       "unsynced", "last_sync", "never_synced", "all")}
    L.update(accepted=t.result("ACCEPT"), rejected=t.result("REJECT"), checks=t.result("CHECK"),
             duplicates=t("figure.duplicates"), manual=t("figure.manual"))
    out = [f"{L['title']} — {L['station']} {station_line(s)}",
           f"{L['period']}: {s.period or L['all']} ({s.tz_name})   {L['generated']}: "
           f"{s.generated_at.strftime('%Y-%m-%d %H:%M')}", ""]

    def pct(n: int) -> str:
        return f" ({n / s.total:.0%})" if s.total else ""

    out += [f"  {L['total']:<32} {s.total:>8,}",
            f"  {L['accepted']:<32} {s.accepted:>8,}{pct(s.accepted)}",
            f"  {L['checks']:<32} {s.checks:>8,}{pct(s.checks)}",
            f"  {L['rejected']:<32} {s.rejected:>8,}{pct(s.rejected)}",
            f"  {L['duplicates']:<32} {s.duplicates:>8,}",
            f"  {L['manual']:<32} {s.manual:>8,}",
            f"  {L['clock_suspect']:<32} {s.clock_suspect:>8,}"]
    if s.by_direction:
        out.append("  " + ", ".join(f"{t.direction(d)}: {n:,}" for d, n in s.by_direction.items()))
    if s.total == 0:
        out += ["", L["none"]]
    if s.by_reason:
        out += ["", L["reasons"]]
        top = s.by_reason[0][1]
        out += [f"  {t.reason(r, short=True):<32} {n:>7,} {_bar(n, top)}" for r, n in s.by_reason]
    if s.by_level:
        out += ["", t("report.by_level")]
        out += [f"  {level_words(t, lv):<32} {n:>7,}" for lv, n in s.by_level]
    if s.by_policy_rule:
        out += ["", t("report.by_policy_rule")]
        out += [f"  {r:<32} {n:>7,}" for r, n in s.by_policy_rule]
    if s.by_disposition:  # lane dispositions: what officers did after the verdicts (the latest per crossing)
        out += ["", t("report.dispositions")]
        top = s.by_disposition[0][1]
        out += [f"  {t(f'disposition.{d}'):<32} {n:>7,} {_bar(n, top)}" for d, n in s.by_disposition]
    if s.total:
        series, key, fmt = (s.by_hour, "per_hour", "%Y-%m-%d %H:00") if len(s.by_hour) <= 48 else \
            (s.by_day, "per_day", "%Y-%m-%d")
        out += ["", f"{L[key]} ({L['accepted']} / {L['checks']} / {L['rejected']})"]
        top = max((h.total for h in series), default=0)
        for h in series:
            label = h.start.strftime("%H:00") if key == "per_hour" and len(s.by_day) == 1 else h.start.strftime(fmt)
            out.append(f"  {label:<16} {h.accepted:>6,} {h.checks:>6,} {h.rejected:>6,} {_bar(h.total, top)}")
    out += vehicle_lines(s.vehicles, s.occupancy, language)
    if s.by_officer:
        out += ["", L["officers"],
                f"  {L['officer']:<16} {L['accepted']:>9} {L['checks']:>9} {L['rejected']:>9} {L['manual_short']:>8} "
                f"{L['dup_short']:>8}"]
        out += [f"  {(o.officer or L['no_officer']):<16} {o.accepted:>9,} {o.checks:>9,} {o.rejected:>9,} "
                f"{o.manual:>8,} {o.duplicates:>8,}" for o in s.by_officer]
    if s.sync is not None:
        out += ["", L["sync"],
                f"  {L['synced']}: {s.sync.synced_upto:,} / {s.sync.last_seq:,}   {L['unsynced']}: "
                f"{s.sync.unsynced:,}   {L['last_sync']}: {s.sync.last_sync or L['never_synced']}"]
    return "\n".join(out) + "\n"
