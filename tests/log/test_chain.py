"""Tamper evidence: rows edited, deleted, reordered or truncated behind the station's back are caught."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.cli import main
from checkpoint.clock import FixedClock
from checkpoint.log import CrossingLog, LogError
from checkpoint.log import _chain as chain
from tests.log.conftest import Passes, ctx, open_log


def test_encoding_is_the_documented_one() -> None:
    # docs/crossing-log.md gives these bytes; the central server re-implements them.
    assert chain.encode(None) == b"N\x00\x00\x00\x00"
    assert chain.encode(True) == b"B\x00\x00\x00\x011"
    assert chain.encode(-12) == b"I\x00\x00\x00\x03-12"
    assert chain.encode("Hà") == b"S\x00\x00\x00\x03H\xc3\xa0"
    assert chain.encode(b"\x00\xff") == b"X\x00\x00\x00\x02\x00\xff"
    assert chain.encode(["a", None]) == b"L\x00\x00\x00\x0b" + b"S\x00\x00\x00\x01a" + b"N\x00\x00\x00\x00"
    fields = {name: None for name in chain.CROSSING_FIELDS} | {"seq": 1, "prev_hash": chain.GENESIS}
    fixed = chain.CROSSING_FIELDS[:chain.FIXED_COUNT]
    expected = hashlib.sha256(b"".join(chain.encode(v) for v in ["CPLOG1", *[fields[n] for n in fixed]])).hexdigest()
    assert chain.crossing_hash(fields) == expected


def test_extension_fields_are_hashed_only_when_set() -> None:
    # Extension fields (checkpoint.crossing.fields) come after the fixed ones: a null one adds nothing,
    # so a crossing recorded before the field existed keeps its hash; a set one adds its name and value.
    from checkpoint.crossing.chain import extended_digest

    fixed = ["CPLOG1-test", 7, None]
    plain = hashlib.sha256(b"".join(chain.encode(v) for v in ["CPLOG1", *fixed])).hexdigest()
    assert extended_digest([*fixed, None, None], 3, ("level", "vehicle")) == plain
    set_one = extended_digest([*fixed, "4", None], 3, ("level", "vehicle"))
    assert set_one == hashlib.sha256(b"".join(chain.encode(v) for v in ["CPLOG1", *fixed, "level", "4"])).hexdigest()
    # The name is hashed: the same value in another extension field is another crossing.
    assert extended_digest([*fixed, None, "4"], 3, ("level", "vehicle")) != set_one
    # A set value differs from null, and from the empty string.
    assert extended_digest([*fixed, "", None], 3, ("level", "vehicle")) not in (plain, set_one)


def test_an_extension_field_before_a_fixed_one_is_refused() -> None:
    from checkpoint.crossing import fields as f

    table = (f.Field("a", "text", False, True), f.Field("ext", "text", True, True, extension=True),
             f.Field("b", "text", False, True))
    with pytest.raises(AssertionError, match="fixed field b after an extension field"):
        f._check_extensions(table)
    with pytest.raises(AssertionError, match="extension field ext"):
        f._check_extensions((f.Field("ext", "text", False, True, extension=True),))


def test_every_chain_field_changes_the_hash() -> None:
    base: dict[str, chain.Value] = {name: "x" for name in chain.CROSSING_FIELDS}
    h = chain.crossing_hash(base)
    for name in chain.CROSSING_FIELDS:
        assert chain.crossing_hash(base | {name: "y"}) != h, name
    assert chain.crossing_hash(base | {"flags": ["x"]}) != chain.crossing_hash(base | {"flags": ["x", ""]})


def _filled(path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes, n: int = 6) -> None:
    with open_log(path, supervisor, clock) as log:
        for i in range(n):
            log.record(passes.decide() if i % 3 else passes.garbage(), ctx())
        log.record_action("sign_in", "officer-7", {"lane": "1"})
        log.record_action("sign_out", "officer-7", {})


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for s in statements:
            conn.execute(s)
    conn.close()


TAMPERING: dict[str, tuple[tuple[str, ...], int | None]] = {
    "edit verdict": (("UPDATE crossings SET verdict='accept', display='ACCEPT', reason=NULL WHERE seq=4",), 4),
    "edit officer": (("UPDATE crossings SET officer_id='someone-else' WHERE seq=2",), 2),
    "edit time": (("UPDATE crossings SET recorded_at='2021-07-24T00:00:00.000000Z' WHERE seq=5",), 5),
    "swap sealed blobs": (("UPDATE crossings SET sealed=(SELECT sealed FROM crossings WHERE seq=2) WHERE seq=5",), 5),
    "edit keyed hash": (("UPDATE crossings SET id_number_hash=zeroblob(32) WHERE seq=4",), 4),
    "fake erasure": (("UPDATE crossings SET erased_at='2021-09-01T00:00:00.000000Z' WHERE seq=2",), 2),
    "delete middle": (("DELETE FROM crossings WHERE seq=3",), 3),
    "delete first": (("DELETE FROM crossings WHERE seq=1",), 1),
    "reorder": (("UPDATE crossings SET seq=100 WHERE seq=2", "UPDATE crossings SET seq=2 WHERE seq=4",
                 "UPDATE crossings SET seq=4 WHERE seq=100"), 2),
    "delete newest": (("DELETE FROM crossings WHERE seq=6",), 6),
    "delete newest and fix head": (("DELETE FROM crossings WHERE seq=6", "UPDATE meta SET value='5' "
                                    "WHERE key='head_seq'"), 6),
    "garbled flags": (("UPDATE crossings SET flags='not json' WHERE seq=2",), 2),
    "short hash": (("UPDATE crossings SET hash=x'00' WHERE seq=2",), 2),
    "edit action": (("UPDATE actions SET officer_id='x' WHERE seq=1",), None),
    "delete action": (("DELETE FROM actions WHERE seq=2",), None),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_caught(case: str, log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                             passes: Passes, capsys: pytest.CaptureFixture[str]) -> None:
    _filled(log_path, supervisor, clock, passes)
    with CrossingLog.open_readonly(log_path, clock=clock) as ro:
        assert ro.verify_chain().ok
    statements, broken_at = TAMPERING[case]
    _tamper(log_path, *statements)
    with CrossingLog.open_readonly(log_path, clock=clock) as ro:
        report = ro.verify_chain()
    assert not report.ok and report.problem
    if broken_at is None:
        assert report.first_broken_action is not None and report.first_broken_seq is None
    else:
        assert report.first_broken_seq == broken_at, report.problem
    assert main(["log", "verify", "--data-dir", str(log_path.parent)]) == 1
    assert "BROKEN" in capsys.readouterr().out


@pytest.mark.parametrize("statement", [
    "UPDATE crossings SET officer_id='x' WHERE seq=6",
    "UPDATE crossings SET sealed=x'00' WHERE seq=6",
    "UPDATE crossings SET flags='{' WHERE seq=6",
    "DELETE FROM crossings WHERE seq=6",
    "UPDATE meta SET value='00' WHERE key='head_hash'",
])
def test_station_refuses_to_record_on_a_log_whose_newest_rows_were_altered(
        statement: str, log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes) -> None:
    _filled(log_path, supervisor, clock, passes)
    _tamper(log_path, statement)
    with pytest.raises(LogError) as e:
        open_log(log_path, supervisor, clock)
    assert e.value.code == "tampered"


def test_verify_cli_intact(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock, passes: Passes,
                           capsys: pytest.CaptureFixture[str]) -> None:
    _filled(log_path, supervisor, clock, passes)
    assert main(["log", "verify", "--data-dir", str(log_path.parent)]) == 0
    assert "intact (6 crossings, 2 actions, 0 dispositions)" in capsys.readouterr().out
    assert main(["log", "verify", "--json", "--data-dir", str(log_path.parent)]) == 0
    assert '"ok": true' in capsys.readouterr().out


def test_verify_cli_without_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "verify", "--data-dir", str(tmp_path)]) == 2
    assert "no crossing log here" in capsys.readouterr().err


ProgressFn = Callable[[int], None]


def test_verify_reports_progress(log_path: Path, supervisor: X25519PrivateKey, clock: FixedClock,
                                 passes: Passes, monkeypatch: pytest.MonkeyPatch) -> None:
    from checkpoint.log import _verify as verify

    monkeypatch.setattr(verify, "PROGRESS_EVERY", 2)
    _filled(log_path, supervisor, clock, passes)
    seen: list[int] = []
    with CrossingLog.open_readonly(log_path, clock=clock) as ro:
        assert ro.verify_chain(seen.append).ok
    assert seen == [2, 4, 6]
