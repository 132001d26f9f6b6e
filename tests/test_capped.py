"""One capped reader (checkpoint.capped.read_capped) for every small file the station reads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from checkpoint.capped import CONFIG_FILE, describe_size, read_capped
from checkpoint.config import load_config
from checkpoint.errors import CheckpointError, ConfigError, KeyLoadError


def test_reads_up_to_the_cap_and_refuses_one_byte_more(tmp_path: Path) -> None:
    f = tmp_path / "list.cose"
    f.write_bytes(b"x" * 100)
    assert read_capped(f, 100, "trust list") == b"x" * 100
    with pytest.raises(CheckpointError) as e:
        read_capped(f, 99, "trust list")
    assert str(e.value) == f"{f}: the trust list file is larger than 99 bytes"


def test_missing_and_unreadable_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"root\.pem: the root key file does not exist"):
        read_capped(tmp_path / "root.pem", 10, "root key")
    with pytest.raises(CheckpointError, match=r"cannot read the root key file \(Is a directory\)"):
        read_capped(tmp_path, 10, "root key")


def test_a_caller_keeps_its_own_error_type(tmp_path: Path) -> None:
    with pytest.raises(KeyLoadError, match="does not exist"):
        read_capped(tmp_path / "k.pem", 10, "key", error=KeyLoadError)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "station.toml")
    assert e.value.path == str(tmp_path / "station.toml") and "config file does not exist" in str(e.value)


def test_sizes_read_as_people_say_them() -> None:
    assert [describe_size(n) for n in (CONFIG_FILE, 64 * 1024, 4096, 100)] == ["1 MiB", "64 KiB", "4 KiB", "100 bytes"]


@contextmanager
def pipe_path(data: bytes) -> Iterator[Path]:
    """A path to a pipe that serves ``data``: it has no size to check before reading (like ``<(cat file)``)."""
    r, w = os.pipe()

    def feed() -> None:
        try:
            for i in range(0, len(data), 65536):
                os.write(w, data[i : i + 65536])
        except BrokenPipeError:
            pass  # the reader stopped at the cap: what is tested
        finally:
            os.close(w)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield Path(f"/dev/fd/{r}")
    finally:
        os.close(r)
        writer.join(5)


def test_a_source_without_a_size_is_still_capped() -> None:
    """Before the merge, most readers checked ``stat().st_size`` and then read everything: a pipe (or a
    device such as /dev/zero) reports size 0 and was read whole, however large."""
    with pipe_path(b"x" * 300_000) as p, pytest.raises(CheckpointError, match="larger than 64 KiB"):
        read_capped(p, 64 * 1024, "supervisor key")
    with pytest.raises(CheckpointError, match="larger than 4 KiB"):
        read_capped(Path("/dev/zero"), 4096, "root key")


def test_a_config_on_a_pipe_past_the_cap_is_refused() -> None:
    big = b"# comment\n" * (CONFIG_FILE // 10 + 10) + b'[station]\nid = "HN-01"\n'
    with pipe_path(big) as p, pytest.raises(ConfigError, match="larger than 1 MiB"):
        load_config(p)
