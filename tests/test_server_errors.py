"""Every documented failure of the Motion Server, over real sockets.

Each test checks the stable client code, the ServerError code and the close code
of docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import (
    APP_ID,
    AVATAR_ID,
    collect_response,
    connect,
    default_apps,
    eventually,
    second_app,
)
from websockets.asyncio.client import connect as ws_connect

from avatar_player.client import AvatarError, Phase, SessionClosed
from avatar_player.protocol import message_pb2 as pb
from avatar_player.protocol.client import AnimationReceived, ServerErrorReceived
from avatar_player.protocol.codec import decode_message
from avatar_player.protocol.errors import ErrorCode, ServerFailure
from avatar_player.server import MotionServer

ServerFactory = Callable[..., Awaitable[MotionServer]]


async def refused(server: MotionServer, **kwargs: Any) -> AvatarError:
    with pytest.raises(AvatarError) as info:
        await connect(server, **kwargs)
    return info.value


def assert_failure(error: AvatarError, failure: ServerFailure, phase: Phase) -> None:
    assert error.code is failure.spec.client_code
    assert error.server_code == failure.spec.server_code
    assert error.close_code == failure.spec.close_code
    assert error.phase is phase
    assert failure.spec.text in error.message


async def test_garbage_token(server: MotionServer) -> None:
    error = await refused(server, token="not-a-token")
    assert_failure(error, ServerFailure.SESSION_TOKEN_INVALID, Phase.WEBSOCKET_HANDSHAKE)


async def test_forged_token_signature(server: MotionServer) -> None:
    body, _ = server.issue_token(APP_ID).rsplit(".", 1)
    error = await refused(server, token=f"{body}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert_failure(error, ServerFailure.SESSION_TOKEN_INVALID, Phase.WEBSOCKET_HANDSHAKE)


async def test_expired_token_is_refused_at_connect(server: MotionServer) -> None:
    token = server.tokens.issue(APP_ID, time.time() - 1)
    error = await refused(server, token=token)
    assert_failure(error, ServerFailure.SESSION_TOKEN_EXPIRED, Phase.WEBSOCKET_HANDSHAKE)
    assert error.close_code == 4010


async def test_token_expiring_while_connected_closes_4010(server: MotionServer) -> None:
    session = await connect(server, token=server.tokens.issue(APP_ID, time.time() + 0.5))
    started = time.monotonic()
    error_event = await asyncio.wait_for(session.receive(), 5)
    closed = await session.receive()
    assert isinstance(error_event, ServerErrorReceived)
    assert error_event.code is ErrorCode.SESSION_TOKEN_EXPIRED
    assert isinstance(closed, SessionClosed) and closed.error is not None
    assert closed.close_code == 4010
    assert closed.error.code is ErrorCode.SESSION_TOKEN_EXPIRED
    assert 0.3 < time.monotonic() - started < 2.0


async def test_token_of_another_app_cannot_open_this_app(server_factory: ServerFactory) -> None:
    server = await server_factory(apps=(*default_apps(), second_app()))
    error = await refused(server, token=server.issue_token("other-app"))
    assert_failure(error, ServerFailure.APP_ID_MISMATCH, Phase.WEBSOCKET_HANDSHAKE)
    assert error.code is ErrorCode.SESSION_TOKEN_INVALID


async def test_unknown_app_id(server: MotionServer) -> None:
    error = await refused(server, app_id="ghost-app", token=server.issue_token("ghost-app"))
    assert_failure(error, ServerFailure.APP_ID_UNRECOGNIZED, Phase.WEBSOCKET_HANDSHAKE)


async def test_missing_credentials(server: MotionServer) -> None:
    error = await refused(server, app_id="", token="x")
    assert_failure(error, ServerFailure.SESSION_TOKEN_INVALID, Phase.WEBSOCKET_HANDSHAKE)


async def test_unknown_avatar(server: MotionServer) -> None:
    error = await refused(server, avatar_id="nobody")
    assert_failure(error, ServerFailure.AVATAR_NOT_FOUND, Phase.WEBSOCKET_HANDSHAKE)
    assert error.code is ErrorCode.AVATAR_ID_UNRECOGNIZED


async def test_unsupported_sample_rate(server: MotionServer) -> None:
    async with ws_connect(_raw_url(server)) as ws:
        configure = pb.ClientConfigureSession(sample_rate=11025)
        await ws.send(pb.Message(type=1, client_configure_session=configure).SerializeToString())
        error = decode_message(await ws.recv()).server_error
        await ws.wait_closed()
    assert error.code == 4005
    assert error.message == "unsupported sample rate: 11025"
    assert ws.close_code == 4005


async def test_idle_timeout(server_factory: ServerFactory) -> None:
    server = await server_factory(idle_timeout_s=0.3)
    session = await connect(server)
    error_event = await asyncio.wait_for(session.receive(), 5)
    closed = await session.receive()
    assert isinstance(error_event, ServerErrorReceived)
    assert "no audio input for 0.3 s" in error_event.message
    assert isinstance(closed, SessionClosed) and closed.error is not None
    assert closed.error.code is ErrorCode.SESSION_TIMEOUT
    assert closed.close_code == 4004


async def test_audio_keeps_an_idle_session_alive(server_factory: ServerFactory) -> None:
    server = await server_factory(idle_timeout_s=0.4)
    session = await connect(server)
    for index in range(4):
        await asyncio.sleep(0.2)
        await session.send_audio(f"r{index}", b"\0\0" * 640, end=True)
        await collect_response(session, f"r{index}")
    await session.close()


async def test_session_duration_limit(server_factory: ServerFactory) -> None:
    server = await server_factory(session_duration_s=0.5)
    session = await connect(server)
    closed = None
    async for event in session:
        closed = event
    assert isinstance(closed, SessionClosed) and closed.error is not None
    assert closed.close_code == 4002
    assert closed.error.code is ErrorCode.SESSION_TIMEOUT


async def test_no_balance_refuses_the_session(server_factory: ServerFactory) -> None:
    server = await server_factory(apps=(second_app(balance_s=0),))
    error = await refused(server, app_id="other-app")
    assert_failure(error, ServerFailure.CREDITS_EXHAUSTED, Phase.WEBSOCKET_HANDSHAKE)


async def test_credits_running_out_mid_session(server_factory: ServerFactory) -> None:
    server = await server_factory(apps=(second_app(balance_s=1.0),))
    session = await connect(server, app_id="other-app")
    for _ in range(3):
        await session.send_audio("r", b"\0\0" * 8000, end=False)  # 0.5 s each
    events = [event async for event in session]
    errors = [e for e in events if isinstance(e, ServerErrorReceived)]
    assert errors and errors[0].server_code == 4001
    closed = events[-1]
    assert isinstance(closed, SessionClosed) and closed.error is not None
    assert closed.error.code is ErrorCode.INSUFFICIENT_BALANCE
    assert server.accounts.balance("other-app") <= 0


async def test_concurrency_limit_per_app(server_factory: ServerFactory) -> None:
    server = await server_factory(apps=(second_app(max_concurrent_sessions=1),))
    first = await connect(server, app_id="other-app")
    error = await refused(server, app_id="other-app")
    assert_failure(error, ServerFailure.CONCURRENT_LIMIT_EXCEEDED, Phase.WEBSOCKET_HANDSHAKE)
    await first.close()
    await eventually(lambda: server.accounts.open_sessions("other-app") == 0)
    again = await connect(server, app_id="other-app")
    await again.close()


async def test_total_session_limit(server_factory: ServerFactory) -> None:
    server = await server_factory(max_sessions_total=2)
    sessions = [await connect(server), await connect(server)]
    error = await refused(server)
    assert error.code is ErrorCode.CONCURRENT_LIMIT_EXCEEDED
    for session in sessions:
        await session.close()


async def test_text_frame_is_a_protocol_error(server: MotionServer) -> None:
    async with ws_connect(_raw_url(server)) as ws:
        await ws.send("hello")
        error = decode_message(await ws.recv()).server_error
        await ws.wait_closed()
    assert error.code == 4007 and "text frames" in error.message
    assert ws.close_code == 4007


async def test_malformed_protobuf_is_a_protocol_error(server: MotionServer) -> None:
    async with ws_connect(_raw_url(server)) as ws:
        await ws.send(b"\xff\x00garbage")
        error = decode_message(await ws.recv()).server_error
        await ws.wait_closed()
    assert error.code == 4007 and "malformed protobuf" in error.message
    assert ws.close_code == 4007


async def test_audio_before_configure_is_a_protocol_error(server: MotionServer) -> None:
    async with ws_connect(_raw_url(server)) as ws:
        audio = pb.ClientAudioInput(req_id="r", audio=b"\0\0")
        await ws.send(pb.Message(type=3, client_audio_input=audio).SerializeToString())
        error = decode_message(await ws.recv()).server_error
        await ws.wait_closed()
    assert error.code == 4007 and "before the handshake" in error.message


async def test_handshake_timeout(server_factory: ServerFactory) -> None:
    server = await server_factory(handshake_timeout_s=0.3)
    async with ws_connect(_raw_url(server)) as ws:
        error = decode_message(await asyncio.wait_for(ws.recv(), 5)).server_error
        await ws.wait_closed()
    assert error.code == 4007 and "no session configure within 0.3 s" in error.message


async def test_audio_limit_fails_the_response_not_the_session(
    server_factory: ServerFactory,
) -> None:
    server = await server_factory(max_request_audio_s=1.0)
    session = await connect(server)
    for _ in range(3):
        await session.send_audio("big", b"\0\0" * 8000, end=False)
    while True:
        event = await asyncio.wait_for(session.receive(), 5)
        if isinstance(event, ServerErrorReceived):
            break
        assert isinstance(event, AnimationReceived)
    assert event.server_code == 4020 and event.req_id == "big" and not event.fatal
    await session.send_audio("small", b"\0\0" * 640, end=True)
    assert len(await collect_response(session, "small")) == 1
    await session.close()


async def test_odd_audio_bytes_fail_the_response(server: MotionServer) -> None:
    session = await connect(server)
    await session._ws.send(
        pb.Message(
            type=3, client_audio_input=pb.ClientAudioInput(req_id="odd", audio=b"\0\0\0")
        ).SerializeToString()
    )
    event = await asyncio.wait_for(session.receive(), 5)
    assert isinstance(event, ServerErrorReceived)
    assert event.server_code == 4021 and event.req_id == "odd"
    await session.close()


async def test_oversized_message_closes_1009(server_factory: ServerFactory) -> None:
    server = await server_factory(max_message_bytes=64 * 1024)
    session = await connect(server)
    with pytest.raises(AvatarError):
        await session.send_audio("r", b"\0\0" * 64 * 1024, end=True)
        await asyncio.sleep(0.5)
        await session.send_audio("r", b"\0\0", end=True)
    closed = await session.receive()
    assert isinstance(closed, SessionClosed)
    assert closed.close_code == 1009


async def test_wrong_path_is_refused_at_the_upgrade(server: MotionServer) -> None:
    from avatar_player.client import open_session

    with pytest.raises(AvatarError) as info:
        await open_session(
            server.ws_url.replace("/websocket", "/nope"),
            app_id=APP_ID,
            token=server.issue_token(APP_ID),
            avatar_id=AVATAR_ID,
            sample_rate=16000,
        )
    assert info.value.http_status == 404
    assert info.value.phase is Phase.WEBSOCKET_CONNECT


async def test_no_server_is_a_websocket_error(server: MotionServer) -> None:
    url = server.ws_url
    await server.stop()
    from avatar_player.client import open_session

    with pytest.raises(AvatarError) as info:
        await open_session(url, app_id=APP_ID, token="t", avatar_id=AVATAR_ID, sample_rate=16000)
    assert info.value.code is ErrorCode.WEBSOCKET_ERROR
    assert info.value.phase is Phase.WEBSOCKET_CONNECT


def _raw_url(server: MotionServer) -> str:
    token = server.issue_token(APP_ID)
    return f"{server.ws_url}?id={AVATAR_ID}&appId={APP_ID}&sessionKey={token}"
