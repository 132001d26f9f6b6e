"""The manual entry's declaration (address, places in 14 days, contact with a case, symptoms) is sealed with
the other personal fields, opens in the supervisor's exports, and records sealed before it still open."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import UTC
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint import sealing
from checkpoint.crossing import PERSONAL_FIELDS, Crossing, PersonalData, aad_for
from checkpoint.decision import Decision, Verdict
from checkpoint.export._columns import PersonalMode, RowMaker, columns
from checkpoint.log import CrossingLog, open_personal
from checkpoint.service import ManualForm
from sync.server.export import write_export
from tests.log.conftest import NOW, ctx

DECLARED = ManualForm("Bùi Văn Tư", "001060004321", "1960-05-04", "0912345678", address="Bản Cát Cát, Sa Pa",
                      places_visited="Lào Cai; Hà Nội", case_contact="yes", symptom_list=("fever", "cough"),
                      symptoms=True)
NEW_FIELDS = ("address", "places_visited", "case_contact", "symptoms")


def _record(log: CrossingLog, person: PersonalData) -> Crossing:
    manual = Decision(Verdict.ACCEPT, None, "entered by officer", NOW)
    return log.record(manual, ctx(manual=True), person)


def test_the_declaration_is_sealed_and_opens(log: CrossingLog, supervisor: X25519PrivateKey, log_path: Path) -> None:
    person = DECLARED.personal()
    assert (person.address, person.places_visited, person.case_contact, person.symptoms) == (
        "Bản Cát Cát, Sa Pa", "Lào Cai; Hà Nội", "yes", "fever,cough")
    c = _record(log, person)
    assert open_personal(c, supervisor) == person
    log.close()
    raw = b"".join(p.read_bytes() for p in log_path.parent.iterdir() if p.is_file())
    for secret in ("Bản Cát Cát", "Lào Cai; Hà Nội", "fever,cough"):
        assert secret.encode() not in raw  # never in clear in the log


def test_no_symptoms_is_said_as_none() -> None:
    assert ManualForm("A", "012345678", "1960").personal().symptoms == "none"
    assert ManualForm("A", "012345678", "1960", symptoms=True).personal().symptoms == "other"
    assert ManualForm("A", "012345678", "1960").personal().case_contact == "unknown"


def test_a_record_sealed_before_the_declaration_still_opens(log: CrossingLog, supervisor: X25519PrivateKey) -> None:
    """A record sealed by an older station has only the first nine keys: it opens, the new ones None."""
    c = _record(log, PersonalData(name="x"))
    old_keys = [k for k in PERSONAL_FIELDS if k not in NEW_FIELDS]
    assert len(old_keys) == 9
    old_json = json.dumps({k: None for k in old_keys} | {"name": "Nguyễn Văn A", "vehicle": "29A-123.45"},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    old = replace(c, sealed=sealing.seal(old_json, supervisor.public_key(), aad_for(c.id)))
    opened = open_personal(old, supervisor)
    assert opened == PersonalData(name="Nguyễn Văn A", vehicle="29A-123.45")
    assert all(getattr(opened, k) is None for k in NEW_FIELDS)


def test_the_fixture_log_from_an_old_station_still_opens(tmp_path: Path) -> None:
    """tests/data/crossing_schema was written before the declaration fields: its sealed record opens."""
    import os
    from datetime import timedelta

    from checkpoint.clock import FixedClock
    from tests.factories import T0
    from tests.log.conftest import open_log

    data = Path(__file__).parents[1] / "data" / "crossing_schema"
    key = sealing.load_private((data / "supervisor.key.pem").read_bytes(), "supervisor.key.pem")
    path = tmp_path / "data" / "crossings.sqlite"
    path.parent.mkdir(mode=0o700)
    shutil.copy(data / "log.sqlite", path)
    os.chmod(path, 0o600)
    with open_log(path, key, FixedClock(T0 + timedelta(days=1))) as log:
        manual = open_personal(list(log.crossings())[3], key)
    assert manual is not None and manual.name == "Nguyễn Văn A"
    assert (manual.address, manual.places_visited, manual.case_contact, manual.symptoms) == (None,) * 4


def test_the_station_export_opened_by_the_supervisor_has_the_declaration(log: CrossingLog) -> None:
    from checkpoint.export._source import rows_of
    from checkpoint.isotime import parse_instant

    keys = [col.key for col in columns(PersonalMode.FULL)]
    assert keys[-9:-5] == list(NEW_FIELDS)  # then the vehicle's two columns, the policy's two and the disposition
    assert not set(NEW_FIELDS) & {col.key for col in columns(PersonalMode.MASKED)}  # masked: name and id only
    c = _record(log, DECLARED.personal())
    (r,) = rows_of([c])
    doc = RowMaker(PersonalMode.FULL, "vi", UTC).machine(r, parse_instant(r.recorded_at), DECLARED.personal())
    assert (doc["address"], doc["places_visited"], doc["case_contact"], doc["symptoms"]) == (
        "Bản Cát Cát, Sa Pa", "Lào Cai; Hà Nội", "yes", "fever,cough")


def test_the_central_server_export_opened_by_the_supervisor_has_the_declaration(
        log: CrossingLog, supervisor: X25519PrivateKey, tmp_path: Path) -> None:
    c = _record(log, DECLARED.personal())
    out = tmp_path / "central.csv"
    result = write_export([c.to_wire()], out, "csv", supervisor)
    assert result.rows == 1 and result.unopened == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["address"], row["places_visited"], row["case_contact"], row["symptoms"]) == (
        "Bản Cát Cát, Sa Pa", "Lào Cai; Hà Nội", "yes", "fever,cough")
