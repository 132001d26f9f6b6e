"""Pydantic models of the sync API, for the published OpenAPI document and the replies.

The station's signed bodies are read as raw bytes (the signature is over those exact bytes) and checked
by ``sync.server.validate``; these models describe them for API readers and client authors.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Signed(BaseModel):
    type: str = Field(description="what the body is: 'enroll', 'cursor', 'batch', 'alert', 'heartbeat', "
                                  "'disposition_cursor' or 'dispositions'")
    station_id: str = Field(description="the station's id, also in the X-Checkpoint-Station header")
    sent_at: str = Field(description="ISO-8601 UTC; must be within 5 minutes of the server's time")
    nonce: str = Field(description="32 hex digits, never reused: a replayed request is refused")


class EnrollRequest(Signed):
    token: str = Field(description="the one-time enrolment token from 'checkpoint server token'")
    public_key: str = Field(description="base64 of the station's raw 32-byte Ed25519 public key")


class CursorRequest(Signed):
    pass


class BatchRequest(Signed):
    first_seq: int = Field(description="the sequence number of the first crossing in the batch")
    last_seq: int = Field(description="the sequence number of the last crossing; the run is contiguous")
    crossings: list[dict[str, Any]] = Field(description="crossings as Crossing.to_wire() gives them, in seq order")


class DispositionsRequest(Signed):
    first_seq: int = Field(description="the sequence number of the first disposition in the upload")
    last_seq: int = Field(description="the sequence number of the last disposition; the run is contiguous")
    dispositions: list[dict[str, Any]] = Field(description="dispositions as DispositionRecord.to_wire() gives them "
                                                           "(seq, id, station_id, crossing_seq, crossing_id, "
                                                           "crossing_hash, code, officer_id, at, prev_hash, hash)")


class AlertRequest(Signed):
    kind: str = Field(description="'log_replaced' (the station's log is behind or different from its anchor or "
                                  "the server's cursor) or 'log_broken' (a chain break found by the station)")
    detail: str = Field(description="what the station found, for the supervisor (at most 512 characters)")


class ListState(BaseModel):
    kind: str = Field(description="'trust-list', 'revocation-list', 'policy-bundle' or 'watch-list' (the names of "
                                  "the /v1/lists/... endpoints)")
    version: int = Field(description="the version in force on the station")
    issued_at: str = Field(description="ISO-8601 UTC: when the list was issued (its age is counted from here)")
    expires_at: str = Field(description="ISO-8601 UTC: when it expires")


class NoticeAck(BaseModel):
    notice_id: str = Field(description="the policy notice's id (at most 64 characters)")
    policy_version: int = Field(description="the policy bundle's version that carried the notice")
    officer_id: str | None = Field(description="the officer who acknowledged it")
    acknowledged_at: str = Field(description="ISO-8601 UTC")


class HeartbeatRequest(Signed):
    software_version: str = Field(description="the station's checkpoint version (at most 64 characters)")
    lists: list[ListState] = Field(description="every list in force at the station, each kind at most once (at "
                                               "most four); a list not in force is left out. A server compares "
                                               "them with the versions it publishes")
    clock_offset_seconds: float = Field(description="the server's time minus the station's clock, as the station "
                                                    "measured it this round (at most ten years either way)")
    queue: int = Field(description="crossings recorded and not yet acknowledged by the server")
    disk_free_bytes: int | None = Field(description="free space where the station keeps its data; null: unknown")
    camera: str = Field(description="running, starting, stopped, failed, none (no camera) or unknown (headless "
                                    "'checkpoint sync')")
    last_scan_at: str | None = Field(description="ISO-8601 UTC of the last pass scanned; null: none or unknown")
    notice_acks: list[NoticeAck] | None = Field(
        default=None, description="optional: policy notices acknowledged by officers, sent until a heartbeat is "
        "recorded (at most 100); the server keeps the first acknowledgement of each notice per station")


class AlertReply(BaseModel):
    station_id: str
    recorded: bool
    nonce: str = Field(description="the request's nonce")


class AckReply(BaseModel):
    station_id: str = Field(description="the station this acknowledgement is for")
    acknowledged_seq: int = Field(description="the highest sequence such that the server holds 1..n")
    acknowledged_hash: str = Field(description="the hash of crossing n (64 zeros for 0): the station checks it "
                                               "against its own log before it moves its cursor")
    nonce: str = Field(description="the request's nonce: this acknowledgement answers that request only")
    stored: int = 0
    already_had: int = 0


class EnrollReply(BaseModel):
    station_id: str
    enrolled_at: str
    nonce: str = Field(description="the request's nonce")
    server_key: str = Field(description="base64 of the server's raw Ed25519 public key, which signs every reply; "
                                        "the station pins it")
    server_fingerprint: str = Field(description="SHA-256 of the server key, as 'checkpoint server fingerprint' "
                                                "prints it, for the operator to compare")
    acknowledged_seq: int = Field(description="what the server already holds from this station (a re-enrolment)")
    acknowledged_hash: str


class TimeReply(BaseModel):
    time: str = Field(description="the server's clock, ISO-8601 UTC")


class ErrorReply(BaseModel):
    error: str = Field(description="a stable code: bad_request, unknown_station, bad_signature, stale, replayed, "
                                   "revoked, gap, tampering, too_large, too_slow, enrolment_refused, rate_limited, "
                                   "busy, not_published")
    message: str = Field(description="what went wrong, for a person")
    expected_seq: int | None = Field(default=None, description="for 'gap': the next sequence the server expects")
    seq: int | None = Field(default=None, description="for 'tampering': the sequence that differs")
    server_time: str | None = Field(default=None, description="for 'stale': the server's clock")
