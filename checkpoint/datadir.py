"""The station's data folder: made when missing, refused with a clear message when it cannot be used."""

from __future__ import annotations

import os
from pathlib import Path

from checkpoint.errors import CheckpointError


def prepare_data_dir(path: Path) -> Path:
    """Make ``path`` (and its parents) if missing, mode 0700; a file in its place, a folder that cannot be
    made or one this user cannot write is a :class:`CheckpointError` that says which and what to do."""
    if path.exists() and not path.is_dir():
        raise CheckpointError(f"data folder {path} is a file, not a folder; choose another --data-dir or move the file")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise CheckpointError(
            f"cannot make the data folder {path} ({e.strerror}); choose another --data-dir or ask the "
            "administrator to create it for this user"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CheckpointError(f"data folder {path} is not writable by this user; fix its owner or choose another")
    return path
