"""Print the server's OpenAPI document (``python -m sync.server.openapi > docs/sync-openapi.json``).

The running server publishes the same document at ``/openapi.json``; a test checks that the copy in
``docs/`` matches it, so client authors read what the code does.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.clock import SystemClock
from sync.server.app import create_app
from sync.server.lists import PublishedLists
from sync.server.storage import SQLiteStorage


def document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        storage = SQLiteStorage(Path(d) / "openapi.sqlite")
        try:
            return create_app(storage, PublishedLists(Path(d)), SystemClock(),
                              server_key=Ed25519PrivateKey.generate()).openapi()
        finally:
            storage.close()


if __name__ == "__main__":
    sys.stdout.write(json.dumps(document(), indent=2, sort_keys=True) + "\n")
