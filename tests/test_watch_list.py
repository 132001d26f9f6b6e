"""The watch list (checkpoint.trust._watch, checkpoint.watch, checkpoint.watch_files): a listed id number turns
a verified pass into CHECK with the instruction, the list holds no id number in clear, and a watch list gets
the signed lists' guarantees (pinned root, growing versions, expiry, no rollback, stale flag)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.clock import FixedClock
from checkpoint.config import load_config
from checkpoint.decision import Display, Flag, Reason, Why
from checkpoint.errors import (
    ListExpiredError,
    ListFormatError,
    ListFromFutureError,
    ListRollbackError,
    ListSignatureError,
)
from checkpoint.model import Subject
from checkpoint.station import Station
from checkpoint.trust import (
    Instruction,
    WatchHashParams,
    WatchKind,
    build_watch_list,
    entry_key,
    keys,
    load_watch_list,
)
from checkpoint.trust._signed import sign_document
from checkpoint.trust._trustlist import KeyEntry
from checkpoint.watch import VN_TIME, apply_watch
from checkpoint.watch_files import VERSION_FILE, WATCH_FILE
from checkpoint.words import Texts
from tests import factories
from tests.factories import PERSON, T0, make_pass

NOW = T0 + timedelta(hours=2)
CHEAP = WatchHashParams(time_cost=1, memory_kib=64)  # the tests' cost; production is checkpoint.trust._watch
LISTED = PERSON.id_number or ""
OTHER = "079190001234"
SALT = bytes(range(16))


def watch_list(root: keys.PrivateKey, people: dict[str, Instruction], *, version: int = 1, issued: datetime = T0,
               valid_for: timedelta = timedelta(days=7), salt: bytes = SALT,
               params: WatchHashParams = CHEAP) -> bytes:
    from checkpoint.lookup_keys import normalise_id_number

    entries = [(entry_key(normalise_id_number(n), salt, params), i) for n, i in people.items()]
    return build_watch_list(entries, version=version, issued=issued, expires=issued + valid_for, salt=salt,
                            params=params, root=root)


CASE = Instruction(WatchKind.CASE)
QUARANTINE = Instruction(WatchKind.QUARANTINE, datetime(2021, 8, 7, tzinfo=VN_TIME))  # through 6 August


@pytest.fixture
def root() -> keys.PrivateKey:
    return factories.ed25519()


@pytest.fixture
def issuer() -> keys.PrivateKey:
    return factories.ed25519()


def station(tmp_path: Path, root: keys.PrivateKey, clock: FixedClock, issuer: keys.PrivateKey | None = None) -> Station:
    (tmp_path / "root.pub.pem").write_bytes(keys.public_pem(root.public_key()))
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n[trust]\nroot_keys = ["root.pub.pem"]\n'
                   '[rules]\nclock_skew_seconds = 300\n')
    st = Station(load_config(cfg), clock)
    st.reload_interval = 0
    st.watch.reload_interval = 0
    st.guard.check_interval = 0
    if issuer is not None and st.trust_list is None:
        st.install_trust_list(factories.trust_list(root, KeyEntry(issuer.public_key(), "VN-LCI"), issued=T0,
                                                   valid_for=timedelta(days=60)))
    return st


# -- the list: matching, privacy ------------------------------------------------------------------------
def test_a_listed_id_matches_in_any_form_an_officer_cannot_tell_apart(root: keys.PrivateKey) -> None:
    wl = load_watch_list(watch_list(root, {LISTED: CASE, OTHER: QUARANTINE}), [root.public_key()], NOW)
    assert len(wl) == 2
    for form in (LISTED, "001 085 012 345", "001-085-012-345", "００１０８５０１２３４５", "001085\u200b012345"):
        match = wl.match(form, NOW)
        assert match is not None and match.instruction == CASE and match.version == 1, form
    assert wl.match("001085012346", NOW) is None and wl.match("", NOW) is None and wl.match(None, NOW) is None
    assert wl.match(OTHER, NOW) is not None


def test_an_order_stops_matching_after_its_last_day(root: keys.PrivateKey) -> None:
    wl = load_watch_list(watch_list(root, {OTHER: QUARANTINE}), [root.public_key()], NOW)
    last_evening = datetime(2021, 8, 6, 23, 59, tzinfo=VN_TIME)
    assert wl.match(OTHER, last_evening) is not None
    assert wl.match(OTHER, last_evening + timedelta(minutes=1)) is None


def test_the_list_holds_no_id_number_nor_a_fast_hash_of_one(root: keys.PrivateKey) -> None:
    data = watch_list(root, {LISTED: CASE})
    for needle in (LISTED.encode(), LISTED.encode("utf-16-le"), hashlib.sha256(LISTED.encode()).digest()[:16],
                   hashlib.sha256(LISTED.encode()).digest()):
        assert needle not in data


def test_a_fresh_salt_gives_every_version_other_hashes(root: keys.PrivateKey) -> None:
    a = load_watch_list(watch_list(root, {LISTED: CASE}, salt=b"a" * 16), [root.public_key()], NOW)
    b = load_watch_list(watch_list(root, {LISTED: CASE}, salt=b"b" * 16), [root.public_key()], NOW)
    assert a.entries[:16] != b.entries[:16]  # a table of hashes made for one version is no use on the next
    assert a.match(LISTED, NOW) is not None and b.match(LISTED, NOW) is not None


def test_entries_are_in_hash_order_not_the_offices_order(root: keys.PrivateKey) -> None:
    people = {f"0010850{n:05d}": CASE for n in range(20)}
    wl = load_watch_list(watch_list(root, people), [root.public_key()], NOW)
    digests = [wl.entries[i * 18: i * 18 + 16] for i in range(len(wl))]
    assert digests == sorted(digests) and len(digests) == 20


# -- the signed list's guarantees ---------------------------------------------------------------------
def test_a_foreign_signed_list_is_refused(root: keys.PrivateKey) -> None:
    with pytest.raises(ListSignatureError):
        load_watch_list(watch_list(factories.ed25519(), {LISTED: CASE}), [root.public_key()], NOW)


def test_another_kind_of_list_is_not_a_watch_list(root: keys.PrivateKey) -> None:
    with pytest.raises(ListFormatError, match="not a 'cp1-watch-list'"):
        load_watch_list(factories.revocation_list(root, [bytes(16)]), [root.public_key()], NOW)


def test_a_list_asking_the_station_for_too_much_memory_is_refused(root: keys.PrivateKey) -> None:
    payload = {"type": "cp1-watch-list", "version": 1, "issued": int(T0.timestamp()),
               "expires": int((T0 + timedelta(days=7)).timestamp()),
               "hash": {"alg": "argon2id", "v": 19, "t": 3, "m": 4 * 1024 * 1024, "p": 1, "len": 16, "salt": SALT},
               "instructions": [{"kind": "case"}], "entries": b""}
    with pytest.raises(ListFormatError, match="out of range"):
        load_watch_list(sign_document(payload, root), [root.public_key()], NOW)


def test_an_entry_naming_a_missing_instruction_is_refused(root: keys.PrivateKey) -> None:
    payload = {"type": "cp1-watch-list", "version": 1, "issued": int(T0.timestamp()),
               "expires": int((T0 + timedelta(days=7)).timestamp()),
               "hash": {"alg": "argon2id", "v": 19, "t": 1, "m": 64, "p": 1, "len": 16, "salt": SALT},
               "instructions": [{"kind": "case"}], "entries": bytes(16) + b"\x00\x01"}
    with pytest.raises(ListFormatError, match="instruction"):
        load_watch_list(sign_document(payload, root), [root.public_key()], NOW)


def test_a_station_refuses_a_stale_rolled_back_foreign_or_future_list_and_keeps_the_one_in_force(
        tmp_path: Path, root: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW))
    v2 = watch_list(root, {LISTED: CASE}, version=2)
    assert st.install_watch_list(v2).version == 2
    with pytest.raises(ListRollbackError):
        st.install_watch_list(watch_list(root, {}, version=1))
    with pytest.raises(ListSignatureError):
        st.install_watch_list(watch_list(factories.ed25519(), {}, version=3))
    with pytest.raises(ListExpiredError):
        st.install_watch_list(watch_list(root, {}, version=3, issued=T0 - timedelta(days=30)))
    with pytest.raises(ListFromFutureError):
        st.install_watch_list(watch_list(root, {}, version=3, issued=NOW + timedelta(days=1)))
    assert st.watch.in_force is not None and st.watch.in_force.version == 2
    assert (st.trust_dir / WATCH_FILE).read_bytes() == v2
    assert st.install_watch_list(v2).version == 2  # the same list again: nothing changes


# -- applied in the decision ----------------------------------------------------------------------------
def test_a_listed_pass_is_check_with_the_instruction_and_the_crossing_names_the_list_not_the_id(
        tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW), issuer)
    unlisted = make_pass(issuer, subject=Subject("Trần Thị Bình", OTHER, "1990-01-01", "worker"))
    listed = make_pass(issuer)
    assert st.decide(listed)[0].display is Display.ACCEPT  # no watch list yet
    st.install_watch_list(watch_list(root, {LISTED: CASE}, version=4))
    d, _ = st.decide(listed)
    assert d.display is Display.CHECK and d.accepted and Flag.WATCH_LISTED in d.flags
    assert d.watch is not None and d.watch.why is Why.WATCH_CASE and d.watch["version"] == 4
    assert "watch-list:v4" in d.rules_applied and not any(LISTED in r for r in d.rules_applied)
    assert Texts("en").why(d.watch) == "Confirmed case (watch list v4): send to the medical desk"
    assert Texts("vi").why(d.watch) == "Ca bệnh đã xác nhận (danh sách theo dõi v4): chuyển bàn y tế"
    other, _ = st.decide(unlisted)
    assert other.display is Display.ACCEPT and other.watch is None and Flag.WATCH_LISTED not in other.flags


def test_a_quarantine_order_shows_its_last_day(tmp_path: Path, root: keys.PrivateKey,
                                               issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW), issuer)
    st.install_watch_list(watch_list(root, {LISTED: QUARANTINE}))
    d, _ = st.decide(make_pass(issuer))
    assert d.watch is not None and d.watch.why is Why.WATCH_QUARANTINE and d.watch["until"] == date(2021, 8, 6)
    assert Texts("vi").why(d.watch).startswith("Đang có lệnh cách ly đến hết ngày 06/08/2021")
    assert Texts("en").why(d.watch) == ("Quarantine order until the end of 2021-08-06 (watch list v1): "
                                        "refer to quarantine")


def test_a_refused_pass_of_a_listed_person_stays_reject_with_the_instruction(
        tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    st = station(tmp_path, root, FixedClock(NOW + timedelta(days=5)), issuer)
    st.install_watch_list(watch_list(root, {LISTED: CASE}, issued=NOW + timedelta(days=4)))
    d, _ = st.decide(make_pass(issuer))  # valid for 3 days from T0: expired
    assert d.reason is Reason.EXPIRED and d.display is Display.REJECT and d.watch is not None


def test_an_unsigned_or_forged_pass_is_never_looked_up(root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    from checkpoint.trust import TrustSource, TrustStore
    from checkpoint.verify import Verifier

    wl = load_watch_list(watch_list(root, {LISTED: CASE}), [root.public_key()], NOW)
    d = Verifier(TrustStore([], TrustSource("none"))).verify(make_pass(issuer), NOW)  # unknown key: no pass_
    assert apply_watch(d, wl, NOW) is d


def test_an_expired_watch_list_stays_in_force_stale_after_a_restart(tmp_path: Path, root: keys.PrivateKey,
                                                                    issuer: keys.PrivateKey) -> None:
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock, issuer)
    st.install_watch_list(watch_list(root, {LISTED: CASE}, valid_for=timedelta(days=1)))
    later = T0 + timedelta(days=2)
    clock.set(later)
    again = station(tmp_path, root, clock)
    pass_text = make_pass(issuer, at=later - timedelta(hours=1))
    d, _ = again.decide(pass_text)
    assert Flag.WATCH_LISTED in d.flags and Flag.LISTS_STALE in d.flags and d.display is Display.CHECK
    unlisted = make_pass(issuer, at=later - timedelta(hours=1), subject=Subject("B", OTHER, "1990-01-01", "worker"))
    assert Flag.LISTS_STALE in again.decide(unlisted)[0].flags  # an expired list in force flags every verdict


def test_an_older_copy_put_in_place_is_refused_after_a_restart(tmp_path: Path, root: keys.PrivateKey,
                                                               issuer: keys.PrivateKey) -> None:
    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock, issuer)
    v1 = watch_list(root, {LISTED: CASE}, version=1)
    st.install_watch_list(v1)
    st.install_watch_list(watch_list(root, {}, version=2))  # the person recovered: dropped from v2
    assert (st.trust_dir / VERSION_FILE).exists()
    (st.trust_dir / WATCH_FILE).write_bytes(v1)  # someone puts the old list back
    again = station(tmp_path, root, clock)
    assert again.watch.in_force is None and any("older than v2" in p.message for p in again.problems)
    d, _ = again.decide(make_pass(issuer))
    assert Flag.WATCH_LISTED not in d.flags and Flag.LISTS_STALE in d.flags  # missing: flagged until a current one


def test_a_list_installed_by_another_process_takes_effect_without_a_restart(
        tmp_path: Path, root: keys.PrivateKey, issuer: keys.PrivateKey) -> None:
    clock = FixedClock(NOW)
    running = station(tmp_path, root, clock, issuer)
    assert running.decide(make_pass(issuer))[0].display is Display.ACCEPT
    other = station(tmp_path, root, clock)  # `checkpoint trust install watch-list` in another process
    other.install_watch_list(watch_list(root, {LISTED: CASE}))
    assert running.decide(make_pass(issuer))[0].display is Display.CHECK


def test_the_list_stays_small_enough_to_hold(root: keys.PrivateKey) -> None:
    data = watch_list(root, {f"0010850{n:05d}": CASE for n in range(200)})
    assert len(data) < 200 * 18 + 400  # 18 bytes an entry: a list of 100,000 people is ~1.8 MB


def test_dates_are_vietnam_days() -> None:
    from checkpoint.watch import last_day

    assert last_day(datetime(2021, 8, 7, tzinfo=VN_TIME)) == date(2021, 8, 6)
    assert last_day(datetime(2021, 8, 6, 17, tzinfo=UTC)) == date(2021, 8, 6)  # 00:00 on the 7th in Hà Nội


def test_a_manual_entry_of_a_listed_id_number_shows_the_instruction(tmp_path: Path, root: keys.PrivateKey,
                                                                     issuer: keys.PrivateKey) -> None:
    from checkpoint.log import open_station_log
    from checkpoint.service import ManualForm, Post, StationService

    clock = FixedClock(NOW)
    st = station(tmp_path, root, clock, issuer)
    st.install_watch_list(watch_list(root, {LISTED: QUARANTINE}, version=5))
    service = StationService(st, open_station_log(st.config, clock, tmp_path / "data"))
    try:
        post = Post("CB01", "1", "in")
        listed = service.manual(ManualForm("Nguyễn Văn An", "001 085 012 345", "1985"), post, "manual")
        assert listed.decision.watch is not None and listed.decision.watch["version"] == 5
        assert listed.crossing is not None and "watch-list:v5" in listed.crossing.rules_applied
        other = service.manual(ManualForm("Lê B", OTHER, "1990"), post, "manual")
        assert other.decision.watch is None and Flag.WATCH_LISTED not in other.decision.flags
    finally:
        service.close()
