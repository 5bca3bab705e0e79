"""The error log model: grouping, filters, bounds, export."""

from __future__ import annotations

import json

import pytest

from avatar_player.client.errors import AvatarError, Phase
from avatar_player.models.error_log import ErrorLog, Severity, to_json_lines
from avatar_player.protocol.errors import ErrorCode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def error(code: ErrorCode, message: str = "m", phase: Phase = Phase.WEBSOCKET_RUNTIME):
    return AvatarError(code, message, phase, close_code=4010, req_id="r1")


def test_repeated_errors_are_grouped_within_the_window() -> None:
    clock = Clock()
    log = ErrorLog(group_window_s=5, clock=clock)
    for index in range(50):
        clock.now += 0.1
        log.add_error(error(ErrorCode.MOTION_DATA_INVALID, f"frame {index}: non-finite"))
    [entry] = log.entries
    assert entry.count == 50
    assert entry.message == "frame 49: non-finite"
    assert entry.last_time - entry.first_time == pytest.approx(4.9)
    clock.now += 6
    log.add_error(error(ErrorCode.MOTION_DATA_INVALID))
    assert [e.count for e in log.entries] == [50, 1]


def test_different_codes_make_different_rows_and_grouping_looks_back() -> None:
    log = ErrorLog(clock=Clock())
    log.add_error(error(ErrorCode.MOTION_DATA_LATE))
    log.add_error(error(ErrorCode.SESSION_TOKEN_EXPIRED))
    log.add_error(error(ErrorCode.MOTION_DATA_LATE))
    assert [(e.code, e.count) for e in log.entries] == [
        ("motionDataLate", 2),
        ("sessionTokenExpired", 1),
    ]


def test_filters_by_codes_and_severity() -> None:
    log = ErrorLog(clock=Clock())
    log.add_error(error(ErrorCode.SESSION_TOKEN_EXPIRED))
    log.add_error(error(ErrorCode.WEBSOCKET_ERROR))
    log.add_message(Severity.WARNING, "audioDeviceUnavailable", "playback", "no sound card")
    assert log.codes() == ["audioDeviceUnavailable", "sessionTokenExpired", "websocketError"]
    assert [e.code for e in log.filtered(codes={"websocketError"})] == ["websocketError"]
    assert [e.code for e in log.filtered(severities={Severity.WARNING})] == [
        "audioDeviceUnavailable"
    ]
    assert log.filtered(codes=set()) == []
    assert len(log.filtered()) == 3


def test_the_log_is_bounded() -> None:
    clock = Clock()
    log = ErrorLog(max_entries=10, group_window_s=0, clock=clock)
    for _ in range(25):
        clock.now += 1
        log.add_message(Severity.INFO, "x", "p", "m")
    assert len(log.entries) == 10


def test_export_is_json_lines_without_credentials() -> None:
    log = ErrorLog(clock=Clock())
    log.add_error(
        error(ErrorCode.SESSION_TOKEN_INVALID, "bad X-Session-Key: v1.abcdefghij.klmnopqrst")
    )
    lines = to_json_lines(log.entries).splitlines()
    record = json.loads(lines[0])
    assert record["code"] == "sessionTokenInvalid"
    assert record["close_code"] == 4010 and record["req_id"] == "r1"
    assert "abcdefghij" not in lines[0]


def test_changed_fires_and_clear_empties() -> None:
    log = ErrorLog(clock=Clock())
    fired = []
    log.changed.connect(fired.append)
    log.add_error(error(ErrorCode.SERVER_ERROR))
    log.clear()
    assert log.entries == [] and len(fired) == 2
