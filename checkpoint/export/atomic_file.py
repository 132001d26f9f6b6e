"""Write an export under a temporary name and rename it into place only once it is complete.

A supervisor handing a file to the steering committee must never hand over half a file: a full disk,
a USB stick pulled out, a permission error or Ctrl-C leaves no file at the final name and no
temporary file behind, and the error says what happened and what to do. The file is created 0600
(owner only) from its first byte: an export may hold personal data.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from checkpoint.atomic import fsync_directory
from checkpoint.errors import CheckpointError

#: Exports (and the server's exports) are created readable by their owner only; see docs/export.md.
FILE_MODE = 0o600


class ExportError(CheckpointError):
    """An export or report could not be written, or an export does not verify."""


def describe_os_error(e: OSError, path: Path) -> str:
    """``FILE: cannot write the file: why; what to do (nothing was written)`` — for a supervisor."""
    folder = path.parent
    why, todo = {
        errno.ENOSPC: ("the disk is full", "free some space or write to another drive"),
        errno.EFBIG: ("the file grew past what this drive allows (a FAT32 USB stick holds at most 4 GB per file)",
                      "export a shorter period or use another drive"),
        errno.EACCES: (f"no permission to write in {folder}", "choose another folder"),
        errno.EPERM: (f"no permission to write in {folder}", "choose another folder"),
        errno.EROFS: (f"the drive of {folder} is read-only", "choose another drive"),
        errno.ENOENT: (f"the folder {folder} does not exist", "create it or choose another"),
        errno.ENOTDIR: (f"{folder} is not a folder", "choose another folder"),
    }.get(e.errno or 0, (e.strerror or str(e), "check the drive and try again"))
    return f"{path}: cannot write the file: {why}; {todo} (nothing was written)"


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


@contextlib.contextmanager
def atomic_output(path: Path, *, overwrite: bool = False) -> Iterator[tuple[IO[bytes], Path]]:
    """Yield ``(file, temp_path)``; on a clean exit the file is synced and renamed to ``path``.

    On any error (or interruption) the temporary file is removed and an ``OSError`` becomes an
    :class:`ExportError` with a message for a person.
    """
    if path.is_dir():
        raise ExportError(f"{path}: is a folder; give a file name")
    if path.exists() and not overwrite:
        raise ExportError(f"{path}: already exists; choose another name or allow overwriting")
    tmp = temp_name(path)
    try:
        try:
            f = _create_private(tmp)
        except FileExistsError:
            tmp.unlink()
            f = _create_private(tmp)
        with f:
            yield f, tmp
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise ExportError(describe_os_error(e, path)) from None
    except BaseException:
        _remove(tmp)
        raise
    fsync_directory(path.parent)


def _create_private(path: Path) -> IO[bytes]:
    """A new file readable and writable by its owner only (0600): exports may hold personal data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    return os.fdopen(fd, "wb")


def _remove(p: Path) -> None:
    with contextlib.suppress(OSError):
        p.unlink()
