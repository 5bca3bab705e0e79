"""Fuzz target: the token endpoint's request body as the console parses it.

The input is the body of a `POST /session-tokens`, parsed by `console.token_expiry` (what the
endpoint does with the body once the API key is accepted).

Property: the parser returns a finite expiry after now and at most the maximum token
lifetime ahead, or raises TokenRequestError whose message is one of the endpoint's documented
400 details; nothing else escapes (deep nesting, huge integers, invalid UTF-8). The same
details are what `check_token_endpoint_answer` expects from the endpoint over HTTP.

    python fuzz/fuzz_token_request.py -runs=100000 -max_len=4096
"""

from __future__ import annotations

import json
import math

from fuzz_common import fuzz

from avatar_player.server.config import load_config
from avatar_player.server.console import TokenRequestError, token_expiry

MAX_TTL_S = load_config().limits.max_token_ttl_s
NOW = 1_800_000_000.0
"""The console's clock in this target: fixed, so the seeds stay in the future."""
BAD_REQUEST_DETAILS = frozenset(
    {
        "body must be JSON",
        "expireAt must be a number",
        "expireAt must be in the future",
        f"expireAt is more than {MAX_TTL_S:.0f} s ahead",
    }
)
TOO_LARGE_DETAIL = "body too large"


def check_token_request(body: bytes, now: float) -> float | None:
    """Parse `body` at `now`: the expiry it asks for, or None when refused (checked)."""
    try:
        expire_at = token_expiry(body, now, MAX_TTL_S)
    except TokenRequestError as exc:
        assert str(exc) in BAD_REQUEST_DETAILS, exc
        return None
    assert math.isfinite(expire_at) and now < expire_at <= now + MAX_TTL_S, expire_at
    return expire_at


def check_token_endpoint_answer(status: int, payload: object) -> None:
    """The endpoint's JSON answer to a request with a valid API key."""
    assert isinstance(payload, dict), payload
    if status == 200:
        assert isinstance(payload["sessionToken"], str) and payload["sessionToken"]
        return
    [error] = payload["errors"]
    details = BAD_REQUEST_DETAILS if status == 400 else {TOO_LARGE_DETAIL}
    assert status in (400, 413) and error["status"] == status, payload
    assert error["detail"] in details, payload


def TestOneInput(data: bytes) -> None:
    check_token_request(data, NOW)


def seeds() -> list[bytes]:
    """Bodies the client sends, and refused ones."""
    now = int(NOW)
    return [
        json.dumps({"expireAt": now + 3600}).encode(),
        json.dumps({"expireAt": now + 60.5, "other": [1, {"a": None}]}).encode(),
        json.dumps({"expireAt": now - 1}).encode(),
        json.dumps({"expireAt": now + 10 * MAX_TTL_S}).encode(),
        b'{"expireAt": "soon"}',
        b'{"expireAt": true}',
        b'{"expireAt": 1e999}',
        b"[]",
        b"\xff",
    ]


if __name__ == "__main__":
    fuzz(TestOneInput, "token_request")
