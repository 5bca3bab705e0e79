"""Fault injection, per session (query parameters) and for every session (config)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from conftest import collect_response, connect, send_clip, speech

from avatar_player.client import AvatarError, SessionClosed
from avatar_player.protocol.client import AnimationReceived, ProtocolViolation
from avatar_player.protocol.errors import ErrorCode
from avatar_player.server import MotionServer
from avatar_player.server.faults import FaultConfig

ServerFactory = Callable[..., Awaitable[MotionServer]]


async def events_until_end(session, limit_s: float = 5.0) -> list:
    events = []
    async with asyncio.timeout(limit_s):
        while True:
            event = await session.receive()
            events.append(event)
            if isinstance(event, SessionClosed) or getattr(event, "end", False):
                return events


async def test_latency_delays_every_animation_message(server: MotionServer) -> None:
    session = await connect(server, extra_query={"faultLatencyMs": "250"})
    started = time.monotonic()
    await session.send_audio("r", b"\0\0" * 640, end=True)
    await collect_response(session, "r")
    assert time.monotonic() - started >= 0.25
    await session.close()


async def test_jitter_keeps_message_order(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    session = await connect(server, rate, extra_query={"faultJitterMs": "40", "faultSeed": "3"})
    await send_clip(session, "r", pcm, chunk=rate // 20)
    frames = await collect_response(session, "r")
    assert [f.index for f in frames] == list(range(len(frames)))
    await session.close()


async def test_drop_after_frames_aborts_the_connection(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    session = await connect(server, rate, extra_query={"faultDropAfterFrames": "10"})
    await send_clip(session, "r", pcm, chunk=rate // 10)
    events = await events_until_end(session)
    closed = events[-1]
    assert isinstance(closed, SessionClosed) and closed.error is not None
    assert closed.close_code == 1006
    assert closed.error.code is ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY
    received = sum(len(e.frames) for e in events if isinstance(e, AnimationReceived))
    assert 10 <= received < 40


@pytest.mark.parametrize(
    ("query", "code", "text"),
    [
        ({"faultCorruptEvery": "2"}, ErrorCode.MOTION_DATA_INVALID, "non-finite"),
        ({"faultTruncateEvery": "2"}, ErrorCode.MOTION_DATA_INVALID, "jaw_pose has 1 of 3"),
        ({"faultGarbleEvery": "2"}, ErrorCode.PROTOCOL_ERROR, "malformed protobuf"),
    ],
)
async def test_damaged_motion_is_reported_with_a_stable_code(
    server: MotionServer, query: dict[str, str], code: ErrorCode, text: str
) -> None:
    pcm, rate = speech("hello_16k")
    session = await connect(server, rate, extra_query=query)
    await send_clip(session, "r", pcm, chunk=rate // 10)
    events = await events_until_end(session)
    violations = [e for e in events if isinstance(e, ProtocolViolation)]
    assert violations, "the damage is reported"
    assert {v.code for v in violations} == {code}
    assert text in violations[0].message
    good = sum(len(e.frames) for e in events if isinstance(e, AnimationReceived))
    assert good > 0, "undamaged messages still deliver their frames"
    await session.close()


async def test_end_delay(server: MotionServer) -> None:
    session = await connect(server, extra_query={"faultEndDelayMs": "300"})
    started = time.monotonic()
    await session.send_audio("r", b"\0\0" * 640, end=True)
    await collect_response(session, "r")
    assert time.monotonic() - started >= 0.3
    await session.close()


async def test_end_that_never_comes(server: MotionServer) -> None:
    session = await connect(server, extra_query={"faultEndDelayMs": "-1"})
    await session.send_audio("r", b"\0\0" * 6400, end=True)
    with pytest.raises(TimeoutError):
        await events_until_end(session, limit_s=0.5)
    await session.close()


async def test_faults_for_every_session_from_the_config(server_factory: ServerFactory) -> None:
    server = await server_factory(faults=FaultConfig(latency_ms=200))
    session = await connect(server)
    started = time.monotonic()
    await session.send_audio("r", b"\0\0" * 640, end=True)
    await collect_response(session, "r")
    assert time.monotonic() - started >= 0.2
    await session.close()


async def test_per_session_faults_can_be_disabled(server_factory: ServerFactory) -> None:
    server = await server_factory(allow_session_faults=False)
    with pytest.raises(AvatarError) as info:
        await connect(server, extra_query={"faultLatencyMs": "100"})
    assert info.value.close_code == 4007
    assert "fault injection is disabled" in info.value.message


async def test_bad_fault_parameter_is_refused(server: MotionServer) -> None:
    with pytest.raises(AvatarError) as info:
        await connect(server, extra_query={"faultLatencyMs": "soon"})
    assert info.value.close_code == 4007


def test_query_parameter_names() -> None:
    config = FaultConfig().with_query({"faultDropAfterFrames": "5", "faultJitterMs": "2.5"})
    assert config.drop_after_frames == 5
    assert config.jitter_ms == 2.5
    assert config.active
    assert not FaultConfig().active
