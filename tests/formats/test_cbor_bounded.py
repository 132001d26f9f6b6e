"""The bounded CBOR decoder (checkpoint/formats/_cbor.py): each cap refuses while decoding, what a pass
needs still decodes, and cbor2's own tag handling is pinned so a new cbor2 cannot slip a costly tag in."""

from __future__ import annotations

import cbor2
import pytest

from checkpoint.errors import MalformedPass
from checkpoint.formats._cbor import LIST, PASS, REFUSED_TAGS, loads_strict
from tests.hostile import CYCLE, bignum, cmap, dag, enc, head, tstr


def refused(data: bytes, match: str) -> None:
    with pytest.raises(MalformedPass, match=match):
        loads_strict(data, "test")


def test_ordinary_values_decode() -> None:
    value = {1: "VN-LCI", -65537: {"v": 1, "b": b"\x00" * 16, "f": 1.5, "t": True, "n": None},
             "d": cbor2.CBORTag(64, b"ab"), "big": 2**100, "neg": -(2**64)}
    assert loads_strict(enc(value), "test") == value


def test_shared_references_are_refused_before_anything_is_built() -> None:
    refused(dag(24), "shared references")
    refused(CYCLE, "shared references")


def test_depth_items_container_text_and_bignum_caps() -> None:
    refused(b"\x81" * (PASS.max_depth + 1) + b"\x01", "nested deeper")
    assert loads_strict(b"\x81" * PASS.max_depth + b"\x01", "test") is not None
    refused(head(4, PASS.max_container + 1) + b"\xf6" * (PASS.max_container + 1), "more than 512 entries")
    many = head(4, 300) + (head(4, 300) + b"\x00" * 300) * 300  # 90,300 items in 300-entry arrays
    refused(many, "more than 4096 items")
    refused(tstr("A" * (PASS.max_text + 1)), "text string longer")
    assert loads_strict(tstr("A" * PASS.max_text), "test") == "A" * PASS.max_text
    refused(bignum(17), "larger than 128 bits")
    refused(b"\xc5\x82" + head(0, 2**62) + b"\x01", "tag 5")  # a bigfloat of 2**(2**62)


def test_duplicate_keys_are_refused_even_when_written_differently() -> None:
    refused(cmap((enc(1), enc(2)), (enc(1), enc(3))), "a map key appears twice")
    refused(cmap((enc(1), enc(2)), (b"\x18\x01", enc(3))), "a map key appears twice")  # 1 written in 2 bytes
    refused(enc({"a": 1}).replace(b"\xa1", b"\xa2", 1) + tstr("a") + enc(2), "a map key appears twice")


def test_odd_shapes_are_refused() -> None:
    refused(cmap((enc([1, 2]), enc(1))), "map key that is not")  # keys a tuple hash flood could use
    refused(cmap((enc(1.5), enc(1))), "map key that is not")
    refused(b"\x5f\x41\x00\xff", "indefinite")
    refused(b"\xf8\x20", "simple value")
    refused(enc(1) + b"\x00", "bytes after")
    refused(b"\x82\x01", "ends inside")
    refused(b"\x5a\xff\xff\xff\xff", "ends inside a string")


def test_lists_get_larger_caps() -> None:
    big = enc({"keys": [{"key": b"\x00" * 91} for _ in range(2000)]})
    with pytest.raises(MalformedPass):
        loads_strict(big, "test")
    assert len(loads_strict(big, "list", LIST)["keys"]) == 2000


def test_every_tag_cbor2_interprets_is_refused_or_bounded() -> None:
    """If cbor2 starts turning another tag into an object, this fails: decide then whether to refuse it."""
    interpreted = set()
    for tag in [*range(0, 1100), 55799, 55800]:
        for content in (b"abcd", 1, "2020-01-01T00:00:00Z", [1, 2]):
            try:
                out = cbor2.loads(cbor2.dumps(cbor2.CBORTag(tag, content)))
            except Exception:
                interpreted.add(tag)
                break
            if not (isinstance(out, cbor2.CBORTag) and out.tag == tag):
                interpreted.add(tag)
                break
    assert interpreted <= REFUSED_TAGS | {0, 1, 2, 3}, sorted(interpreted - REFUSED_TAGS - {0, 1, 2, 3})


def test_signed_lists_are_decoded_within_bounds_too() -> None:
    """A list signed by the pinned root is still refused when its content is a shared-reference DAG,
    and an envelope with a duplicate protected-header label is not a signed list at all."""
    from checkpoint.errors import ListFormatError, ListNotSignedError
    from checkpoint.model import Alg
    from checkpoint.trust import keys
    from checkpoint.trust._signed import open_document
    from tests.hostile import NOW, bstr, sign1

    root = keys.generate(Alg.EDDSA)
    kid = keys.kid_of(root.public_key())
    protected = cmap((enc(1), enc(-8)), (enc(4), bstr(kid)))
    dag_list = cmap((tstr("type"), tstr("cp1-trust-list")), (tstr("keys"), dag(24)))
    with pytest.raises(ListFormatError, match="shared references"):
        open_document(sign1(protected, dag_list, root), [root.public_key()], "cp1-trust-list", NOW, what="trust list")
    dup = cmap((enc(1), enc(-8)), (enc(4), bstr(kid)), (enc(1), enc(-7)))
    with pytest.raises(ListNotSignedError):
        open_document(sign1(dup, enc({"type": "cp1-trust-list"}), root), [root.public_key()], "cp1-trust-list", NOW,
                      what="trust list")
