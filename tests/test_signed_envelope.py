"""What every signed list shares (trust, revocation and watch lists, policy bundles): the header signed before
the list's own content, a rollback refused against the list in place, records found by bisection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import cbor2
import pytest

from checkpoint.errors import ListRollbackError
from checkpoint.formats import parse_sign1
from checkpoint.trust._records import find_record
from checkpoint.trust._signed import open_list, sign_list
from tests.factories import T0, ed25519

NOW = T0 + timedelta(hours=1)


@dataclass(frozen=True)
class InPlace:
    version: int
    raw: bytes


def test_a_list_is_signed_with_its_header_first_and_opened_with_it() -> None:
    root = ed25519()
    data = sign_list("cp1-test-list", {"ids": b"x"}, version=3, issued=T0, expires=T0 + timedelta(days=7), root=root)
    payload = cbor2.loads(parse_sign1(data).payload)
    assert list(payload) == ["type", "version", "issued", "expires", "ids"]
    opened = open_list(data, [root.public_key()], "cp1-test-list", NOW, what="test list", previous=InPlace(2, b""))
    assert (opened.version, opened.issued, opened.expires) == (3, T0, T0 + timedelta(days=7))
    assert opened.doc["ids"] == b"x"
    assert open_list(data, [root.public_key()], "cp1-test-list", NOW, what="test list",
                     previous=InPlace(3, data)).version == 3  # the same bytes again are fine
    with pytest.raises(ListRollbackError, match="test list version 3 is not newer than version 3 already in place"):
        open_list(data, [root.public_key()], "cp1-test-list", NOW, what="test list", previous=InPlace(3, b"other"))


def test_a_record_is_found_by_its_key_among_sorted_records() -> None:
    keys = [bytes([k, k]) for k in (1, 5, 9, 200)]
    blob = b"".join(k + bytes([i]) for i, k in enumerate(keys))  # 3-byte records: 2-byte key, 1-byte value
    assert [find_record(blob, k, 3, 0, len(keys)) for k in keys] == [0, 1, 2, 3]
    assert find_record(blob, b"\x05\x06", 3, 0, 4) == -1 and find_record(blob, b"\x00\x00", 3, 0, 4) == -1
    assert find_record(blob, b"\xff\xff", 3, 0, 4) == -1
    assert find_record(blob, b"\x09\x09", 3, 0, 2) == -1  # only within lo..hi (the revocation list's index)
    assert find_record(b"", b"\x01\x01", 3, 0, 0) == -1
