"""The core imports no UI, camera or network code: it is tested with bytes and a clock alone."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "checkpoint.verify", "checkpoint.rules", "checkpoint.decision", "checkpoint.clock", "checkpoint.model",
    "checkpoint.formats.cp1", "checkpoint.trust._trustlist", "checkpoint.trust._revocation", "checkpoint.issuer",
    "checkpoint.formats.hc1", "checkpoint.formats._dcc", "checkpoint.formats.shc", "checkpoint.formats.shc_chunks",
    "checkpoint.formats._shc_fhir", "checkpoint.formats.nzcp", "checkpoint.hc_rules", "checkpoint.trust._certs",
    "checkpoint.trust._jwks", "checkpoint.trust._did", "checkpoint.certlogic", "checkpoint.eu_rules",
    "checkpoint.trust._state",
    "checkpoint.lookup_keys", "checkpoint.formats.cccd",
]
FORBIDDEN = ["textual", "cv2", "requests", "zxingcpp", "pyzbar", "fastapi", "uvicorn", "sqlite3", "serial"]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return set(filter(None, out.split(",")))


def test_core_imports_no_ui_camera_network_or_storage() -> None:
    assert _loaded_after_import(CORE) == set()


def test_the_check_can_fail() -> None:
    """The probe sees a forbidden import when there is one (so the test above means something)."""
    assert "sqlite3" in _loaded_after_import(["sqlite3"])


def test_verify_command_does_not_load_opencv_or_textual() -> None:
    code = (
        "import sys\nfrom checkpoint.cli import build_parser\nbuild_parser()\n"
        "import checkpoint.cli.verify, checkpoint.cli.common, checkpoint.station\n"
        "print(','.join(m for m in ('cv2', 'textual', 'zxingcpp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_building_the_command_line_loads_no_numpy_opencv_or_textual() -> None:
    """``checkpoint --help`` and reading the config stay light: NumPy comes with the first decode."""
    code = (
        "import sys\nimport checkpoint.config\nfrom checkpoint.cli import build_parser\nbuild_parser()\n"
        "print(','.join(m for m in ('numpy', 'cv2', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
