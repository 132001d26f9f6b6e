"""Checkpoint QR scanning station.

The core (``checkpoint.formats``, ``checkpoint.trust``, ``checkpoint.verify``, ``checkpoint.rules``,
``checkpoint.decision``, ``checkpoint.clock``) is pure: bytes and a time in, a decision out. It imports
no UI, camera, network or storage code; ``tests/test_core_purity.py`` holds it to that.
"""

__version__ = "0.1.0"
