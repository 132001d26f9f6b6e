"""Reading a file that must be small: one reader, and a named cap for each kind of file.

A station reads keys, lists and settings that a person (or an attacker with access to a folder) put in
place. None of them may make it read without bound: the size is checked before reading, and the read
itself stops one byte past the cap, so a file that grows meanwhile, or a device or pipe that reports no
size (``/dev/zero``, ``<(...)``), is refused rather than read into memory.

Every failure is one exception with a message that names the file and says what it should have been.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from checkpoint.errors import CheckpointError

KIB = 1024
MIB = 1024 * KIB

# The caps, by kind of file. Each is far above a real file of its kind and far below a memory problem.
CONFIG_FILE = 1 * MIB  # the station's TOML config
SEAL_KEY_FILE = 64 * KIB  # the supervisor's X25519 public key ([log] seal_to): one PEM block
ISSUER_KEY_FILE = 1 * MIB  # an issuer key or certificate in a key folder ([trust] key_folder)
JWKS_FILE = 1 * MIB  # SMART Health Card issuers and their key sets ([trust] shc_issuers)
OFFICERS_FILE = 4 * MIB  # the officers file (a few thousand officers)
EU_RULES_FILE = 16 * MIB  # EU business rules and value sets ([health_certificates])
STATION_FILE = 64 * MIB  # signed lists, root keys, station and supervisor keys (a 1M-pass list is ~16 MiB)


def describe_size(n: int) -> str:
    """``64 MiB``, ``64 KiB`` or ``4096 bytes``: a cap as people read it."""
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    if n >= KIB and n % KIB == 0:
        return f"{n // KIB} KiB"
    return f"{n} bytes"


def read_capped(path: Path, cap: int, what: str, *, error: Callable[[str], Exception] | None = None) -> bytes:
    """The bytes of ``path`` (``what`` names it for people: "trust list", "config"), at most ``cap`` of them.

    A missing, unreadable or larger file raises ``error(message)``; the message says what is wrong and, with
    the default error (a :class:`CheckpointError`), starts with the path. Callers that raise their own
    type (``ConfigError`` adds the path itself, ``KeyLoadError``) pass ``error``.
    """
    raise_ = error if error is not None else (lambda m: CheckpointError(f"{path}: {m}"))
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > cap:
                data = b""
                too_large = True
            else:
                data = f.read(cap + 1)
                too_large = len(data) > cap
    except FileNotFoundError:
        raise raise_(f"the {what} file does not exist") from None
    except OSError as e:
        raise raise_(f"cannot read the {what} file ({e.strerror or e})") from None
    if too_large:
        raise raise_(f"the {what} file is larger than {describe_size(cap)}")
    return data
