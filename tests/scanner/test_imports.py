"""Importing the scanner package stays light: OpenCV, zxing-cpp, pyzbar and pyserial load only when used
(``checkpoint verify --image`` imports the package; ``checkpoint verify`` alone never does)."""

from __future__ import annotations

import subprocess
import sys


def test_import_scanner_loads_no_decoder_camera_or_serial_library() -> None:
    code = ("import sys, scanner\n"
            "print(','.join(m for m in ('cv2', 'zxingcpp', 'pyzbar', 'serial') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
