"""The log stays a storage module: no UI, camera or network imports; its row type stays JSON-able."""

from __future__ import annotations

import json
import subprocess
import sys

from checkpoint.log import CrossingLog
from tests.log.conftest import Passes, ctx

FORBIDDEN = ("textual", "cv2", "requests", "zxingcpp", "pyzbar", "fastapi", "uvicorn")


def test_log_imports_no_ui_camera_or_network() -> None:
    code = ("import sys\nimport checkpoint.log, checkpoint.log._settings, checkpoint.cli.log, "
            "checkpoint.cli.supervisor_key\n"
            f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_crossing_to_wire_round_trips_through_json(log: CrossingLog, passes: Passes) -> None:
    c = log.record(passes.decide(), ctx())
    wire = json.loads(json.dumps(c.to_wire()))
    assert wire["seq"] == 1 and wire["hash"] == c.hash and wire["personal_digest"] == c.personal_digest
    assert isinstance(wire["sealed"], str) and wire["flags"] == [] and wire["erased_at"] is None
