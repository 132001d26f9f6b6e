"""The server's reply-signing key: Ed25519, ``server.key`` in the data folder, readable by its user only.

Made on first start. Stations pin its public half at enrolment (``checkpoint enroll`` prints the
fingerprint, ``checkpoint server fingerprint`` shows it here): a reply not signed by it is not believed.
Losing it means every station must enrol again; keep it in the server's backup.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checkpoint.atomic import write_atomic
from checkpoint.errors import CheckpointError
from checkpoint.trust import keys
from sync.server.storage import private_folder

SERVER_KEY_FILE = "server.key"


def load_or_create_server_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / SERVER_KEY_FILE
    try:
        if not path.exists():
            private_folder(data_dir)
            key = Ed25519PrivateKey.generate()
            write_atomic(path, keys.private_pem(key), mode=0o600)
            return key
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read or create the server's signing key ({e.strerror})") from None
    loaded = keys.load_private_pem(data, str(path))
    if not isinstance(loaded, Ed25519PrivateKey):
        raise CheckpointError(f"{path}: the server's signing key must be Ed25519")
    return loaded
