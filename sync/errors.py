"""Why a sync round stopped. Each is a ``CheckpointError`` whose message a supervisor can act on::

    SyncError                   sync could not finish this round
    ├── Unreachable             no usable answer (no link, timeout, 5xx, 429, garbled reply): retry later
    │   └── Unauthenticated     a reply not signed by the pinned server key (a fake server?): not believed
    ├── Refused                 the server will not accept this station (not enrolled, revoked, bad
    │                           signature, enrolment token refused): a person must act; retrying slowly
    ├── TamperDetected          the server holds a different crossing under the same sequence number
    └── NotEnrolled             this station has no enrolment yet (run ``checkpoint enroll``)

``SeqGap`` is internal: the round re-reads the server's cursor and carries on.
"""

from __future__ import annotations

from checkpoint.errors import CheckpointError


class SyncError(CheckpointError):
    pass


class Unreachable(SyncError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthenticated(Unreachable):
    pass


class Refused(SyncError):
    pass


class TamperDetected(SyncError):
    pass


class NotEnrolled(SyncError):
    pass


class SeqGap(SyncError):
    def __init__(self, expected_seq: int) -> None:
        super().__init__(f"the server expects sequence {expected_seq} next")
        self.expected_seq = expected_seq
