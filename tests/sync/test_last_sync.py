"""The report's "last sync" after real syncs (issue 17 item 6: it said "unknown" after successful syncs)."""

from __future__ import annotations

import pytest

from checkpoint.cli import main
from tests.sync.conftest import RunningServer
from tests.sync.test_cli import Setup, enroll
from tests.sync.test_cli import setup as setup

__all__ = ["setup"]


def _last_sync(capsys: pytest.CaptureFixture[str], s: Setup) -> str:
    assert main(["report", *s.args(), "--language", "en"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "Last sync:" in x)
    return line.split("Last sync:")[1].strip()


def test_the_report_tells_when_the_server_last_acknowledged(server: RunningServer, setup: Setup,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    enroll(server, setup, capsys)
    setup.record(3)
    assert _last_sync(capsys, setup) == "never"
    assert main(["sync", *setup.args()]) == 0
    capsys.readouterr()
    first = _last_sync(capsys, setup)
    assert first not in ("never", "unknown") and first[:2] == "20" and len(first) == len("2021-07-24 10:00")
    assert main(["sync", *setup.args()]) == 0  # nothing new to send: a drained round is a sync too
    capsys.readouterr()
    assert _last_sync(capsys, setup) >= first
