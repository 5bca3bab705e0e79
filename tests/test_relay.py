"""Custom Mode end to end: Motion Server -> relay -> player, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import API_KEY, AVATAR_ID, ROOT, eventually, null_player, render_loop, speech_clip

from avatar_player.client import ConnectionState, open_session
from avatar_player.models.player_session import PlayerSession
from avatar_player.player import ConversationChange, ConversationState, StateChangeReason
from avatar_player.protocol.client import AnimationReceived, AudioRelayed
from avatar_player.protocol.errors import ErrorCode
from avatar_player.protocol.motion import LAYOUT
from avatar_player.protocol.relay_status import UpstreamReport, UpstreamState
from avatar_player.relay import Relay, RelayConfig
from avatar_player.server import MotionServer
from avatar_player.speech import Pacing

JAW = LAYOUT["jaw_open"]


async def start_relay(server: MotionServer, **query: str) -> Relay:
    relay = Relay(
        RelayConfig(
            upstream_url=server.ws_url,
            console_url=server.console_url,
            upstream_query=query,
            port=0,
        )
    )
    await relay.start()
    return relay


def player(relay: Relay) -> contextlib.AbstractAsyncContextManager[PlayerSession]:
    """A player in Custom Mode on `relay`."""
    return null_player(server="relay", url=relay.url)


async def play_to_end(session: PlayerSession, clip: Path) -> list[ConversationChange]:
    changes: list[ConversationChange] = []
    session.conversation_changed.connect(changes.append)
    try:
        assert await session.play_clip(clip)
        await eventually(
            lambda: bool(changes) and changes[-1].reason is StateChangeReason.PLAYBACK_END,
            timeout_s=15,
        )
    finally:
        session.conversation_changed.disconnect(changes.append)
    return changes


@pytest.fixture
async def server(server_factory: Callable[..., Awaitable[MotionServer]]) -> MotionServer:
    return await server_factory()


async def test_relay_session_plays_audio_with_moving_lips(
    server: MotionServer, tmp_path: Path
) -> None:
    """Server -> relay -> player: the relayed audio plays in full, in sync with moving lips."""
    relay = await start_relay(server)
    try:
        async with player(relay) as session, render_loop(session) as shown:
            assert await session.connect()
            assert session.controller is not None
            assert session.controller.connection_state is ConnectionState.CONNECTED
            played_before = session.sink.position() if session.sink else 0
            changes = await play_to_end(session, speech_clip(tmp_path, 2.0))
            assert [c.state for c in changes] == [
                ConversationState.ACTIVE,
                ConversationState.PLAYING,
                ConversationState.IDLE,
            ]
            assert session.sink is not None
            assert session.sink.position() - played_before == 32000  # every relayed sample
            jaw = [float(pose[JAW][0]) for pose in shown]
            assert max(jaw) > 0.3  # the lips move
            assert min(jaw) < 0.05
            assert session.playback is not None
            offsets = list(session.playback.offsets.history)
            assert offsets
            assert max(abs(o) for o in offsets) < 45  # within ATSC IS-191 on the clock
            assert session.log.entries == []
            [link] = relay.links.values()
            assert link.upstream is not None
            assert len(link.upstream.connection_ids) == 1
        assert not relay.errors
    finally:
        await relay.stop()


async def test_relay_survives_an_upstream_drop_and_reports_it(
    server: MotionServer, tmp_path: Path
) -> None:
    """The upstream drops mid-response: the relay reports it (phase, code, close code), to
    the player too, and reconnects on its own; the player stays connected downstream, plays
    the audio on without motion (fallback) and the next response has motion again."""
    relay = await start_relay(server, faultDropAfterFrames="25")
    try:
        async with player(relay) as session, render_loop(session) as shown:
            connection = []
            assert session.controller is not None
            session.connection_changed.connect(connection.append)
            assert await session.connect()
            [link] = relay.links.values()
            assert link.upstream is not None
            await asyncio.wait_for(link.upstream.connected.wait(), 5)

            changes = await play_to_end(session, speech_clip(tmp_path, 3.0))
            assert [(c.state, c.reason) for c in changes] == [
                (ConversationState.ACTIVE, StateChangeReason.USER_ACTION),
                (ConversationState.PLAYING, StateChangeReason.USER_ACTION),
                (ConversationState.PLAYING, StateChangeReason.FALLBACK_MODE),
                (ConversationState.IDLE, StateChangeReason.PLAYBACK_END),
            ]
            [drop] = [report.error for report in relay.errors]
            assert drop.code is ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY
            assert drop.phase == "websocket_runtime"
            assert drop.close_code == 1006
            assert drop.connection_id == link.upstream.connection_ids[0]
            told, late = session.log.entries
            assert (told.code, told.phase, told.close_code, told.connection_id) == (
                drop.code,
                "relay_upstream",
                1006,
                drop.connection_id,
            )
            assert told.message == f"websocket_runtime: {drop.message}"
            assert late.code == ErrorCode.MOTION_DATA_LATE
            await eventually(lambda: len(link.upstream.connection_ids) == 2)

            shown.clear()
            changes = await play_to_end(session, speech_clip(tmp_path, 0.6))
            assert [c.reason for c in changes][-1] is StateChangeReason.PLAYBACK_END
            assert StateChangeReason.FALLBACK_MODE not in [c.reason for c in changes]
            assert max(float(pose[JAW][0]) for pose in shown) > 0.2
            assert [c.state for c in connection] == [
                ConnectionState.CONNECTING,
                ConnectionState.CONNECTED,
            ]  # the downstream never noticed
    finally:
        await relay.stop()


async def test_relay_command_relays_a_response(server: MotionServer) -> None:
    """`python -m avatar_player.relay` as a process: audio, motion and the relay's upstream
    states reach a raw protocol client; the API key stays out of its log."""
    process = subprocess.Popen(
        [
            sys.executable, "-m", "avatar_player.relay", "--port", "0",
            "--upstream", server.ws_url, "--console-url", server.console_url,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"AVATAR_PLAYER_API_KEY": API_KEY},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().split()
        assert banner[0] == "relay", banner
        session = await open_session(
            banner[1], app_id="", token="", avatar_id=AVATAR_ID, sample_rate=24000,
            relayed_audio=True,
        )  # fmt: skip
        pcm = (np.sin(np.arange(24000) / 10) * 8000).astype("<i2").tobytes()
        await session.send_audio("req-1", pcm, end=True)
        audio, frames, states = b"", 0, []
        while True:
            event = await asyncio.wait_for(session.receive(), 10)
            if isinstance(event, AudioRelayed):
                audio += event.pcm
            elif isinstance(event, UpstreamReport):
                states.append(event.state)
            else:
                assert isinstance(event, AnimationReceived), event
                frames += len(event.frames)
                if event.end:
                    break
        await session.close()
        assert audio == pcm
        assert frames == 25
        assert states == [UpstreamState.CONNECTING, UpstreamState.CONNECTED]
    finally:
        process.send_signal(signal.SIGTERM)  # the server below must keep serving meanwhile
        _, stderr = await asyncio.to_thread(process.communicate, timeout=10)
    assert process.returncode == 0
    assert "player p1 connected at 24000 Hz" in stderr
    assert API_KEY not in stderr


async def test_relay_streams_a_slow_producer_with_announced_rebuffers(
    server: MotionServer, tmp_path: Path
) -> None:
    """Custom Mode, live: a clip produced at 0.8x real time goes up chunk by chunk and comes
    back to be played; the player rebuffers cleanly and plays every sample once."""
    relay = await start_relay(server)
    try:
        async with player(relay) as session, render_loop(session):
            assert await session.connect()
            assert session.sink is not None and session.playback is not None
            before = session.sink.position()
            changes: list[ConversationChange] = []
            session.conversation_changed.connect(changes.append)
            assert await session.play_clip(speech_clip(tmp_path, 2.0), Pacing(speed=0.8))
            await eventually(lambda: changes[-1].reason is StateChangeReason.PLAYBACK_END)
            assert session.sink.position() - before == 32000
            assert session.playback.rebuffers >= 1 and session.sink.underruns == 0
            assert StateChangeReason.REBUFFERING in [c.reason for c in changes]
            assert session.log.entries == []
    finally:
        await relay.stop()
