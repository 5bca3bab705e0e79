"""Fuzz target: the token endpoint's answer as the player parses it.

The first two input bytes pick the HTTP status (100..599), the rest is the response body,
parsed by `client.tokens.token_from_response` (what `fetch_session_token` does with it).

Property: the parser returns the body's `sessionToken` (a non-empty string) only for status
200, or raises AvatarError in the session-token phase with a stable client code: for a body
that is not JSON `websocketError`; otherwise the HTTP status is kept, and the same answer
always gives the same code.

    python fuzz/fuzz_token_response.py -runs=100000 -max_len=4096
"""

from __future__ import annotations

import json

from fuzz_common import fuzz

from avatar_player.client import AvatarError, Phase
from avatar_player.client.tokens import token_from_response
from avatar_player.protocol.errors import ErrorCode

STATUSES = range(100, 600)


def check_token_response(status: int, body: bytes) -> str | ErrorCode:
    """Parse one answer: the token, or the refusal's code (checked)."""
    try:
        token = token_from_response(status, body)
    except AvatarError as error:
        assert error.code in ErrorCode and error.phase is Phase.SESSION_TOKEN, error
        assert error.http_status in (None, status), error
        if error.http_status is None:
            assert error.code is ErrorCode.WEBSOCKET_ERROR, error
        assert str(error)
        return error.code
    assert status == 200 and isinstance(token, str) and token, token
    assert json.loads(body)["sessionToken"] == token
    return token


def TestOneInput(data: bytes) -> None:
    status = STATUSES[int.from_bytes(data[:2], "little") % len(STATUSES)]
    body = data[2:]
    assert check_token_response(status, body) == check_token_response(status, body)


def answer(status: int, payload: object) -> bytes:
    """A fuzz input: the status, then the JSON body."""
    return (status - STATUSES.start).to_bytes(2, "little") + json.dumps(payload).encode()


def refusal(status: int, code: str, detail: str) -> bytes:
    """The console's error answer (`console.error_response` body)."""
    error = {"code": code, "status": status, "title": code, "detail": detail}
    return answer(status, {"errors": [error]})


def seeds() -> list[bytes]:
    """The console's answers: a token, each documented refusal, and garbage."""
    return [
        answer(200, {"sessionToken": "v1.eyJhcHAiOiJkZW1vIn0.c2ln"}),
        refusal(401, "unauthorized", "invalid api key"),
        refusal(400, "bad_request", "expireAt must be in the future"),
        refusal(402, "payment_required", "insufficient balance: credits exhausted"),
        refusal(413, "too_large", "body too large"),
        answer(200, {"sessionToken": 5}),
        answer(503, None),
        (200 - STATUSES.start).to_bytes(2, "little") + b"<html>",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "token_response")
