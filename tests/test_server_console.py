"""The HTTP token endpoint (`POST /session-tokens`) over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from conftest import API_KEY, connect, second_app

from avatar_player.client import AvatarError, Phase, fetch_session_token
from avatar_player.protocol.errors import ErrorCode
from avatar_player.server import MotionServer

ServerFactory = Callable[..., Awaitable[MotionServer]]


async def post(server: MotionServer, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.console_url}/session-tokens", data=body, headers=headers) as reply,
    ):
        return reply.status, await reply.json(content_type=None)


def expire_in(seconds: float) -> str:
    return f'{{"expireAt": {int(time.time() + seconds)}}}'


async def test_issued_token_opens_a_session(server: MotionServer) -> None:
    status, body = await post(server, expire_in(60), {"X-Api-Key": API_KEY})
    assert status == 200
    session = await connect(server, token=body["sessionToken"])
    await session.close()


@pytest.mark.parametrize(
    ("body", "headers", "status", "detail"),
    [
        ('{"expireAt": 1}', {}, 401, "missing X-Api-Key"),
        ('{"expireAt": 1}', {"X-Api-Key": "wrong"}, 401, "invalid api key"),
        ("not json", {"X-Api-Key": API_KEY}, 400, "body must be JSON"),
        ("[]", {"X-Api-Key": API_KEY}, 400, "expireAt must be a number"),
        ('{"expireAt": "soon"}', {"X-Api-Key": API_KEY}, 400, "expireAt must be a number"),
        ('{"expireAt": true}', {"X-Api-Key": API_KEY}, 400, "expireAt must be a number"),
        ('{"expireAt": 1000}', {"X-Api-Key": API_KEY}, 400, "expireAt must be in the future"),
        ('{"expireAt": 1e400}', {"X-Api-Key": API_KEY}, 400, "expireAt must be in the future"),
    ],
)
async def test_bad_requests_get_json_errors(
    server: MotionServer, body: str, headers: dict[str, str], status: int, detail: str
) -> None:
    got_status, payload = await post(server, body, headers)
    assert got_status == status
    [error] = payload["errors"]
    assert error["status"] == status
    assert error["detail"] == detail


async def test_expiry_beyond_the_maximum_ttl_is_refused(server: MotionServer) -> None:
    status, payload = await post(server, expire_in(3 * 86400), {"X-Api-Key": API_KEY})
    assert status == 400
    assert "more than 86400 s ahead" in payload["errors"][0]["detail"]


async def test_oversized_body_is_refused(server: MotionServer) -> None:
    status, payload = await post(server, "x" * 100_000, {"X-Api-Key": API_KEY})
    assert status == 413
    assert payload["errors"][0]["status"] == 413


async def test_no_balance_is_payment_required(server_factory: ServerFactory) -> None:
    server = await server_factory(apps=(second_app(balance_s=0),))
    with pytest.raises(AvatarError) as info:
        await fetch_session_token(server.console_url, "other-key")
    assert info.value.http_status == 402
    assert info.value.code is ErrorCode.INSUFFICIENT_BALANCE
    assert info.value.phase is Phase.SESSION_TOKEN


async def test_client_classifies_a_bad_api_key(server: MotionServer) -> None:
    with pytest.raises(AvatarError) as info:
        await fetch_session_token(server.console_url, "wrong")
    assert info.value.http_status == 401
    assert info.value.code is ErrorCode.APP_ID_UNRECOGNIZED


async def test_unreachable_console_is_a_clear_error(server: MotionServer) -> None:
    url = server.console_url
    await server.stop()
    with pytest.raises(AvatarError) as info:
        await fetch_session_token(url, API_KEY, timeout_s=2)
    assert info.value.code is ErrorCode.WEBSOCKET_ERROR
    assert info.value.phase is Phase.SESSION_TOKEN


async def test_health(server: MotionServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.console_url}/health") as reply,
    ):
        assert reply.status == 200
        assert (await reply.json()) == {"status": "ok", "sessions": 0}
