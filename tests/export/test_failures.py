"""A full disk, an unwritable place: a clear error, and no file (partial or temporary) left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checkpoint.export.atomic_file import ExportError, atomic_output

ROOT = Path(__file__).resolve().parents[2]

# Runs an export in a child whose files may not grow past 64 KiB (RLIMIT_FSIZE): the kernel then
# answers EFBIG the way a full drive answers ENOSPC, mid-file, after the export has begun.
CHILD = textwrap.dedent("""
    import resource, signal, sys
    from datetime import timedelta, timezone
    from pathlib import Path
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from checkpoint.clock import FixedClock
    from checkpoint.export import ExportError, ExportRequest, Format, export
    from checkpoint.export._source import rows_of
    from tests.export.crossing_rows import T0, crossings
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    out = Path(sys.argv[1])
    req = ExportRequest(out, Format(sys.argv[2]), timezone(timedelta(hours=7)), "UTC+07:00")
    try:
        export(rows_of(crossings(3000)), req, station_id="S", station_key=Ed25519PrivateKey.generate(),
               clock=FixedClock(T0))
    except ExportError as e:
        print(e)
        sys.exit(3)
    sys.exit(0)
""")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_file_size_limit_mid_export_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"log.{fmt}"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), fmt], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 3, proc.stderr
    assert "nothing was written" in proc.stdout and str(out) in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "usb").write_text("not a folder")
    with pytest.raises(ExportError, match=r"cannot write the file: .*usb is not a folder"), \
            atomic_output(tmp_path / "usb" / "log.csv") as (f, _):
        f.write(b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["usb"]


def test_a_folder_given_as_the_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a folder"), atomic_output(tmp_path):
        pass


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through folder permissions")
def test_unwritable_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    with pytest.raises(ExportError, match="no permission"), atomic_output(ro / "log.csv"):
        pass


def test_read_only_file_system_message() -> None:
    import errno

    from checkpoint.export.atomic_file import describe_os_error

    msg = describe_os_error(OSError(errno.EROFS, "Read-only file system"), Path("/media/usb/log.csv"))
    assert msg == ("/media/usb/log.csv: cannot write the file: the drive of /media/usb is read-only; choose another "
                   "drive (nothing was written)")
    assert "disk is full" in describe_os_error(OSError(errno.ENOSPC, "x"), Path("/a/b"))
    assert "no permission to write in /a;" in describe_os_error(OSError(errno.EACCES, "x"), Path("/a/b.csv"))
    assert "4 GB" in describe_os_error(OSError(errno.EFBIG, "x"), Path("/a/b.csv"))


def test_interrupt_removes_the_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    with pytest.raises(KeyboardInterrupt), atomic_output(out) as (f, tmp):
        f.write(b"half")
        assert tmp.exists()
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
