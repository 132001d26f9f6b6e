"""A refusal carries the log's error code as a value, for every screen to translate (issue 17 item 3)."""

from __future__ import annotations

import pytest

from checkpoint.decision import Reason
from checkpoint.log import CrossingLog, record_or_refuse
from checkpoint.log._errors import LogErrorCode
from checkpoint.log._refuse import log_error_of
from checkpoint.words import Texts
from tests.log.conftest import Passes, ctx


def test_a_refusal_carries_the_log_error_as_a_value(log: CrossingLog, passes: Passes) -> None:
    log.close()
    shown, crossing = record_or_refuse(log, passes.decide(), ctx())
    assert crossing is None and shown.reason is Reason.CANNOT_RECORD
    assert log_error_of(shown) is LogErrorCode.CLOSED
    assert shown.grounds is not None
    assert Texts("vi").why(shown.grounds) == "Không ghi được nhật ký: Nhật ký đã đóng: khởi động lại trạm"


def test_a_fault_while_recording_is_not_reported_as_a_storage_error(log: CrossingLog, passes: Passes,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Matching the English detail against the storage causes turned "internal error" into "io"."""
    from checkpoint.service import record_and_show

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(log, "record", broken)
    r = record_and_show(log, passes.decide(), ctx(), None)
    assert r.crossing is None and r.error_code is LogErrorCode.INTERNAL
    assert Texts("en").log_error(r.error_code) == "Internal error while recording: call the supervisor"
