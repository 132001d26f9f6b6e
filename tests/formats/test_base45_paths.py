"""Base45's two decoders (NumPy for the station, plain Python for a one-shot command) agree byte for byte,
on good text and on every kind of bad text."""

from __future__ import annotations

import random

import pytest

from checkpoint.errors import MalformedPass
from checkpoint.formats import base45


def test_both_paths_decode_the_same() -> None:
    rng = random.Random(45)
    for n in [0, 1, 2, 3, 100, 301, 4000]:
        data = rng.randbytes(n)
        vals = base45.b45encode(data).encode().translate(base45._VALUES_BYTES)
        full = len(vals) - len(vals) % 3
        assert base45._triples_python(vals, full) == base45._triples_numpy(vals, full) == data[: full // 3 * 2]
        assert base45.b45decode(base45.b45encode(data)) == data


def test_both_paths_refuse_a_triple_out_of_range() -> None:
    vals = b"GGW".translate(base45._VALUES_BYTES)  # 16 + 16*45 + 32*2025 > 0xFFFF
    for decode in (base45._triples_python, base45._triples_numpy):
        with pytest.raises(MalformedPass, match="triple out of range"):
            decode(vals, 3)


def test_a_one_shot_command_does_not_import_numpy() -> None:
    import subprocess
    import sys

    code = ("import sys; from checkpoint.formats.base45 import b45decode, b45encode; "
            "assert b45decode(b45encode(b'hello checkpoint')) == b'hello checkpoint'; "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
