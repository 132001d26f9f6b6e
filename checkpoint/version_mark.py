"""The highest version of a signed list that was in force here, kept across restarts.

A list file replaced by an older copy while the station was off (or deleted) must not bring back what
a newer list took away; the station remembers the highest version it had in force in a small JSON file
beside the list (``{"version": N}``, owner-only) and refuses an older one at start. One mark per list:
the watch list (``checkpoint.watch_files``) and the policy bundle (``checkpoint.policy_station``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from checkpoint.atomic import write_atomic
from checkpoint.capped import STATION_FILE, read_capped
from checkpoint.errors import CheckpointError

log = logging.getLogger(__name__)


class VersionMark:
    """``seen``: the highest version in force here (0: none yet, or the mark could not be read)."""

    def __init__(self, path: Path, what: str, report: Callable[[str, str], None]) -> None:
        self.path = path
        self.what = what
        self.seen = self._read(report)

    def _read(self, report: Callable[[str, str], None]) -> int:
        try:
            doc = json.loads(read_capped(self.path, STATION_FILE, f"{self.what} version"))
        except CheckpointError:
            return 0  # absent: nothing was in force here yet
        except ValueError:
            report(self.what, f"{self.path} is unreadable; rollback of the installed {self.what} across a restart "
                   "is not checked until the next install")
            return 0
        version = doc.get("version") if isinstance(doc, dict) else None
        return version if isinstance(version, int) and not isinstance(version, bool) else 0

    def remember(self, version: int) -> None:
        """Raise the mark to ``version`` (never lowers it); a mark that cannot be written is logged."""
        if version <= self.seen:
            return
        self.seen = version
        try:
            write_atomic(self.path, json.dumps({"version": version}).encode(), mode=0o600)
        except OSError as e:
            log.warning("cannot write %s (%s)", self.path, e.strerror)
