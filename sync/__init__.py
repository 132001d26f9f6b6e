"""Sync: the station's log goes up to a central server, trust and revocation lists come down.

- ``sync.protocol``: the wire format both sides share (signed JSON bodies, replies, limits).
- ``sync.server``: the reference central server (FastAPI on uvicorn, SQLite storage).
- ``sync.client`` / ``sync.worker`` / ``sync.updates``: the station side (transport, the outbox round
  loop, list updates). ``sync.backoff`` is the pure retry schedule both use.

Nothing here is imported by the scanning path: the terminal app runs the worker in a thread.
"""
