"""``checkpoint export --plate``: where a vehicle crossed, found in a real station log by opening the sealed
records with the supervisor's key (a plate is sealed with each occupant's personal data, and never indexed)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint import sealing
from checkpoint.cli import main
from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
from checkpoint.clock import FixedClock
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log._personal import from_subject
from checkpoint.model import Subject
from checkpoint.station_keys import load_or_create_hmac_key
from checkpoint.trust import keys
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.vehicle import Seat, plate_of, seat_personal
from checkpoint.verify import Verifier
from tests.factories import T0, ed25519, make_pass

PASSPHRASE = "mật khẩu giám sát 2021"
DRIVER = Subject("Lê Văn Tài", "001085012345", "1985-03-02", "driver", None, "Lạng Sơn", "Hà Nội")
HELPER = Subject("Phạm Thị Hoa", "079190000123", "1990-11-30", "worker", None, "Lạng Sơn", "Hà Nội")
OTHER = Subject("Đỗ Minh Quân", "036092001234", "1992-05-05", "driver", None, "Hải Phòng", "Hà Nội")
#: someone on foot whose id number is the plate's characters: a plate must never match an id, nor an id a plate
WALKER = Subject("Vũ Thị Lan", "29C12345", "1988-01-01", "worker", None, "Hà Nội", "Hà Nội")
#: a crossing recorded before vehicles existed: the pass's own vehicle field, written as the issuer wrote it
OLD = Subject("Ngô Văn Bình", "001090000777", "1990-02-02", "driver", "29c 123.45", "Bắc Giang", "Hà Nội")

#: 29C-123.45 however it is written (29c 123.45, 29C12345, ...): never in a manifest or the audit trail. A hash's
#: hex may hold "29C" by chance (it did: "...CEF929C6"), so the plate's own shape is looked for, not its letters.
PLATE_WRITTEN = re.compile(r"29[\s.\-]*C[\s.\-]*123[\s.\-]*45", re.IGNORECASE)


@pytest.fixture(scope="module")
def supervisor() -> X25519PrivateKey:
    return sealing.generate()


@pytest.fixture
def station(tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Truck 29C-123.45 (typed '29c 123.45': driver and helper in, the driver out), truck 51F-987.65 (a driver),
    the walker whose id is '29C12345', and an old row without a vehicle whose pass names '29c 123.45'."""
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    issuer = ed25519()
    pub = issuer.public_key()
    verifier = Verifier(TrustStore([TrustedKey(keys.kid_of(pub), pub, "test")], TrustSource("test")))
    clock = FixedClock(T0)
    log = CrossingLog.open(data / "crossings.sqlite", station_id="STATION-01", seal_to=supervisor.public_key(),
                           hmac_key=load_or_create_hmac_key(data), clock=clock)

    def cross(subject: Subject, direction: str, seat: Seat | None = None) -> None:
        decision = verifier.verify(make_pass(issuer, subject=subject, at=T0 - timedelta(days=1)), clock.now())
        assert decision.pass_ is not None
        personal = seat_personal(seat, from_subject(decision.pass_.subject))
        log.record(decision, CrossingContext("CB-01", "1", direction, clock.now(), False,
                                             vehicle_id=seat.vehicle_id if seat else None,
                                             vehicle_role=seat.role if seat else None), personal)
        clock.advance(timedelta(minutes=10))

    with log:
        cross(OLD, "in")  # seq 1
        typed = plate_of("29c 123.45")
        assert typed == "29C12345"
        truck = str(uuid.uuid4())
        cross(DRIVER, "in", Seat(truck, "driver", typed, True))  # seq 2
        cross(HELPER, "in", Seat(truck, "passenger", typed, True))  # seq 3
        cross(WALKER, "in")  # seq 4
        cross(OTHER, "in", Seat(str(uuid.uuid4()), "driver", "51F98765", True))  # seq 5
        cross(DRIVER, "out", Seat(str(uuid.uuid4()), "driver", typed, True))  # seq 6
        log.wait_for_id_index()
    return data


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def key_file(tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "supervisor.key.pem"
    path.write_bytes(sealing.private_pem(supervisor, PASSPHRASE.encode()))
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    return path


def exported(station: Path, out: Path, key: Path, *args: str) -> list[dict[str, str]]:
    assert run("export", "--data-dir", station, "--out", out, "--key", key, "--by", "GS-07", "-q",
               "--at", "2021-07-26T00:00:00Z", *args) == 0
    with open(out, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_a_plate_finds_its_vehicles_crossings_however_it_is_written(
        station: Path, tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    key = key_file(tmp_path, supervisor, monkeypatch)
    docs = exported(station, tmp_path / "a.jsonl", key, "--plate", "29C-123.45")
    assert [d["seq"] for d in docs] == [1, 2, 3, 6]  # the old row, driver and helper in, the driver out
    assert {d["vehicle"] for d in docs} == {"29C12345", "29c 123.45"}
    assert [d["name"] for d in docs] == [OLD.name, DRIVER.name, HELPER.name, DRIVER.name]
    docs = exported(station, tmp_path / "b.jsonl", key, "--plate", "29c12345", "--plate", "51f 987 65")
    assert [d["seq"] for d in docs] == [1, 2, 3, 5, 6]


def test_another_plate_or_an_id_number_of_the_same_characters_finds_nothing_of_it(
        station: Path, tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    key = key_file(tmp_path, supervisor, monkeypatch)
    assert exported(station, tmp_path / "a.jsonl", key, "--plate", "30A-999.99") == []
    assert [d["seq"] for d in exported(station, tmp_path / "b.jsonl", key, "--plate", "51F-987.65")] == [5]
    # the id number '29C12345' is the walker's, never the truck's; the plate never finds the walker
    assert [d["seq"] for d in exported(station, tmp_path / "c.jsonl", key, "--id-number", "29C-123.45")] == [4]
    assert 4 not in [d["seq"] for d in exported(station, tmp_path / "d.jsonl", key, "--plate", "29C12345")]


def test_a_plate_search_is_recorded_without_the_plate_and_needs_the_key(
        station: Path, tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run("export", "--data-dir", station, "--out", tmp_path / "x.csv", "--plate", "29C-123.45") == 2
    assert "--key" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
    assert run("export", "--data-dir", station, "--out", tmp_path / "x.csv", "--plate", "2-9") == 2
    key = key_file(tmp_path, supervisor, monkeypatch)
    out = tmp_path / "xe.csv"
    assert run("export", "--data-dir", station, "--out", out, "--key", key, "--masked", "-q",
               "--plate", "29C-123.45") == 0
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert len(table) == 5 and "Lê Văn Tài" not in out.read_text(encoding="utf-8-sig")  # masked: initials
    manifest = (tmp_path / "xe.csv.manifest.json").read_text()
    assert json.loads(manifest)["filters"]["plates_sought"] == 1 and not re.search(PLATE_WRITTEN, manifest)
    with sqlite3.connect(station / "crossings.sqlite") as db:
        details = " ".join(d for (d,) in db.execute("SELECT details FROM actions"))
    assert "plates_sought" in details and not re.search(PLATE_WRITTEN, details)


def test_a_plate_from_standard_input_stays_out_of_the_command_line(
        station: Path, tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    key = key_file(tmp_path, supervisor, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO("51f-987.65\n"))
    assert [d["seq"] for d in exported(station, tmp_path / "a.jsonl", key, "--plate", "-")] == [5]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert run("export", "--data-dir", station, "--out", tmp_path / "b.jsonl", "--key", key, "--plate", "-") == 2
