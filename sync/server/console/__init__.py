"""The provincial web console, served by the central server under ``/console`` (docs/console.md).

Server-rendered HTML (Jinja2, autoescaped), one local style sheet and no script: it works on a LAN with no
internet. ``mount_console(app, storage, clock, key)`` adds its routes to the server's app when the storage is
one of the two real backends (its own tables live in the same database; ``sync.server.console.db``).
"""

from __future__ import annotations

from pathlib import Path

from sync.server.storage import Storage

PREFIX = "/console"


def database_of(storage: Storage) -> str | Path | None:
    """The database the server's storage uses (the SQLite file, or the PostgreSQL URL), for the console's own
    connection; None for any other storage (a test's stand-in): then there is no console."""
    from sync.server.storage import SQLiteStorage

    if isinstance(storage, SQLiteStorage):
        return storage.path
    url = getattr(storage, "url", None)
    return url if isinstance(url, str) and url.startswith(("postgresql://", "postgres://")) else None
