"""A server that keeps serving a refused list: one problem for it, not one per sync round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.clock import SystemClock
from checkpoint.config import parse_config
from checkpoint.station import Station
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from sync.client import SyncClient
from sync.server.lists import FILES, PublishedLists
from sync.worker import sync_once
from tests import factories
from tests.sync.conftest import RunningServer
from tests.sync.helpers import ListOutbox

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def test_ten_rounds_serving_a_refused_list_leave_one_problem(server: RunningServer, client: SyncClient,
                                                             tmp_path: Path) -> None:
    root = factories.ed25519()
    pem = tmp_path / "root.pem"
    pem.write_bytes(keys.public_pem(root.public_key()))
    station = Station(parse_config({"trust": {"root_keys": [str(pem)]}}), SystemClock(), data_dir=tmp_path / "st")
    good = factories.trust_list(root, KeyEntry(factories.ed25519().public_key(), "VN-LCI"), issued=NOW)
    PublishedLists(server.data_dir).publish("trust-list", good, [root.public_key()], datetime.now(UTC))
    sync_once(client, ListOutbox([]), station, 10)
    assert station.trust_list is not None and len(station.problems) == 0
    forged = factories.trust_list(factories.ed25519(), KeyEntry(factories.ed25519().public_key(), "X"), version=9,
                                  issued=NOW)
    write_atomic(server.data_dir / FILES["trust-list"], forged)  # whoever owns the server's disk
    rounds = [sync_once(client, ListOutbox([]), station, 10) for _ in range(10)]
    assert all(r.lists and r.lists[0].warning for r in rounds)  # refused every round
    problems = list(station.problems)
    assert len(problems) == 1 and "not a pinned root key" in problems[0].message
    # the server serves the list in force again: the problem goes
    write_atomic(server.data_dir / FILES["trust-list"], good)
    sync_once(client, ListOutbox([]), station, 10)
    assert len(station.problems) == 0
