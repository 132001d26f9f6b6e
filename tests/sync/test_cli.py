"""The commands end to end: server token, enroll, sync, publish, export, stations, revoke; and a station
killed mid-sync."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint import sealing
from checkpoint.cli import main
from checkpoint.clock import SystemClock
from checkpoint.config import load_config
from checkpoint.log._settings import open_station_log
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from sync.server.storage import ExportFilter, Stored
from tests import factories
from tests.sync.conftest import RunningServer
from tests.sync.helpers import fill_log

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Setup:
    config: Path
    data: Path
    supervisor: Path
    root: keys.PrivateKey
    root_pem: Path

    def args(self) -> list[str]:
        return ["--config", str(self.config), "--data-dir", str(self.data)]

    def record(self, n: int) -> None:
        log = open_station_log(load_config(self.config), SystemClock(), self.data)
        try:
            fill_log(log, n)
        finally:
            log.close()


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    sup = sealing.generate()
    (tmp_path / "supervisor.pem").write_bytes(sealing.private_pem(sup))
    (tmp_path / "supervisor.pub.pem").write_bytes(sealing.public_pem(sup.public_key()))
    root = factories.ed25519()
    (tmp_path / "root.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = tmp_path / "station.toml"
    cfg.write_text('[station]\nid = "HN-CLI-1"\n[log]\nseal_to = "supervisor.pub.pem"\n'
                   '[trust]\nroot_keys = ["root.pem"]\n[sync]\nbatch_size = 40\ntimeout_seconds = 5\n')
    return Setup(cfg, tmp_path / "station", tmp_path / "supervisor.pem", root, tmp_path / "root.pem")


def token(server: RunningServer, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["server", "token", "--data-dir", str(server.data_dir)]) == 0
    return capsys.readouterr().out.strip()


def enroll(server: RunningServer, s: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["enroll", *s.args(), "--server", server.url, "--token", token(server, capsys)]) == 0
    assert "enrolled" in capsys.readouterr().out


def test_enroll_sync_publish_export(server: RunningServer, setup: Setup, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]):
    enroll(server, setup, capsys)
    setup.record(130)
    issued = datetime.now(UTC) - timedelta(minutes=5)
    tl = tmp_path / "tl.cose"
    tl.write_bytes(factories.trust_list(setup.root, KeyEntry(factories.ed25519().public_key(), "VN-LCI"),
                                        version=3, issued=issued))
    assert main(["server", "publish", "trust-list", str(tl), "--root", str(setup.root_pem),
                 "--data-dir", str(server.data_dir)]) == 0
    capsys.readouterr()

    assert main(["sync", *setup.args()]) == 0
    out = capsys.readouterr().out
    assert "Installed trust-list version 3" in out and "all 130 crossings" in out
    assert server.storage.count("HN-CLI-1") == 130
    beat = server.storage.heartbeats()["HN-CLI-1"].body  # headless: the camera and the last scan are unknown
    assert (beat["camera"], beat["last_scan_at"], beat["queue"]) == ("unknown", None, 0)
    assert [x["version"] for x in beat["lists"] if x["kind"] == "trust-list"] == [3] and beat["disk_free_bytes"] > 0

    sealed_csv = tmp_path / "all.csv"
    assert main(["server", "export", "--data-dir", str(server.data_dir), "--format", "csv",
                 "--out", str(sealed_csv)]) == 0
    rows = list(csv.DictReader(sealed_csv.open(encoding="utf-8-sig")))
    assert len(rows) == 130 and "name" not in rows[0] and rows[0]["sealed"]
    assert "Người" not in sealed_csv.read_text(encoding="utf-8-sig")

    opened = tmp_path / "rejects.jsonl"
    assert main(["server", "export", "--data-dir", str(server.data_dir), "--format", "jsonl", "--out", str(opened),
                 "--verdict", "reject", "--key", str(setup.supervisor), "--station", "HN-CLI-1"]) == 0
    docs = [json.loads(line) for line in opened.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 15 and all(d["verdict"] == "reject" for d in docs)  # every 9th of 130 is a refusal
    assert docs[0]["personal"]["name"] == "Người 0" and "sealed" not in docs[0]

    assert main(["server", "stations", "--data-dir", str(server.data_dir)]) == 0
    assert "HN-CLI-1" in capsys.readouterr().out


def test_sync_without_a_link_keeps_everything_and_says_so(server: RunningServer, setup: Setup,
                                                         capsys: pytest.CaptureFixture[str]):
    enroll(server, setup, capsys)
    setup.record(5)
    server.stop()
    assert main(["sync", *setup.args(), "--retries", "0"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the server" in err and "5 crossings not yet sent" in err
    server.start()
    assert main(["sync", *setup.args()]) == 0


def test_sync_before_enrolment_says_how_to_enrol(setup: Setup, capsys: pytest.CaptureFixture[str]):
    assert main(["sync", *setup.args()]) == 2
    assert "checkpoint enroll" in capsys.readouterr().err


def test_revoked_station_is_told(server: RunningServer, setup: Setup, capsys: pytest.CaptureFixture[str]):
    enroll(server, setup, capsys)
    setup.record(3)
    assert main(["server", "revoke", "HN-CLI-1", "--data-dir", str(server.data_dir)]) == 0
    assert main(["sync", *setup.args()]) == 1
    assert "revoked" in capsys.readouterr().err


def kill_station_after(server: RunningServer, setup: Setup, n: int) -> None:
    """Run ``checkpoint sync`` in a child; SIGKILL it once the server has committed its ``n``-th batch and
    before the reply leaves (the hook holds the reply until the child is dead)."""
    committed, killed = threading.Event(), threading.Event()
    batches = [0]

    def after_commit(station: str, result: Stored) -> None:
        batches[0] += 1
        if batches[0] == n:
            committed.set()
            killed.wait(10)

    server.hooks.after_commit = after_commit
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "checkpoint", "sync", *setup.args(), "--quiet"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert committed.wait(30), "the child never got a batch committed"
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        killed.set()
        if child.poll() is None:
            child.kill()
        child.wait()
        assert child.stderr is not None
        child.stderr.close()
        server.hooks.after_commit = None


@pytest.mark.slow
def test_station_killed_mid_sync(server: RunningServer, setup: Setup, capsys: pytest.CaptureFixture[str]):
    """SIGKILL the syncing station between the server's commit and its reply, twice; then sync to the end."""
    enroll(server, setup, capsys)
    setup.record(1200)
    kill_station_after(server, setup, 4)
    kill_station_after(server, setup, 7)
    held_before = server.storage.count("HN-CLI-1")
    assert 0 < held_before < 1200
    assert main(["sync", *setup.args()]) == 0
    log = open_station_log(load_config(setup.config), SystemClock(), setup.data)
    try:
        held = [c["id"] for c in server.storage.crossings(ExportFilter(stations=("HN-CLI-1",)))]
        assert held == [c.id for c in log.crossings()] and len(set(held)) == 1200
        assert log.sync_cursor == 1200
    finally:
        log.close()


def test_the_app_builds_its_worker_from_the_enrolment(server: RunningServer, setup: Setup,
                                                      capsys: pytest.CaptureFixture[str]):
    from sync.wiring import worker_for
    from sync.worker import SyncState, SyncStatus

    enroll(server, setup, capsys)
    setup.record(12)
    config = load_config(setup.config)
    log = open_station_log(config, SystemClock(), setup.data)
    statuses: list[SyncStatus] = []
    try:
        w = worker_for(config, setup.data, log, None, statuses.append)
        assert (w.batch_size, w.interval) == (40, 60.0)
        assert w.round(0) == 60.0
        assert statuses[-1].state is SyncState.SYNCED and statuses[-1].acknowledged == 12
    finally:
        log.close()


def test_server_command_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["server", "--data-dir", str(tmp_path), "--tls-cert", str(tmp_path / "c.pem")]) == 2
    assert "--tls-key" in capsys.readouterr().err
    assert main(["server", "run"]) == 2
    assert "--data-dir" in capsys.readouterr().err
    assert main(["server", "revoke", "NOPE", "--data-dir", str(tmp_path)]) == 2
    assert "not enrolled" in capsys.readouterr().err
    assert main(["server", "export", "--data-dir", str(tmp_path), "--format", "csv", "--out",
                 str(tmp_path / "x.csv"), "--from", "yesterday"]) == 2
    assert "not a date" in capsys.readouterr().err
