"""The demo world: a root, issuers, signed lists, and a batch of passes with known outcomes.

Everything is made fresh (new keys each run) and written to a data folder the demo station uses,
so the demo runs the same code a deployed station runs: signed trust list, revocation list,
config, verifier, and (where the caller renders them) QR images through the real decoders.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.config import StationConfig, parse_config
from checkpoint.issuer import PassRequest, sign_pass
from checkpoint.model import Alg, Health, Subject, TestResult
from checkpoint.trust import KeyEntry, build_revocation_list, build_trust_list, keys


@dataclass(frozen=True)
class DemoPass:
    label: str  # what the demo shows it as (English; the UI translates by ``key``)
    key: str  # a stable name for the case
    text: str
    expected: str  # "accept" or a reason code
    duplicate_of: str | None = None


@dataclass(frozen=True)
class DemoWorld:
    config: StationConfig
    data_dir: Path
    passes: tuple[DemoPass, ...]
    now: datetime


PEOPLE = (
    Subject("Nguyễn Văn An", "001085012345", "1985-03-02", "worker", "29A-123.45", "Hà Nội", "Bắc Ninh",
            "đi làm"),
    Subject("Trần Thị Bích Ngọc", "094190000321", "1990-11-20", "freight", "83C-123.45", "Sóc Trăng",
            "TP. Hồ Chí Minh", "chở hàng thiết yếu"),
    Subject("Lê Hoàng Phúc", "079201004567", "2001-06-15", "resident", None, "Quận 7", "Quận 1"),
    Subject("Phạm Minh Châu", "038172009876", "1972-01-08", "official", "80B-555.01", "Thanh Hóa", "Hà Nội",
            "công tác"),
    Subject("Đặng Thu Hương", "001300001122", "2000-09-30", "medical", None, "Gia Lâm", "Bệnh viện Bạch Mai",
            "trực bệnh viện"),
    Subject("Võ Quốc Khánh", "052088004433", "1988-04-12", "transit", "77C-246.80", "Bình Định", "Lào Cai",
            "quá cảnh"),
    Subject("Bùi Thị Lan", "026195007788", "1995-12-01", "resident", None, "Vĩnh Yên", "Phúc Yên"),
    Subject("Huỳnh Tấn Phát", "080099001234", "1999", "worker", "62H-111.22", "Long An", "Bình Dương"),
)


def _flip_signature_bit(text: str) -> str:
    """The same pass with one bit of its signature flipped: what an altered pass looks like."""
    import zlib

    import cbor2

    from checkpoint.formats import base45, cp1, maybe_inflate

    tagged = cbor2.loads(maybe_inflate(base45.b45decode(text[len(cp1.PREFIX) :])))
    protected, unprotected, payload, signature = tagged.value
    signature = bytes([signature[0] ^ 1]) + signature[1:]
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))
    return cp1.PREFIX + base45.b45encode(zlib.compress(cose, 9))


def make_world(data_dir: Path, now: datetime) -> DemoWorld:
    """Write the demo's keys, lists and config into ``data_dir``; return the passes to show."""
    trust_dir = data_dir / "demo-keys"
    root = keys.generate(Alg.EDDSA)
    lci = keys.generate(Alg.EDDSA)  # Lào Cai province portal
    hni = keys.generate(Alg.ES256)  # Hà Nội portal
    stranger = keys.generate(Alg.EDDSA)  # a forger's key, not on the trust list
    old = keys.generate(Alg.EDDSA)  # a retired, revoked key
    write_atomic(trust_dir / "root.pub.pem", keys.public_pem(root.public_key()))
    tl = build_trust_list(
        [KeyEntry(lci.public_key(), "VN-LCI"), KeyEntry(hni.public_key(), "VN-HNI"),
         KeyEntry(old.public_key(), "VN-LCI", revoked_at=now - timedelta(days=10))],
        version=1, issued=now - timedelta(hours=2), expires=now + timedelta(days=30), root=root,
    )
    write_atomic(trust_dir / "trust-list.cose", tl)

    issued: list[str] = []

    def issue(p: Subject, key: keys.PrivateKey, iss: str, *, age: timedelta = timedelta(hours=5),
              health: Health | None = None, pid: bytes | None = None) -> str:
        # Pass ids from the demo's time and order: the card shows them, and screens of one moment
        # come out the same (snapshot tests); another run at another time gets other ids.
        pid = pid or hashlib.sha256(f"demo pass {now.isoformat()} {len(issued)}".encode()).digest()[:16]
        req = PassRequest(p, iss, now - age, health or Health(symptoms=False), pass_id=pid)
        issued.append(sign_pass(req, key))
        return issued[-1]

    revoked_id = os.urandom(16)
    rl = build_revocation_list([revoked_id, *(os.urandom(16) for _ in range(50))], version=1,
                               issued=now - timedelta(hours=1), expires=now + timedelta(days=7), root=root)
    write_atomic(trust_dir / "revocation-list.cose", rl)

    valid = issue(PEOPLE[0], lci, "VN-LCI")
    forged_body = issue(PEOPLE[3], hni, "VN-HNI")
    tampered = _flip_signature_bit(forged_body)
    pcr = TestResult("PCR", now - timedelta(hours=20), "negative")
    passes = (
        DemoPass("valid pass (Ed25519 issuer)", "valid", valid, "accept"),
        DemoPass("valid pass, freight with PCR test (ES256 issuer)", "valid_freight",
                 issue(PEOPLE[1], hni, "VN-HNI", health=Health(False, pcr, 2)), "accept"),
        DemoPass("expired pass (issued 4 days ago)", "expired",
                 issue(PEOPLE[2], lci, "VN-LCI", age=timedelta(days=4)), "EXPIRED"),
        DemoPass("forged pass (signed by an unknown key)", "forged",
                 issue(PEOPLE[3], stranger, "VN-HNI"), "UNKNOWN_KEY"),
        DemoPass("altered pass (signature broken)", "tampered", tampered, "BAD_SIGNATURE"),
        DemoPass("revoked pass", "revoked", issue(PEOPLE[4], lci, "VN-LCI", pid=revoked_id), "PASS_REVOKED"),
        DemoPass("category not admitted here (transit)", "category", issue(PEOPLE[5], hni, "VN-HNI"),
                 "RULE_FAILED"),
        DemoPass("symptoms declared", "symptoms",
                 issue(PEOPLE[6], lci, "VN-LCI", health=Health(symptoms=True)), "RULE_FAILED"),
        DemoPass("pass signed with a revoked issuer key", "key_revoked", issue(PEOPLE[7], old, "VN-LCI"),
                 "KEY_REVOKED"),
        DemoPass("not a pass (a web address)", "url", "https://example.org/khai-bao-y-te", "UNKNOWN_FORMAT"),
        DemoPass("the first pass shown again (screenshot shared)", "duplicate", valid, "accept", "valid"),
    )
    config = parse_config(
        {
            "station": {"id": "DEMO-LCI-01", "name": "Chốt kiểm soát Km 12 (demo)", "language": "vi",
                        "data_dir": str(data_dir)},
            "trust": {"root_keys": [str(trust_dir / "root.pub.pem")],
                      "trust_list": str(trust_dir / "trust-list.cose"),
                      "revocation_list": str(trust_dir / "revocation-list.cose")},
            "rules": {"categories": ["resident", "worker", "freight", "official", "medical", "emergency"]},
        }
    )
    return DemoWorld(config, data_dir, passes, now)
