"""Id numbers at rest (issue 11 item 3, issue 12 item 8): lookups that see what the officer sees, hashes
that do not give ids back from a stolen station, and logs of the old scheme migrated."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint import sealing
from checkpoint.cli import main
from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
from checkpoint.clock import FixedClock
from checkpoint.config import parse_config
from checkpoint.crossing import PersonalData
from checkpoint.decision import Decision, Flag, Verdict
from checkpoint.log import CrossingLog
from checkpoint.log import _chain as chain
from checkpoint.log import _schema as schema
from checkpoint.log._personal import from_subject, seal_personal
from checkpoint.log._settings import open_station_log
from checkpoint.log._timefmt import stamp
from checkpoint.model import Subject
from tests.factories import PERSON
from tests.log.conftest import NOW, Passes, ctx

FULL_WIDTH = "００１０８５０１２３４５"  # PERSON's id number, as a full-width font shows it
ZERO_WIDTH = "001085\u200b012345"  # the same with a zero-width space in it
#: Nine people of one province (Hà Nội, 001) born in 1985 (century and sex digit 0 or 1, year 85).
NINE = tuple(f"001{i % 2}85{n:06d}"
             for i, n in enumerate((12345, 402, 999_001, 70_707, 31_337, 500_000, 123_456, 654_321, 8)))


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


@pytest.fixture
def station(tmp_path: Path, supervisor: X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A station folder: config with [log] seal_to, data dir; returns the config file."""
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    (tmp_path / "sup.pub.pem").write_bytes(sealing.public_pem(supervisor.public_key()))
    (tmp_path / "data").mkdir()
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\nid = "QN-02"\ndata_dir = "{tmp_path / "data"}"\n'
                   f'[log]\nseal_to = "{tmp_path / "sup.pub.pem"}"\n')
    return cfg


def _config(cfg: Path) -> object:
    import tomllib

    return parse_config(tomllib.loads(cfg.read_text()))


def _record(cfg: Path, clock: FixedClock, decision: Decision, personal: PersonalData | None = None,
            manual: bool = False) -> list[tuple[int, tuple[str, ...]]]:
    with open_station_log(_config(cfg), clock) as log:  # type: ignore[arg-type]
        c = log.record(decision, ctx(manual=manual), personal)
        return [(c.seq, c.flags)]


def _export_ids(cfg: Path, tmp_path: Path, *id_numbers: str, key: Path | None = None) -> list[list[str]]:
    out = tmp_path / f"x{len(list(tmp_path.glob('x*.csv')))}.csv"
    args: list[str | Path] = ["export", "--config", cfg, "--out", out, "--at", "2021-07-26T00:00:00Z", "-q"]
    for n in id_numbers:
        args += ["--id-number", n]
    if key is not None:
        args += ["--key", key]
    assert run(*args) == 0
    with open(out, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))[1:]


# -- issue 11 item 3: what looks the same is found the same ---------------------------------------------


@pytest.mark.parametrize(("recorded", "asked"), [
    (FULL_WIDTH, PERSON.id_number), (ZERO_WIDTH, PERSON.id_number),
    (PERSON.id_number, FULL_WIDTH), (PERSON.id_number, ZERO_WIDTH), ("\u202e" + PERSON.id_number, "001-085-012-345"),
])
def test_export_finds_an_id_number_written_with_hidden_or_full_width_characters(
        station: Path, tmp_path: Path, passes: Passes, clock: FixedClock, recorded: str, asked: str) -> None:
    person = replace(from_subject(PERSON), id_number=recorded)
    _record(station, clock, passes.decide(), person)
    _record(station, clock, passes.decide(), replace(person, id_number="079190000123"))
    assert len(_export_ids(station, tmp_path, asked)) == 1
    assert len(_export_ids(station, tmp_path, "001085012346")) == 0


def test_a_manual_entry_of_an_id_just_seen_is_a_duplicate_however_it_is_written(
        station: Path, passes: Passes, clock: FixedClock) -> None:
    manual = Decision(Verdict.ACCEPT, None, "entered by officer", NOW)
    with open_station_log(_config(station), clock) as log:  # type: ignore[arg-type]
        first = log.record(passes.decide(), ctx())  # PERSON, scanned
        again = log.record(manual, ctx(manual=True), PersonalData(name="Nguyễn Văn An", id_number=FULL_WIDTH))
        other = log.record(manual, ctx(manual=True), PersonalData(name="Trần Thị B", id_number="079190000123"))
    assert "duplicate" not in first.flags and "duplicate" in again.flags and "duplicate" not in other.flags


def test_a_textual_pass_id_with_a_hidden_character_is_the_same_pass(station: Path, passes: Passes,
                                                                      clock: FixedClock) -> None:
    def shc_like(rid: str) -> Decision:  # an SHC or NZCP pass id is text (a CP1 cti is 16 random bytes)
        d = passes.decide()
        assert d.pass_ is not None
        return replace(d, pass_=replace(d.pass_, pass_id=rid.encode()))

    with open_station_log(_config(station), clock) as log:  # type: ignore[arg-type]
        log.record(shc_like("SHC-RID-0001"), ctx())
        again = log.record(shc_like("SHC-RID-\u200b0001"), ctx())
        fold = log.record(shc_like("ＳＨＣ-RID-0001"), ctx())
        other = log.record(shc_like("SHC-RID-0002"), ctx())
    assert Flag.DUPLICATE.value in again.flags and Flag.DUPLICATE.value in fold.flags
    assert Flag.DUPLICATE.value not in other.flags


# -- issue 12 item 8: a stolen station does not give ids back ------------------------------------------


Row = tuple[bytes | None, bytes | None, bytes | None, bytes]


def _stolen(data: Path) -> tuple[list[bytes], list[bytes], list[Row]]:
    """What a thief reads: every 32-byte secret in the data folder, every stored hash, and the rows'
    (pass-id hash, id-number hash, sealed, personal digest)."""
    secrets = [p.read_bytes() for p in data.iterdir() if p.is_file() and p.stat().st_size == 32]
    conn = sqlite3.connect(data / "crossings.sqlite")
    try:
        rows = conn.execute("SELECT pass_id_hash, id_number_hash, sealed, personal_digest FROM crossings").fetchall()
        stored = [r[1] for r in rows if r[1] is not None]
        stored += [k for (k,) in conn.execute("SELECT key FROM id_index WHERE key IS NOT NULL")]
    except sqlite3.OperationalError:  # no id_index (the code before this change)
        stored = [r[1] for r in rows if r[1] is not None]
    finally:
        conn.close()
    return secrets, stored, rows


def _fast_guesses(secret: bytes, id_number: str) -> list[bytes]:
    """A cheap keyed hash of a candidate, as the 2.9-second attack computed it (and a few variants)."""
    return [hmac.new(secret, purpose + b"\x00" + id_number.encode(), digest).digest()
            for purpose in (b"id-number", b"") for digest in (hashlib.sha256, hashlib.blake2b)]


def test_a_stolen_data_folder_gives_no_id_number_back_by_fast_guessing(
        station: Path, passes: Passes, clock: FixedClock) -> None:
    for number in NINE:
        _record(station, clock, passes.decide(), replace(from_subject(PERSON), id_number=number))
    secrets, stored, rows = _stolen(station.parent / "data")
    assert secrets and len(stored) == len(NINE)
    found = set()
    decoys = [f"001{n % 2}85{n:06d}" for n in range(0, 1_000_000, 997)]  # the search space, thinned
    for guess in (*decoys, *NINE):  # a real search tries 2 x 10^6 candidates; these include the right ones
        for secret in secrets:
            hashes = _fast_guesses(secret, guess)
            if any(h in stored for h in hashes):
                found.add(guess)
            for pid, _, sealed, digest in rows:  # the chain's personal digest is a check too
                if pid is not None and chain.personal_digest(pid.hex(), hashes[0].hex(), sealed) == digest.hex():
                    found.add(guess)
    assert found == set()


def test_the_id_index_is_argon2id_at_the_production_cost_and_keyed_by_the_station(
        tmp_path: Path, passes: Passes, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """One guess costs an Argon2id evaluation at the designed work factor (its time: bench/id_hash_cost.py),
    and without the station's lookup key not even that checks a guess."""
    from checkpoint.log import _idindex as idindex

    monkeypatch.setattr(idindex, "DEFAULT_PARAMS", idindex.PRODUCTION_PARAMS)
    pepper = os.urandom(32)
    with CrossingLog.open(tmp_path / "l.sqlite", station_id="S", seal_to=None, hmac_key=pepper, clock=clock) as log:
        log.record(passes.decide(), ctx())
        log.wait_for_id_index()
    conn = sqlite3.connect(tmp_path / "l.sqlite")
    (stored,) = conn.execute("SELECT key FROM id_index").fetchone()
    params = idindex.IdHashParams.parse(conn.execute("SELECT value FROM meta WHERE key='id_hash'").fetchone()[0])
    conn.close()
    assert params.memory_kib >= 64 * 1024 and params.time_cost >= 2
    assert idindex.id_key(pepper, params, PERSON.id_number) == stored
    assert idindex.id_key(os.urandom(32), params, PERSON.id_number) != stored  # the key is needed
    cheaper = idindex.IdHashParams(1, params.memory_kib, 1)
    assert idindex.id_key(pepper, cheaper, PERSON.id_number) != stored  # and the full cost


def test_a_tampered_cost_in_the_log_is_refused(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "l.sqlite"
    CrossingLog.open(path, station_id="S", seal_to=None, hmac_key=b"k" * 32, clock=clock).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='argon2id:v=19:t=0:m=1:p=1' WHERE key='id_hash'")
    from checkpoint.log import LogError

    with pytest.raises(LogError, match="out of range"):
        CrossingLog.open(path, station_id="S", seal_to=None, hmac_key=b"k" * 32, clock=clock)


def test_a_crossing_recorded_while_the_station_dies_is_counted_unindexed(
        tmp_path: Path, passes: Passes, clock: FixedClock) -> None:
    path = tmp_path / "l.sqlite"
    with CrossingLog.open(path, station_id="S", seal_to=None, hmac_key=b"k" * 32, clock=clock) as log:
        log.record(passes.decide(), ctx())
        assert log.unindexed() == 0
    with sqlite3.connect(path) as conn:  # what a crash between the commit and the hash leaves
        conn.execute("UPDATE id_index SET key=NULL")
    with CrossingLog.open(path, station_id="S", seal_to=None, hmac_key=b"k" * 32, clock=clock) as log:
        assert log.unindexed() == 1 and log.lookup_id_number(PERSON.id_number) == []


# -- migration of a log made by the code before schema 4 ------------------------------------------------


def _old_hash(key: bytes, purpose: bytes, value: bytes) -> str:
    return hmac.new(key, purpose + b"\x00" + value, hashlib.sha256).hexdigest()


def _write_schema3_log(path: Path, old_key: bytes, seal_to: X25519PrivateKey, people: list[Subject],
                       clock: FixedClock) -> list[bytes]:
    """A log exactly as the code before schema 4 wrote it: HMAC-SHA256 hashes under ``hmac.key``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    schema.migrate(conn, upto=3)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("station_id", "QN-02"), ("created_at", stamp(clock.now())), ("sync_cursor", "0"), ("head_seq", "0"),
        ("head_hash", chain.GENESIS), ("action_seq", "0"), ("action_hash", chain.GENESIS)])
    prev, pids = chain.GENESIS, []
    for seq, person in enumerate(people, 1):
        pid = os.urandom(16)
        pids.append(pid)
        cid = f"017ad46a-b1c0-7949-92b3-{seq:012x}"
        norm = "".join(ch for ch in person.id_number.upper() if ch not in " -.\t")
        pid_hash, idn_hash = _old_hash(old_key, b"pass-id", pid), _old_hash(old_key, b"id-number", norm.encode())
        sealed = seal_personal(from_subject(person), cid, seal_to.public_key())
        at = stamp(clock.now() + timedelta(minutes=seq))
        fields = {"seq": seq, "id": cid, "station_id": "QN-02", "officer_id": "CB01", "lane": "1", "direction": "in",
                  "recorded_at": at, "system_time": at, "clock_suspect": False, "format": "CP1", "kid": "ab",
                  "verdict": "accept", "reason": None, "display": "ACCEPT", "rule": None, "rules_applied": [],
                  "flags": [], "manual": False, "category": "worker", "expires": at,
                  "personal_digest": chain.personal_digest(pid_hash, idn_hash, sealed), "prev_hash": prev}
        digest = chain.crossing_hash(fields)
        conn.execute(
            "INSERT INTO crossings (seq, id, station_id, officer_id, lane, direction, recorded_at, system_time, "
            "clock_suspect, format, kid, verdict, reason, display, rule, rules_applied, flags, manual, category, "
            "expires, pass_id_hash, id_number_hash, sealed, personal_digest, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, NULL, ?, NULL, '[]', '[]', 0, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, cid, "QN-02", "CB01", "1", "in", at, at, "CP1", "ab", "accept", "ACCEPT", "worker", at,
             bytes.fromhex(pid_hash), bytes.fromhex(idn_hash), sealed, bytes.fromhex(fields["personal_digest"]),
             bytes.fromhex(prev), bytes.fromhex(digest)))
        prev = digest
    conn.execute("UPDATE meta SET value=? WHERE key='head_seq'", (str(len(people)),))
    conn.execute("UPDATE meta SET value=? WHERE key='head_hash'", (prev,))
    conn.close()
    return pids


def test_an_old_log_migrates_and_its_old_key_leaves_the_station(
        station: Path, tmp_path: Path, supervisor: X25519PrivateKey, passes: Passes, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = station.parent / "data"
    old_key = os.urandom(32)
    (data / "hmac.key").write_bytes(old_key)
    (data / "hmac.key").chmod(0o600)
    people = [PERSON, replace(PERSON, id_number="079190000123"), PERSON]
    _write_schema3_log(data / "crossings.sqlite", old_key, supervisor, people, clock)

    clock.advance(timedelta(hours=1))
    with open_station_log(_config(station), clock) as log:  # type: ignore[arg-type]
        assert log.verify_chain().ok
        first = log.record(passes.decide(b"pass-after-upg16"), ctx())
        second = log.record(passes.decide(b"pass-after-upg16"), ctx())
        log.record(passes.decide(), ctx(), replace(from_subject(PERSON), id_number=ZERO_WIDTH))
        assert "duplicate" not in first.flags and "duplicate" in second.flags  # duplicates still work
        assert [c.seq for c in log.lookup_id_number(FULL_WIDTH)] == [4, 5, 6]
        assert log.verify_chain().ok
    with sqlite3.connect(data / "crossings.sqlite") as conn:
        assert schema.version_of(conn) == schema.VERSION
    # The old key is gone from the station: sealed for the supervisor in the log, the file overwritten and
    # deleted, its bytes in no file of the data folder.
    assert not (data / "hmac.key").exists()
    assert all(old_key not in p.read_bytes() for p in data.iterdir() if p.is_file())

    # Without the supervisor's key: the crossings made since the upgrade.
    assert len(_export_ids(station, tmp_path, "001 085 012 345")) == 3
    # With it: the rows made before the upgrade too (the old key is opened from the log's meta).
    key_file = tmp_path / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor, b"pw"))
    monkeypatch.setenv(PASSPHRASE_ENV, "pw")
    rows = _export_ids(station, tmp_path, FULL_WIDTH, key=key_file)
    assert [r[12] for r in rows] == ["Nguyễn Văn An"] * 5
    assert len(_export_ids(station, tmp_path, "079190000123", key=key_file)) == 1
    manifest = json.loads(next(tmp_path.glob("x*.csv.manifest.json")).read_text())
    assert PERSON.id_number not in json.dumps(manifest)


def test_an_old_log_without_a_sealing_key_gives_up_the_old_key(tmp_path: Path, passes: Passes,
                                                                clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
                                                                supervisor: X25519PrivateKey) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    old_key = os.urandom(32)
    (data / "hmac.key").write_bytes(old_key)
    _write_schema3_log(data / "crossings.sqlite", old_key, supervisor, [PERSON], clock)
    cfg = parse_config({"station": {"id": "QN-02", "data_dir": str(data)}})
    with open_station_log(cfg, clock) as log:
        assert log.verify_chain().ok and log.meta().get("legacy_hash_key") is None
    assert not (data / "hmac.key").exists()
