"""The error table: classification is consistent and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from avatar_player.protocol.errors import (
    ErrorCode,
    ServerFailure,
    classify_close,
    classify_http,
    classify_server_error,
    failure_table_markdown,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"


@pytest.mark.parametrize("failure", list(ServerFailure))
def test_message_text_alone_classifies_like_the_table(failure: ServerFailure) -> None:
    """A client that ignores our numeric codes still gets the right code from the text."""
    assert classify_server_error(0, failure.message("detail")) is failure.spec.client_code
    assert classify_server_error(failure.spec.server_code, "") is failure.spec.client_code


@pytest.mark.parametrize("failure", [f for f in ServerFailure if f.spec.close_code])
def test_close_codes_classify(failure: ServerFailure) -> None:
    assert classify_close(failure.spec.close_code) is failure.spec.client_code


def test_close_code_4010_is_session_token_expired() -> None:
    assert ServerFailure.SESSION_TOKEN_EXPIRED.spec.close_code == 4010
    assert classify_close(4010) is ErrorCode.SESSION_TOKEN_EXPIRED


def test_unknown_and_transport_close_codes() -> None:
    assert classify_close(4999, "avatar not found") is ErrorCode.AVATAR_ID_UNRECOGNIZED
    assert classify_close(4998) is ErrorCode.SERVER_ERROR
    assert classify_close(1006) is ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY
    assert classify_close(None) is ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY
    assert classify_close(1001) is ErrorCode.WEBSOCKET_ERROR


def test_commercial_text_rules() -> None:
    assert classify_server_error(0, "Token is expired") is ErrorCode.SESSION_TOKEN_EXPIRED
    assert classify_server_error(0, "something else") is ErrorCode.SERVER_ERROR


@pytest.mark.parametrize(
    ("status", "detail", "code"),
    [
        (401, "", ErrorCode.SESSION_TOKEN_EXPIRED),
        (402, "", ErrorCode.INSUFFICIENT_BALANCE),
        (404, "", ErrorCode.APP_ID_UNRECOGNIZED),
        (404, "avatar not found", ErrorCode.AVATAR_ID_UNRECOGNIZED),
        (401, "invalid api key", ErrorCode.APP_ID_UNRECOGNIZED),
        (500, "", ErrorCode.SERVER_ERROR),
    ],
)
def test_http_status_rules(status: int, detail: str, code: ErrorCode) -> None:
    assert classify_http(status, detail) is code


def test_failure_codes_are_unique() -> None:
    server_codes = [f.spec.server_code for f in ServerFailure]
    assert len(server_codes) == len(set(server_codes))
    close_codes = [f.spec.close_code for f in ServerFailure if f.spec.close_code]
    assert len(close_codes) == len(set(close_codes))


def test_docs_carry_the_current_table() -> None:
    assert failure_table_markdown() in DOCS.read_text()
