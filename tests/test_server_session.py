"""Whole sessions against a real Motion Server over loopback sockets."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest
from conftest import (
    API_KEY,
    APP_ID,
    collect_response,
    connect,
    eventually,
    send_clip,
    speech,
)

from avatar_player.client import SessionClosed, fetch_session_token
from avatar_player.protocol.client import AnimationReceived
from avatar_player.protocol.constants import frame_sample, samples_per_frame
from avatar_player.server import EmbeddedServer, MotionServer
from avatar_player.server.config import load_config


async def test_token_connect_confirm_audio_animation_end(server: MotionServer) -> None:
    token = await fetch_session_token(server.console_url, API_KEY)
    pcm, rate = speech("hello_16k")
    session = await connect(server, rate, token=token)
    assert session.connection_id
    await send_clip(session, "req-1", pcm, chunk=rate // 10)
    frames = await collect_response(session, "req-1")
    assert len(frames) == math.ceil(len(pcm) / samples_per_frame(rate))
    assert [f.index for f in frames] == list(range(len(frames)))
    assert all(f.sample == frame_sample(f.index, rate) for f in frames)
    assert max(f.scalar("jaw_open") for f in frames) > 0.3, "speech opens the jaw"
    await session.close()
    assert await session.receive() == SessionClosed(1000, "", None)


async def test_auth_by_query_parameters(server: MotionServer) -> None:
    session = await connect(server, auth="query")
    await session.send_audio("r", b"\0\0" * 640, end=True)
    assert len(await collect_response(session, "r")) == 1
    await session.close()


async def test_first_frames_arrive_before_the_last_chunk_is_sent(server: MotionServer) -> None:
    pcm, rate = speech("pangram_24k")
    session = await connect(server, rate)
    chunk = rate // 10
    half = len(pcm) // 2 // chunk * chunk
    for start in range(0, half, chunk):
        await session.send_audio("r", pcm[start : start + chunk].tobytes(), end=False)
    event = await asyncio.wait_for(session.receive(), 5)
    assert isinstance(event, AnimationReceived) and event.frames and not event.end
    early = list(event.frames)
    await send_clip(session, "r", pcm[half:], chunk)
    frames = early + await collect_response(session, "r")
    assert len(frames) == math.ceil(len(pcm) / samples_per_frame(rate))
    await session.close()


async def test_interrupt_stops_the_response_at_once(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    session = await connect(server, rate)
    chunk = rate // 10
    for start in range(0, 20 * chunk, chunk):
        await session.send_audio("long", pcm[start : start + chunk].tobytes(), end=False)
    first = await asyncio.wait_for(session.receive(), 5)
    assert isinstance(first, AnimationReceived) and first.req_id == "long"
    await session.interrupt("long")
    await send_clip(session, "long", pcm[20 * chunk :], chunk)  # late audio: ignored
    await send_clip(session, "next", pcm[:chunk], chunk)
    # Nothing more of "long" may follow once "next" starts arriving; "next" completes.
    while True:
        event = await asyncio.wait_for(session.receive(), 5)
        assert isinstance(event, AnimationReceived)
        if event.req_id == "next":
            break
        assert not event.end, "an interrupted response never ends normally"
    if not event.end:
        await collect_response(session, "next")
    await session.close()


async def test_a_new_request_finishes_the_previous_one(server: MotionServer) -> None:
    session = await connect(server)
    await session.send_audio("a", b"\0\0" * 1000, end=False)
    await session.send_audio("b", b"\0\0" * 640, end=True)
    ends = []
    while len(ends) < 2:
        event = await asyncio.wait_for(session.receive(), 5)
        assert isinstance(event, AnimationReceived)
        if event.end:
            ends.append(event.req_id)
    assert ends == ["a", "b"]
    await session.close()


async def test_many_sessions_at_once(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")

    async def one(index: int) -> int:
        session = await connect(server, rate)
        await send_clip(session, f"r{index}", pcm, chunk=rate // 5)
        frames = await collect_response(session, f"r{index}")
        await session.close()
        return len(frames)

    counts = await asyncio.gather(*(one(i) for i in range(8)))
    assert counts == [math.ceil(len(pcm) / samples_per_frame(rate))] * 8
    await eventually(lambda: server.accounts.open_sessions() == 0)


async def test_stopping_the_server_closes_sessions_going_away(server: MotionServer) -> None:
    session = await connect(server)
    await server.stop()
    closed = await asyncio.wait_for(session.receive(), 5)
    assert isinstance(closed, SessionClosed)
    assert closed.close_code == 1001


async def test_logs_name_sessions_but_never_secrets(
    server: MotionServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await fetch_session_token(server.console_url, API_KEY)
    session = await connect(server, token=token)
    await session.send_audio("r", b"\0\0" * 640, end=True)
    await collect_response(session, "r")
    await session.close()
    await asyncio.sleep(0.1)
    text = caplog.text
    assert f"session {session.connection_id} open app={APP_ID}" in text
    assert "response r done" in text
    assert f"session {session.connection_id} closed" in text
    assert API_KEY not in text
    assert token not in text
    assert token.split(".")[2] not in text


def test_embedded_server_runs_on_its_own_thread() -> None:
    from dataclasses import replace

    config = replace(load_config(), ws_port=0, http_port=0)
    with EmbeddedServer(config) as server:

        async def play() -> int:
            session = await connect(server)
            await session.send_audio("r", b"\0\0" * 3200, end=True)
            frames = await collect_response(session, "r")
            await session.close()
            return len(frames)

        assert asyncio.run(play()) == 5
