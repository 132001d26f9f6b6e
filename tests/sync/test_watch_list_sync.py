"""End to end on 127.0.0.1: a watch list built from an office's CSV and published on the central server is
pulled by a syncing station and turns a listed person's pass into CHECK with the instruction, in the running
station, without a restart; a rolled-back, foreign-signed or expired list served instead is refused and the
one in force stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint import sealing
from checkpoint.atomic import write_atomic
from checkpoint.cli import main
from checkpoint.clock import SystemClock
from checkpoint.config import load_config
from checkpoint.decision import Display, Why
from checkpoint.service import Outcome, Post, StationService
from checkpoint.trust import keys
from checkpoint.trust._trustlist import KeyEntry
from sync.server.lists import FILES
from tests import factories
from tests.factories import PERSON, make_pass
from tests.sync.conftest import RunningServer

LISTED = PERSON.id_number or ""
POST = Post("CB01", "1", "in")


def csv_list(tmp_path: Path, root_key: Path, version: int, rows: str, *, at: datetime | None = None,
             valid_days: float = 7) -> Path:
    csv = tmp_path / f"watch-{version}.csv"
    csv.write_text("id_number,kind,until\n" + rows, encoding="utf-8")
    out = tmp_path / f"watch-{version}.cose"
    at = at or datetime.now(UTC) - timedelta(minutes=10 - version)
    assert main(["watch-list", "build", "--csv", str(csv), "--root-key", str(root_key), "--version", str(version),
                 "--out", str(out), "--at", at.isoformat(), "--valid-days", str(valid_days),
                 "--hash-cost", "1,1"]) == 0
    return out


def check(service: StationService, text: str) -> Outcome:
    outcome = service.check(text, POST)
    assert isinstance(outcome, Outcome)
    return outcome


def test_a_published_watch_list_changes_a_running_syncing_station_s_verdict(
        server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, issuer, foreign = factories.ed25519(), factories.ed25519(), factories.ed25519()
    root_key, root_pub, foreign_key = tmp_path / "root.key.pem", tmp_path / "root.pub.pem", tmp_path / "foreign.pem"
    root_key.write_bytes(keys.private_pem(root))
    root_pub.write_bytes(keys.public_pem(root.public_key()))
    foreign_key.write_bytes(keys.private_pem(foreign))
    sup = sealing.generate()
    (tmp_path / "supervisor.pub.pem").write_bytes(sealing.public_pem(sup.public_key()))
    cfg = tmp_path / "station.toml"
    cfg.write_text('[station]\nid = "HN-WATCH-1"\n[log]\nseal_to = "supervisor.pub.pem"\n'
                   '[trust]\nroot_keys = ["root.pub.pem"]\n[sync]\ntimeout_seconds = 5\n')
    data = tmp_path / "station"
    args = ["--config", str(cfg), "--data-dir", str(data)]
    srv = ["--data-dir", str(server.data_dir), "--root", str(root_pub)]

    def publish(kind: str, path: Path) -> int:
        return main(["server", "publish", kind, str(path), *srv])

    def sync() -> str:
        assert main(["sync", *args]) == 0
        out = capsys.readouterr()
        return out.out + out.err

    tl = tmp_path / "tl.cose"
    tl.write_bytes(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"),
                                        issued=datetime.now(UTC) - timedelta(hours=1)))
    assert publish("trust-list", tl) == 0
    capsys.readouterr()
    assert main(["server", "token", "--data-dir", str(server.data_dir)]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["enroll", *args, "--server", server.url, "--token", token]) == 0
    sync()

    service = StationService.open(load_config(cfg), SystemClock(), data_dir=data)  # the running station
    service.station.reload_interval = 0
    service.station.watch.reload_interval = 0
    try:
        at = datetime.now(UTC) - timedelta(hours=1)
        listed = make_pass(issuer, at=at)
        assert check(service, listed).decision.display is Display.ACCEPT

        assert publish("watch-list", csv_list(tmp_path, root_key, 1, f"{LISTED},case,\n")) == 0
        assert "watch-list version 1" in sync()
        out = check(service, make_pass(issuer, at=at))
        d = out.decision
        assert d.display is Display.CHECK and d.watch is not None and d.watch.why is Why.WATCH_CASE
        assert out.crossing is not None and "watch-list:v1" in out.crossing.rules_applied
        assert "watch_listed" in out.crossing.flags
        unlisted = make_pass(issuer, at=at, subject=factories.Subject("Lê B", "079190001234", "1990-01-01", "worker"))
        assert check(service, unlisted).decision.display is Display.ACCEPT

        until = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
        v2 = csv_list(tmp_path, root_key, 2, f"{LISTED},quarantine,{until}\n")
        assert publish("watch-list", v2) == 0
        sync()
        d = check(service, make_pass(issuer, at=at)).decision
        assert d.watch is not None and d.watch.why is Why.WATCH_QUARANTINE and d.watch["version"] == 2

        # what the server may not serve, and a station refuses if it does: the list in force stays
        v1 = tmp_path / "watch-1.cose"
        assert publish("watch-list", v1) == 2  # rolled back: the publish check refuses it
        foreign_v3 = csv_list(tmp_path, foreign_key, 3, f"{LISTED},case,\n")
        expired_v4 = csv_list(tmp_path, root_key, 4, "079190001234,case,\n",
                              at=datetime.now(UTC) - timedelta(days=3), valid_days=1)
        for served, why in ((v1, "not newer"), (foreign_v3, "not a pinned root key"), (expired_v4, "expired")):
            write_atomic(server.data_dir / FILES["watch-list"], served.read_bytes())  # whoever owns the server's disk
            said = sync()
            assert "the watch list from the server was refused" in said and why in said, said
            d = check(service, make_pass(issuer, at=at)).decision
            assert d.watch is not None and d.watch["version"] == 2, why
            assert service.station.watch.in_force is not None and service.station.watch.in_force.version == 2
    finally:
        service.close()
    stored = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert stored and LISTED.encode() not in stored  # the crossings name the list, never the id number in clear
