"""What the signed-list commands share (``checkpoint trust``, ``checkpoint policy``): the station they act on,
its options, and the lines that show a list in force, its staleness and the station's problems."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from checkpoint.cli.common import add_config_option, add_data_dir_option, clock_from, config_from
from checkpoint.display import shown
from checkpoint.isotime import iso_z as iso

if TYPE_CHECKING:
    from checkpoint.station import Station


class Dated(Protocol):
    @property
    def issued(self) -> datetime: ...

    @property
    def expires(self) -> datetime: ...


def add_station_options(p: argparse.ArgumentParser) -> None:
    """The station an action works on: ``--config``, ``--data-dir`` (and the tests' hidden ``--at``)."""
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)


def station_from(args: argparse.Namespace) -> Station:
    from checkpoint.station import Station

    return Station(config_from(args), clock_from(args), data_dir=args.data_dir)


def dates(x: Dated, now: datetime) -> str:
    """``issued …, expires …, age … h`` of a list in force."""
    return f"issued {iso(x.issued)}, expires {iso(x.expires)}, age {(now - x.issued).total_seconds() / 3600:.1f} h"


def print_stale(what: str, noun: str) -> None:
    """A list (or bundle) that expired or went missing: still applied, every verdict flagged."""
    print(f"STALE: the {what} in force has expired (or is missing); it is still applied and every verdict is flagged "
          f"lists_stale (CHECK): sync, or install a current {noun}")


def print_problems(st: Station) -> None:
    for prob in st.problems:
        print(f"warning: {shown(prob.message)}")
