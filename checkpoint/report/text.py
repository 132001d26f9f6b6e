"""The report as plain text for a terminal (and for pasting into a message)."""

from __future__ import annotations

from checkpoint.report.aggregate import Summary
from checkpoint.report.labels import LABELS, direction_name, reason_name

BAR = 30


def _bar(n: int, top: int) -> str:
    return "█" * (round(n / top * BAR) if top else 0)


def render_text(s: Summary, language: str = "vi") -> str:
    L = LABELS[language]
    out = [f"{L['title']} — {L['station']} {s.station_id}",
           f"{L['period']}: {s.period or L['all']} ({s.tz_name})   {L['generated']}: "
           f"{s.generated_at.strftime('%Y-%m-%d %H:%M')}", ""]

    def pct(n: int) -> str:
        return f" ({n / s.total:.0%})" if s.total else ""

    out += [f"  {L['total']:<32} {s.total:>8,}",
            f"  {L['accepted']:<32} {s.accepted:>8,}{pct(s.accepted)}",
            f"  {L['rejected']:<32} {s.rejected:>8,}{pct(s.rejected)}",
            f"  {L['checks']:<32} {s.checks:>8,}",
            f"  {L['duplicates']:<32} {s.duplicates:>8,}",
            f"  {L['manual']:<32} {s.manual:>8,}",
            f"  {L['clock_suspect']:<32} {s.clock_suspect:>8,}"]
    if s.by_direction:
        out.append("  " + ", ".join(f"{direction_name(d, language)}: {n:,}" for d, n in s.by_direction.items()))
    if s.total == 0:
        out += ["", L["none"]]
    if s.by_reason:
        out += ["", L["reasons"]]
        top = s.by_reason[0][1]
        out += [f"  {reason_name(r, language):<32} {n:>7,} {_bar(n, top)}" for r, n in s.by_reason]
    if s.total:
        series, key, fmt = (s.by_hour, "per_hour", "%Y-%m-%d %H:00") if len(s.by_hour) <= 48 else \
            (s.by_day, "per_day", "%Y-%m-%d")
        out += ["", f"{L[key]} ({L['accepted']} / {L['rejected']})"]
        top = max((h.accepted + h.rejected for h in series), default=0)
        for h in series:
            label = h.start.strftime("%H:00") if key == "per_hour" and len(s.by_day) == 1 else h.start.strftime(fmt)
            out.append(f"  {label:<16} {h.accepted:>6,} {h.rejected:>6,} {_bar(h.accepted + h.rejected, top)}")
    if s.by_officer:
        out += ["", L["officers"],
                f"  {L['officer']:<16} {L['accepted']:>9} {L['rejected']:>9} {'CHECK':>7} {L['manual_short']:>8} "
                f"{L['dup_short']:>8}"]
        out += [f"  {(o.officer or L['no_officer']):<16} {o.accepted:>9,} {o.rejected:>9,} {o.checks:>7,} "
                f"{o.manual:>8,} {o.duplicates:>8,}" for o in s.by_officer]
    if s.sync is not None:
        out += ["", L["sync"],
                f"  {L['synced']}: {s.sync.synced_upto:,} / {s.sync.last_seq:,}   {L['unsynced']}: "
                f"{s.sync.unsynced:,}   {L['last_sync']}: {s.sync.last_sync or L['sync_unknown']}"]
    return "\n".join(out) + "\n"
