"""The figures every surface shows, defined once: how many crossings the officer saw as ACCEPT, CHECK, REJECT.

A crossing counts under the outcome shown for it: ACCEPT (admitted, nothing to look at), CHECK (admitted,
shown amber for a second look: a duplicate, a manual entry, a suspect clock ...) or REJECT. The three are
disjoint and add up to the total. The app's shift counters, the supervisor screen (F5), ``checkpoint
report`` and an export's Result column all count this way (``tests/test_figures_agree.py`` drives the app
and compares it with the report and an export of the same log); their words are ``result.*`` in
:mod:`checkpoint.words`.

Before, the report counted CHECK inside "accepted" while the supervisor screen counted it apart: for one
day F5 said 3 accepted and the report 21.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

#: The outcomes, in the order the figures are shown.
OUTCOMES = ("ACCEPT", "CHECK", "REJECT")


def outcome(display: str, verdict: str) -> str:
    """The figure a crossing counts under: what was shown (``display``); a row with an unknown display (an
    older or damaged row) by its verdict, so nothing is ever left out of the total."""
    if display in OUTCOMES:
        return display
    return "ACCEPT" if verdict == "accept" else "REJECT"


@dataclass(frozen=True)
class Tally:
    accept: int = 0
    check: int = 0
    reject: int = 0

    @property
    def total(self) -> int:
        return self.accept + self.check + self.reject

    def add(self, display: str, verdict: str = "") -> Tally:
        key = outcome(display, verdict).lower()
        return replace(self, **{key: getattr(self, key) + 1})

    @classmethod
    def of(cls, shown: Iterable[tuple[str, str]]) -> Tally:
        """The figures of (display, verdict) pairs."""
        counts = Counter(outcome(d, v) for d, v in shown)
        return cls(counts["ACCEPT"], counts["CHECK"], counts["REJECT"])
