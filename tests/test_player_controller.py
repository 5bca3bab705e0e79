"""AvatarController against a real Motion Server over loopback sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest
from conftest import API_KEY, APP_ID, AVATAR_ID, eventually, speech

from avatar_player.audio import ManualClockSink
from avatar_player.audio.sink import FADE_S
from avatar_player.client import AvatarError, Phase, fetch_session_token
from avatar_player.motion import MotionGenerator
from avatar_player.player import (
    AvatarController,
    ConnectionChange,
    ConnectionSettings,
    ConnectionState,
    ConversationChange,
    ConversationState,
    Playback,
    RetryPolicy,
    StateChangeReason,
)
from avatar_player.player.motion_track import MotionTrack
from avatar_player.protocol.errors import ErrorCode
from avatar_player.server import MotionServer
from avatar_player.server.ingress import response_seed

C = ConnectionState
S = ConversationState
R = StateChangeReason
BLOCK = 320
FAST_RETRY = RetryPolicy(base_s=0.01, cap_s=0.05, max_attempts=3)
ServerFactory = Callable[..., Awaitable[MotionServer]]


class Recorder:
    """Everything the controller reports."""

    def __init__(self, controller: AvatarController) -> None:
        self.connection: list[ConnectionChange] = []
        self.conversation: list[ConversationChange] = []
        self.errors: list[AvatarError] = []
        controller.connection_changed.connect(self.connection.append)
        controller.playback.changed.connect(self.conversation.append)
        controller.error.connect(self.errors.append)

    def connection_states(self) -> list[C]:
        return [change.state for change in self.connection]

    def conversation_states(self) -> list[tuple[S, R]]:
        return [(change.state, change.reason) for change in self.conversation]


def make_controller(
    server: MotionServer, rate: int = 16000, *, token: str | None = None, **options: Any
) -> tuple[AvatarController, ManualClockSink, Recorder]:
    sink = ManualClockSink(rate)
    settings = ConnectionSettings(
        server.ws_url,
        options.pop("app_id", APP_ID),
        AVATAR_ID,
        extra_query=options.pop("query", {}),
        retry=options.pop("retry", FAST_RETRY),
    )
    controller = AvatarController(settings, Playback(sink), **options)
    controller.set_session_token(server.issue_token(APP_ID) if token is None else token)
    return controller, sink, Recorder(controller)


async def play_out(
    controller: AvatarController, sink: ManualClockSink, limit_s: float = 10
) -> None:
    """Advance the manual clock block by block until the response is over."""
    async with asyncio.timeout(limit_s):
        while controller.playback.current is not None:
            if controller.playback.current.started:
                sink.advance(BLOCK)
            controller.playback.tick()
            await asyncio.sleep(0.001)


async def test_connect_play_and_end_with_playback_end(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    controller, sink, record = make_controller(server, rate)
    await controller.start()
    assert record.connection_states() == [C.CONNECTING, C.CONNECTED]
    assert controller.connection_id
    req_id = await controller.send(pcm, end=True)
    await play_out(controller, sink)
    assert record.conversation_states() == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.IDLE, R.PLAYBACK_END),
    ]
    assert {c.req_id for c in record.conversation} == {req_id}
    assert record.errors == []
    await controller.close()
    assert record.connection_states()[-1] is C.DISCONNECTED


async def test_streamed_chunks_make_one_response(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    controller, sink, record = make_controller(server, rate)
    await controller.start()
    ids = [
        await controller.send(pcm[i : i + 4000], end=i + 4000 >= len(pcm))
        for i in range(0, len(pcm), 4000)
    ]
    assert len(set(ids)) == 1
    await play_out(controller, sink)
    assert record.conversation_states()[-1] == (S.IDLE, R.PLAYBACK_END)
    await controller.close()


async def test_pose_is_the_servers_motion_at_the_audio_position(server: MotionServer) -> None:
    """Deterministic A/V sync: manual clock, real server, also across pause/resume."""
    pcm, rate = speech("pangram_24k")
    controller, sink, _ = make_controller(server, rate)
    await controller.start()
    req_id = await controller.send(pcm, end=True)
    await eventually(lambda: controller.playback.state is S.PLAYING)
    await eventually(lambda: controller.playback.current.track.ended)
    # The reference: the same generator run locally with the server's seed for this req_id.
    generator = MotionGenerator(rate, seed=response_seed(req_id))
    reference = MotionTrack(rate)
    reference.add(generator.push(pcm) + generator.finish())
    played = 0
    for step in range(120):
        if step == 40:
            assert controller.playback.pause()
        if step == 60:
            assert controller.playback.resume()
        paused = controller.playback.state is S.PAUSED
        assert controller.playback.position() == played
        np.testing.assert_allclose(controller.playback.pose(), reference.pose_at(played), atol=1e-6)
        sink.advance(BLOCK)
        fade = round(FADE_S * rate)  # pausing plays a short fade-out
        played += (fade if step == 40 else 0) if paused else BLOCK
    await controller.close()


async def test_pause_resume_interrupt_mid_response(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    controller, sink, record = make_controller(server, rate)
    await controller.start()
    first = await controller.send(pcm, end=True)
    await eventually(lambda: controller.playback.state is S.PLAYING)
    sink.advance(10 * BLOCK)
    assert controller.playback.pause()
    assert controller.playback.resume()
    assert await controller.interrupt() == first
    assert controller.playback.current is None and sink.queued() == 0
    second = await controller.send(pcm[: rate // 2], end=True)
    await play_out(controller, sink)
    assert record.conversation_states() == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.PAUSED, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.IDLE, R.USER_ACTION),
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.IDLE, R.PLAYBACK_END),
    ]
    assert [c.req_id for c in record.conversation][-1] == second
    assert record.errors == []
    await controller.close()


async def test_expired_token_4010_refreshes_through_the_provider(server: MotionServer) -> None:
    issued: list[str] = []

    async def provider() -> str:
        token = await fetch_session_token(server.console_url, API_KEY, ttl_s=3600)
        issued.append(token)
        return token

    short = server.tokens.issue(APP_ID, time.time() + 0.4)
    controller, _, record = make_controller(server, token=short, token_provider=provider)
    await controller.start()
    await eventually(lambda: len(record.connection) >= 5)
    assert record.connection_states() == [
        C.CONNECTING,
        C.CONNECTED,
        C.FAILED,
        C.CONNECTING,
        C.CONNECTED,
    ]
    failed = record.connection[2]
    assert failed.error is not None and failed.error.code is ErrorCode.SESSION_TOKEN_EXPIRED
    assert failed.error.close_code == 4010
    assert [e.code for e in record.errors] == [ErrorCode.SESSION_TOKEN_EXPIRED]
    assert len(issued) == 1 and issued[0] != short
    await controller.close()


async def test_an_expired_token_is_never_reused(server: MotionServer) -> None:
    short = server.tokens.issue(APP_ID, time.time() + 0.3)
    controller, _, _ = make_controller(server, token=short)
    await controller.start()
    await eventually(lambda: controller.connection_state is C.FAILED)
    sessions_before = server.accounts.open_sessions()
    with pytest.raises(AvatarError) as info:
        await controller.start()
    assert info.value.code is ErrorCode.SESSION_TOKEN_EXPIRED
    assert info.value.phase is Phase.SESSION_TOKEN, "refused before connecting"
    assert server.accounts.open_sessions() == sessions_before
    controller.set_session_token(server.issue_token(APP_ID))
    await controller.start()
    assert controller.connection_state is C.CONNECTED
    await controller.close()


async def test_transient_failures_retry_with_bounded_backoff(server: MotionServer) -> None:
    url = server.ws_url
    await server.stop()
    controller, _, record = make_controller(server)
    controller.settings = controller.settings.__class__(url, APP_ID, AVATAR_ID, retry=FAST_RETRY)
    started = time.monotonic()
    with pytest.raises(AvatarError) as info:
        await controller.start()
    assert info.value.code is ErrorCode.WEBSOCKET_ERROR
    assert record.connection_states().count(C.CONNECTING) == FAST_RETRY.max_attempts + 1
    assert record.connection_states()[-1] is C.FAILED
    assert time.monotonic() - started < 2.0
    assert all(e.code is ErrorCode.WEBSOCKET_ERROR for e in record.errors)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"token": "garbage"}, ErrorCode.SESSION_TOKEN_INVALID),
        ({"app_id": "ghost"}, ErrorCode.APP_ID_UNRECOGNIZED),
    ],
)
async def test_auth_failures_do_not_retry(
    server: MotionServer, options: dict[str, Any], code: ErrorCode
) -> None:
    controller, _, record = make_controller(server, **options)
    with pytest.raises(AvatarError) as info:
        await controller.start()
    assert info.value.code is code
    assert record.connection_states() == [C.CONNECTING, C.FAILED]


async def test_quota_failure_does_not_retry(server_factory: ServerFactory) -> None:
    from conftest import second_app

    server = await server_factory(apps=(second_app(max_concurrent_sessions=0),))
    controller, _, record = make_controller(
        server, app_id="other-app", token=server.issue_token("other-app")
    )
    with pytest.raises(AvatarError) as info:
        await controller.start()
    assert info.value.code is ErrorCode.CONCURRENT_LIMIT_EXCEEDED
    assert record.connection_states() == [C.CONNECTING, C.FAILED]


async def test_corrupt_frames_fall_back_to_audio_only(server: MotionServer) -> None:
    pcm, rate = speech("hello_16k")
    controller, sink, record = make_controller(server, rate, query={"faultCorruptEvery": "3"})
    await controller.start()
    await controller.send(pcm, end=True)
    await play_out(controller, sink)
    assert (S.PLAYING, R.FALLBACK_MODE) in record.conversation_states()
    assert record.conversation_states()[-1] == (S.IDLE, R.PLAYBACK_END)
    assert record.errors and record.errors[0].code is ErrorCode.MOTION_DATA_INVALID
    assert record.errors[0].phase is Phase.WEBSOCKET_RUNTIME
    assert controller.connection_state is C.CONNECTED, "bad motion is not a connection failure"
    await controller.close()


async def test_server_dropping_mid_response_keeps_audio_and_reconnects(
    server: MotionServer,
) -> None:
    pcm, rate = speech("hello_16k")
    controller, sink, record = make_controller(server, rate, query={"faultDropAfterFrames": "20"})
    await controller.start()
    await controller.send(pcm, end=True)
    await play_out(controller, sink)
    assert record.conversation_states()[-2:] == [
        (S.PLAYING, R.NETWORK_ERROR),
        (S.IDLE, R.PLAYBACK_END),
    ]
    await eventually(lambda: controller.connection_state is C.CONNECTED)
    failed = [c for c in record.connection if c.state is C.FAILED]
    assert failed[0].error.code is ErrorCode.WEBSOCKET_CLOSED_ABNORMALLY
    assert record.connection_states()[:5] == [
        C.CONNECTING,
        C.CONNECTED,
        C.FAILED,
        C.CONNECTING,
        C.CONNECTED,
    ]
    await controller.close()


async def test_idle_timeout_is_a_session_timeout_without_retry(
    server_factory: ServerFactory,
) -> None:
    server = await server_factory(idle_timeout_s=0.3)
    controller, _, record = make_controller(server)
    await controller.start()
    await eventually(lambda: controller.connection_state is C.FAILED)
    await asyncio.sleep(0.2)
    assert record.connection_states() == [C.CONNECTING, C.CONNECTED, C.FAILED]
    assert record.errors[0].code is ErrorCode.SESSION_TIMEOUT
    assert record.errors[0].close_code == 4004
    await controller.close()


async def test_send_requires_a_connection(server: MotionServer) -> None:
    controller, _, _ = make_controller(server)
    with pytest.raises(AvatarError) as info:
        await controller.send(np.zeros(10, dtype=np.int16))
    assert info.value.code is ErrorCode.WEBSOCKET_ERROR


async def test_real_time_playback_through_the_paced_null_sink(server: MotionServer) -> None:
    """The audio clock runs at real time and drives the response to its end."""
    from avatar_player.audio import PacedNullSink

    pcm, rate = speech("hello_16k")
    sink = PacedNullSink(rate)
    sink.start()
    try:
        playback = Playback(sink)
        settings = ConnectionSettings(server.ws_url, APP_ID, AVATAR_ID)
        controller = AvatarController(settings, playback)
        controller.set_session_token(server.issue_token(APP_ID))
        record = Recorder(controller)
        await controller.start()
        await controller.send(pcm[: rate // 2], end=True)  # 0.5 s
        await eventually(lambda: playback.state is S.PLAYING)
        samples = []
        while playback.current is not None:
            samples.append((time.monotonic(), controller.playback.audio_time()))
            await asyncio.sleep(0.01)
        assert record.conversation_states()[-1] == (S.IDLE, R.PLAYBACK_END)
        moving = [(t, a) for t, a in samples if 0.05 < a < 0.45]
        slope = np.polyfit([t for t, _ in moving], [a for _, a in moving], 1)[0]
        assert slope == pytest.approx(1.0, abs=0.05), "audio time advances at real time"
        assert sink.underruns == 0
        await controller.close()
    finally:
        sink.close()
