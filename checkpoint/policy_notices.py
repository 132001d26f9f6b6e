"""Policy notices acknowledged at this station (docs/policy.md): which notice each officer has read, kept in
``DATA_DIR/trust/notices-acknowledged.json`` so a notice is shown once per station, and sent to the central
server (in the sync heartbeat) until a heartbeat carrying it is recorded.

The acknowledgement itself is recorded first in the crossing log's hash-chained action table
(``policy_notice_ack``, by the app); this file is the station's working state (what to show, what to send).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from checkpoint.atomic import write_atomic
from checkpoint.capped import STATION_FILE, read_capped
from checkpoint.errors import CheckpointError
from checkpoint.isotime import iso_z
from checkpoint.policy import Notice, PolicyBundle

log = logging.getLogger(__name__)
ACKS_FILE = "notices-acknowledged.json"
MAX_KEPT = 500  # acknowledgements kept (the oldest sent ones go first)
MAX_SENT_AT_ONCE = 100  # = sync.server.health.MAX_ACKS


class NoticeBook:
    def __init__(self, folder: Path) -> None:
        self.path = folder / ACKS_FILE
        self._lock = threading.Lock()
        self._acks: list[dict[str, Any]] = self._read()

    def _read(self) -> list[dict[str, Any]]:
        try:
            doc = json.loads(read_capped(self.path, STATION_FILE, "notice acknowledgements"))
        except CheckpointError:
            return []
        except ValueError:
            log.warning("%s is unreadable: notices will be shown again", self.path)
            return []
        acks = doc.get("acks") if isinstance(doc, dict) else None
        return [a for a in acks if isinstance(a, dict) and isinstance(a.get("notice_id"), str)] \
            if isinstance(acks, list) else []

    def _write(self) -> None:
        try:
            write_atomic(self.path, json.dumps({"acks": self._acks}, ensure_ascii=False).encode(), mode=0o600)
        except OSError as e:
            log.warning("cannot write %s (%s)", self.path, e.strerror)

    def acknowledged(self, notice_id: str) -> bool:
        with self._lock:
            return any(a["notice_id"] == notice_id for a in self._acks)

    def pending(self, bundle: PolicyBundle | None, now: datetime) -> tuple[Notice, ...]:
        """The notices in force at ``now`` that no officer here has acknowledged yet (most severe first)."""
        if bundle is None:
            return ()
        order = {"urgent": 0, "warning": 1, "info": 2}
        return tuple(sorted((n for n in bundle.active_notices(now) if not self.acknowledged(n.id)),
                            key=lambda n: (order.get(n.severity, 3), n.valid_from)))

    def acknowledge(self, notice: Notice, policy_version: int, officer_id: str | None, at: datetime) -> None:
        with self._lock:
            if any(a["notice_id"] == notice.id for a in self._acks):
                return
            self._acks.append({"notice_id": notice.id, "policy_version": policy_version, "officer_id": officer_id,
                               "acknowledged_at": iso_z(at), "sent": False})
            sent = [a for a in self._acks if a.get("sent")]
            if len(self._acks) > MAX_KEPT and sent:
                self._acks.remove(sent[0])
            self._write()

    def unsent(self) -> list[dict[str, Any]]:
        """What the next heartbeat carries (the wire form: no local bookkeeping)."""
        with self._lock:
            return [{k: a[k] for k in ("notice_id", "policy_version", "officer_id", "acknowledged_at")}
                    for a in self._acks if not a.get("sent")][:MAX_SENT_AT_ONCE]

    def mark_sent(self, notice_ids: Iterable[str]) -> None:
        ids = set(notice_ids)
        with self._lock:
            changed = False
            for a in self._acks:
                if a["notice_id"] in ids and not a.get("sent"):
                    a["sent"] = True
                    changed = True
            if changed:
                self._write()
