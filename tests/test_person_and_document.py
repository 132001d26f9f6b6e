"""The person is not the document: a health certificate's own id (HC1 UVCI, SHC rid, NZCP cti) is the
document's number, never the holder's id number: not hashed, stored, exported or shown as one.

Real parts throughout: passes signed here (a generated Document Signer Certificate for HC1), the real
verifier, a real SQLite log, the real ``checkpoint export`` command and the real verdict panel.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from textual.app import App, ComposeResult

from checkpoint import sealing
from checkpoint.cli import main
from checkpoint.cli.supervisor_key import PASSPHRASE_ENV
from checkpoint.clock import FixedClock
from checkpoint.decision import Decision, Flag
from checkpoint.formats import cp1, nzcp, shc
from checkpoint.hc_rules import HealthRules
from checkpoint.log import CrossingContext, CrossingLog
from checkpoint.log._personal import open_personal
from checkpoint.rules import Rules
from checkpoint.service import Outcome, card_of
from checkpoint.station_keys import load_or_create_hmac_key
from checkpoint.trust import keys
from checkpoint.trust._folder import trusted_key
from checkpoint.trust._store import TrustedKey, TrustSource, TrustStore
from checkpoint.tui.i18n import Texts
from checkpoint.tui.widgets.verdict_panel import VerdictPanel
from checkpoint.verify import Verifier
from tests.conftest import DATA
from tests.factories import PERSON, ed25519, make_pass
from tests.formats import hc1_factory
from tests.formats.hc1_factory import UVCI

NOW = hc1_factory.T0 + timedelta(hours=1)
CP1_ID = bytes(range(16))
PASSPHRASE = "mật khẩu giám sát"


class Issuers:
    """A CP1 issuer and an HC1 signer (generated DSC, no EKU), and a verifier trusting both."""

    def __init__(self) -> None:
        self.cp1_key = ed25519()
        self.dsc_key, self.dsc = hc1_factory.signer(None)
        pub = self.cp1_key.public_key()
        store = TrustStore([TrustedKey(keys.kid_of(pub), pub, "cp1"),
                            trusted_key(self.dsc.public_bytes(serialization.Encoding.DER), "dsc")],
                           TrustSource("test"))
        self.verifier = Verifier(store, rules=Rules(health=HealthRules(vaccination_min_days=14)))

    def hc1(self) -> Decision:
        return self.verifier.verify(hc1_factory.hc1_text(self.dsc_key, self.dsc, "v"), NOW)

    def cp1(self) -> Decision:
        return self.verifier.verify(make_pass(self.cp1_key, at=NOW - timedelta(hours=2), pass_id=CP1_ID), NOW)


@pytest.fixture(scope="module")
def issuers() -> Issuers:
    return Issuers()


@pytest.fixture(scope="module")
def supervisor() -> X25519PrivateKey:
    return sealing.generate()


def station_log(data: Path, supervisor: X25519PrivateKey) -> CrossingLog:
    data.mkdir(exist_ok=True)
    return CrossingLog.open(data / "crossings.sqlite", station_id="STATION-01", seal_to=supervisor.public_key(),
                            hmac_key=load_or_create_hmac_key(data), clock=FixedClock(NOW))


def ctx() -> CrossingContext:
    return CrossingContext("CB01", "1", "in", NOW, False)


def test_each_format_keeps_its_document_id_apart_from_the_id_number(issuers: Issuers) -> None:
    hc1_pass, cp1_pass = issuers.hc1().pass_, issuers.cp1().pass_
    assert hc1_pass is not None and cp1_pass is not None
    assert hc1_pass.subject.id_number is None and hc1_pass.subject.masked_id is None
    assert hc1_pass.document_id == UVCI
    assert cp1_pass.subject.id_number == PERSON.id_number and cp1_pass.document_id == CP1_ID.hex()
    nz = nzcp.parse((DATA / "nzcp" / "valid.txt").read_text().strip()).pass_
    assert nz.subject.id_number is None and nz.document_id == "urn:uuid:60a4f54d-4e30-4332-be33-ad78b1eafa4b"
    card = shc.parse((DATA / "shc" / "example-00-f-qr-code-numeric-value-0.txt").read_text().strip()).pass_
    assert card.subject.id_number is None and card.document_id == "MKyCxh7p6uQ"
    assert cp1_pass.format == cp1.FORMAT


def test_an_hc1_crossing_stores_no_id_number_hash_and_seals_the_uvci_as_document_no(
        issuers: Issuers, supervisor: X25519PrivateKey, tmp_path: Path) -> None:
    with station_log(tmp_path / "data", supervisor) as log:
        c = log.record(issuers.hc1(), ctx())
        assert c.id_number_hash is None
        assert log.lookup_id_number(UVCI) == []
        personal = open_personal(c, supervisor)
        assert personal is not None and personal.id_number is None and personal.document_id == UVCI
        again = log.record(issuers.hc1(), ctx())  # duplicate detection still keys on the pass id
        assert Flag.DUPLICATE in {Flag(f) for f in again.flags}


def test_cp1_keeps_its_id_number_hash_lookup_and_duplicates(issuers: Issuers, supervisor: X25519PrivateKey,
                                                           tmp_path: Path) -> None:
    with station_log(tmp_path / "data", supervisor) as log:
        first = log.record(issuers.cp1(), ctx())
        again = log.record(issuers.cp1(), ctx())
        assert "duplicate" not in first.flags and "duplicate" in again.flags  # the id itself: the lookups below
        assert [x.seq for x in log.lookup_id_number("001 085 012 345")] == [first.seq, again.seq]
        assert log.lookup_id_number(CP1_ID.hex()) == []
        personal = open_personal(first, supervisor)
        assert personal is not None and personal.id_number == PERSON.id_number
        assert personal.document_id == CP1_ID.hex()


def test_export_by_id_number_never_finds_a_certificate_id(issuers: Issuers, supervisor: X25519PrivateKey,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKPOINT_CONFIG", raising=False)
    data = tmp_path / "data"
    with station_log(data, supervisor) as log:
        log.record(issuers.hc1(), ctx())
        log.record(issuers.cp1(), ctx())
    key_file = tmp_path / "supervisor.key.pem"
    key_file.write_bytes(sealing.private_pem(supervisor, PASSPHRASE.encode()))
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)

    def export(out: Path, *argv: str) -> list[dict[str, object]]:
        assert main(["export", "--data-dir", str(data), "--out", str(out), "--key", str(key_file), "-q",
                     "--at", NOW.isoformat(), *argv]) == 0
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    assert export(tmp_path / "uvci.jsonl", "--id-number", UVCI) == []
    (cp1_row,) = export(tmp_path / "idn.jsonl", "--id-number", PERSON.id_number)
    assert cp1_row["format"] == "CP1" and cp1_row["id_number"] == PERSON.id_number
    rows = {r["format"]: r for r in export(tmp_path / "all.jsonl")}
    assert rows["HC1"]["id_number"] is None and rows["HC1"]["document_id"] == UVCI
    assert rows["CP1"]["document_id"] == CP1_ID.hex()


class PanelApp(App[None]):
    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def compose(self) -> ComposeResult:
        yield VerdictPanel(Texts(self.language))


@pytest.mark.asyncio
@pytest.mark.parametrize("language", ["en", "vi"])
async def test_the_card_shows_the_uvci_as_document_no_and_no_id_number(issuers: Issuers, language: str) -> None:
    t = Texts(language)
    decision = issuers.hc1()
    assert decision.pass_ is not None
    app = PanelApp(language)
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(VerdictPanel)
        panel.show(Outcome(decision, None, card_of(decision.pass_), "camera"))
        await pilot.pause()
        lines = panel.plain.splitlines()
    assert f"{t('field.document_id')}: {UVCI}" in lines
    assert not [line for line in lines if line.startswith(t("field.id_number"))]  # no id-number line at all
    assert t("field.id_number") != t("field.document_id")


@pytest.mark.asyncio
async def test_the_card_of_a_cp1_pass_shows_both_apart(issuers: Issuers) -> None:
    t = Texts("vi")
    decision = issuers.cp1()
    assert decision.pass_ is not None
    app = PanelApp("vi")
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(VerdictPanel)
        panel.show(Outcome(decision, None, card_of(decision.pass_), "camera"))
        await pilot.pause()
        lines = panel.plain.splitlines()
    assert f"{t('field.id_number')}: ••••••••2345" in lines
    assert f"{t('field.document_id')}: {CP1_ID.hex()}" in lines
