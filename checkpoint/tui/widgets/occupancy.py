"""Today's occupancy at a hospital or office gate: admitted in, admitted out, and in minus out.

Counted from the crossing log for the local day when the app starts and when the day changes
(:func:`count_day`, in a worker), then kept up to date from each recorded crossing. Only admitted crossings
count (verdict accept: shown ACCEPT or CHECK), see :mod:`checkpoint.occupancy`. Hidden at a road checkpoint
(``[station] site = "road"``).
"""

from __future__ import annotations

from datetime import date, tzinfo

from textual.widgets import Static

from checkpoint.crossing import Crossing
from checkpoint.log import CrossingLog
from checkpoint.occupancy import DayOccupancy, day_bounds, local_day
from checkpoint.tui.i18n import Texts


def count_day(log: CrossingLog, day: date, tz: tzinfo) -> DayOccupancy:
    """A local day's occupancy from the log (its crossings of that day only, through the time index)."""
    since, until = day_bounds(day, tz)
    occ = DayOccupancy(day)
    for c in log.crossings(since=since, until=until):
        occ = occ.add(c.direction, c.verdict)
    return occ


class Occupancy(Static):
    def __init__(self, texts: Texts, tz: tzinfo, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts, self.tz = texts, tz
        self.figures: DayOccupancy | None = None

    def set_figures(self, figures: DayOccupancy) -> None:
        self.figures = figures
        self.update(self.texts("occupancy.line", ins=figures.ins, outs=figures.outs, inside=figures.inside))

    def add(self, crossing: Crossing) -> None:
        """A crossing just recorded: counted when it falls on the day shown."""
        if self.figures is not None and local_day(crossing.recorded_at, self.tz) == self.figures.day:
            self.set_figures(self.figures.add(crossing.direction, crossing.verdict))
