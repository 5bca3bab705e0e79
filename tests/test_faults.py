"""Faults while the player plays, driven through PlayerSession as the app drives it.

Each test breaks one thing for real (a server process killed, a connection dropped, a
stalled link, damaged frames, a missing `end`, an audio device that cannot open or
dies) and checks the connection states with their error codes, the conversation states
with their reasons and the error log; then the same PlayerSession plays the next clip
to playbackEnd with the jaw moving: the player recovers without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import sounddevice
from conftest import API_KEY, null_player, speech_clip
from fifo_sound_card import FifoSoundCard, card_environment, run_in_child
from net_proxy import NetProxy
from server_process import bind, port, prepare_server_process, start_server_process, stop

from avatar_player.audio import PacedNullSink, SoundDeviceSink
from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.player import (
    ConnectionChange,
    ConnectionState,
    ConversationChange,
    ConversationState,
    StateChangeReason,
)
from avatar_player.protocol.motion import LAYOUT
from avatar_player.server import MotionServer

C = ConnectionState
S = ConversationState
R = StateChangeReason
JAW_OPEN = LAYOUT["jaw_open"].start
RATE = 16000
SPOKEN = 0.3
"""Jaw opening (0..1) that speech reaches when its motion plays."""
ServerFactory = Callable[..., Awaitable[MotionServer]]

CONNECTED = [(C.CONNECTING, None), (C.CONNECTED, None)]
PLAYED = [(S.ACTIVE, R.USER_ACTION), (S.PLAYING, R.USER_ACTION), (S.IDLE, R.PLAYBACK_END)]
"""A response that plays with motion to its end."""


@dataclass
class Played:
    """One response as the player showed it."""

    conversation: list[tuple[S, R]]
    frames: list[int]
    """Motion frames the response held at each of its conversation changes."""
    frames_held: int
    """The most motion frames it held."""
    jaw_opened: float
    seconds: float


class Observer:
    """What a PlayerSession reports, as the window shows it, and a render loop."""

    def __init__(self, session: PlayerSession) -> None:
        self.session = session
        self.connection: list[ConnectionChange] = []
        self.conversation: list[tuple[ConversationChange, int]] = []
        session.connection_changed.connect(self.connection.append)
        session.conversation_changed.connect(self._on_conversation)

    def _on_conversation(self, change: ConversationChange) -> None:
        response = self.session.playback.current if self.session.playback else None
        self.conversation.append((change, len(response.track) if response else 0))

    def connection_states(self) -> list[tuple[C, str | None]]:
        """(state, error code) of every connection change."""
        return [(c.state, c.error and str(c.error.code)) for c in self.connection]

    def log(self) -> list[tuple[str, str, str]]:
        """(severity, code, phase) of every error log entry."""
        return [(e.severity, e.code, e.phase) for e in self.session.log.entries]

    async def until(self, condition: Callable[[], bool], limit_s: float = 10.0) -> None:
        async with asyncio.timeout(limit_s):
            while not condition():
                await asyncio.sleep(0.01)

    async def play(
        self, path: Path, fault: Callable[[], Awaitable[object]] | None = None
    ) -> Played:
        """Play a clip like the app: send it, render every 20 ms until playbackEnd.
        `fault` runs alongside once the clip is sent."""
        first = len(self.conversation)
        started = time.monotonic()
        req_id = await self.session.play_clip(path)
        assert req_id, self.log()
        breaking = asyncio.ensure_future(fault()) if fault else None
        opened, held = 0.0, 0
        async with asyncio.timeout(15):
            while not any(
                c.reason is R.PLAYBACK_END and c.req_id == req_id
                for c, _ in self.conversation[first:]
            ):
                opened = max(opened, float(self.session.pose()[JAW_OPEN]))
                self.session.report_frame()
                if (response := self.session.playback.current) is not None:
                    held = max(held, len(response.track))
                await asyncio.sleep(0.02)
        if breaking is not None:
            await breaking
        mine = [(c, n) for c, n in self.conversation[first:] if c.req_id == req_id]
        return Played(
            [(c.state, c.reason) for c, _ in mine],
            [n for _, n in mine],
            held,
            opened,
            time.monotonic() - started,
        )

    async def plays_again(self, path: Path) -> None:
        """The recovery check: the next clip plays with motion to its end."""
        entries = len(self.session.log.entries)
        played = await self.play(path)
        assert played.conversation == PLAYED
        assert played.jaw_opened > SPOKEN
        assert len(self.session.log.entries) == entries, self.log()[entries:]


@pytest.fixture
async def player() -> AsyncIterator[Callable[..., Awaitable[tuple[PlayerSession, Observer]]]]:
    """Open PlayerSessions (null audio at 16 kHz plus the given options), closed after."""
    async with contextlib.AsyncExitStack() as sessions:

        async def open_player(**options: Any) -> tuple[PlayerSession, Observer]:
            session = await sessions.enter_async_context(null_player(**options))
            return session, Observer(session)

        yield open_player


async def without_faults(session: PlayerSession) -> None:
    """Reconnect the same session to the server with fault injection off."""
    await session.apply(replace(session.options, fault_query={}))
    assert await session.connect()


# --- the server ------------------------------------------------------------------------------


async def test_server_killed_mid_response(tmp_path: Path, player) -> None:
    """SIGKILL of the server process while a response plays: the audio plays on
    (networkError), the connection fails (websocketClosedAbnormally) and retries; once a
    server is back on the same ports the player reconnects by itself, fetching a fresh token
    because the new process signs with a new key (sessionTokenInvalid, 4011), and plays."""
    # The response's `end` is held back, so its motion is still streaming when the kill comes.
    process, ingress, console = start_server_process(
        "--port", "0", "--http-port", "0", "--fault-end-delay-ms", "30000"
    )
    replacement = prepare_server_process("--port", port(ingress), "--http-port", port(console))
    try:
        session, seen = await player(
            server="remote", url=ingress, console_url=console, api_key=API_KEY
        )
        assert await session.connect()

        async def kill_and_restart() -> None:
            await seen.until(lambda: session.playback.state is S.PLAYING)
            process.send_signal(signal.SIGKILL)
            await asyncio.to_thread(process.wait)
            await seen.until(lambda: session.controller.connection_state is C.FAILED)
            assert await asyncio.to_thread(bind, replacement) == (ingress, console)

        speech_s = 1.2
        played = await seen.play(speech_clip(tmp_path, speech_s), kill_and_restart)
        assert played.conversation == [
            (S.ACTIVE, R.USER_ACTION),
            (S.PLAYING, R.USER_ACTION),
            (S.PLAYING, R.NETWORK_ERROR),
            (S.IDLE, R.PLAYBACK_END),
        ]
        assert played.seconds >= speech_s, "the audio played to its end"
        await seen.until(lambda: session.controller.connection_state is C.CONNECTED)
        states = seen.connection_states()
        retries = states[3:-4]  # attempts while no server listened
        assert states[:3] + states[-4:] == [
            *CONNECTED,
            (C.FAILED, "websocketClosedAbnormally"),
            (C.CONNECTING, None),
            (C.FAILED, "sessionTokenInvalid"),
            *CONNECTED,
        ]
        assert retries == [(C.CONNECTING, None), (C.FAILED, "websocketError")] * (len(retries) // 2)
        expected_log = [("error", "websocketClosedAbnormally", "websocket_runtime")]
        if retries:
            expected_log.append(("error", "websocketError", "websocket_connect"))
        expected_log.append(("error", "sessionTokenInvalid", "websocket_handshake"))
        assert seen.log() == expected_log
        await seen.plays_again(speech_clip(tmp_path, 0.6))
    finally:
        for server in (process, replacement):
            stop(server)


async def test_connection_dropped_mid_response(tmp_path: Path, player) -> None:
    """The server aborts the TCP connection (no close frame) after the first frames: the
    response goes on as audio only (networkError), the connection fails with
    websocketClosedAbnormally and reconnects by itself."""
    # Two frames are less than the jitter buffer: the drop always comes before playback starts.
    session, seen = await player(fault_query={"faultDropAfterFrames": "2"})
    assert await session.connect()
    played = await seen.play(speech_clip(tmp_path, 1.0))
    assert played.conversation == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.NETWORK_ERROR),
        (S.IDLE, R.PLAYBACK_END),
    ]
    assert played.jaw_opened == 0.0, "audio only"
    await seen.until(lambda: session.controller.connection_state is C.CONNECTED)
    assert seen.connection_states() == [
        *CONNECTED,
        (C.FAILED, "websocketClosedAbnormally"),
        *CONNECTED,
    ]
    assert seen.log() == [("error", "websocketClosedAbnormally", "websocket_runtime")]
    await without_faults(session)
    await seen.plays_again(speech_clip(tmp_path, 0.6))


@pytest.fixture
async def proxied(server_factory: ServerFactory, player) -> AsyncIterator[tuple[Any, ...]]:
    """A player connected through a NetProxy to a server: (session, observer, proxy)."""
    server = await server_factory()
    proxy = NetProxy(server.config.host, server.ws_port)
    await proxy.start()
    session, seen = await player(
        server="remote", url=proxy.url(), console_url=server.console_url, api_key=API_KEY
    )
    assert await session.connect()
    yield session, seen, proxy
    await proxy.close()


async def test_connection_lost_after_the_motion_arrived(tmp_path: Path, proxied) -> None:
    """The network drops (reset) while a response whose motion has all arrived plays: it
    plays on with motion; the connection fails and reconnects by itself."""
    session, seen, proxy = proxied

    async def drop() -> None:
        await seen.until(lambda: session.playback.current.track.ended)
        proxy.drop()

    played = await seen.play(speech_clip(tmp_path, 1.2), drop)
    assert played.conversation == PLAYED
    assert played.jaw_opened > SPOKEN
    await seen.until(lambda: session.controller.connection_state is C.CONNECTED)
    assert seen.connection_states() == [
        *CONNECTED,
        (C.FAILED, "websocketClosedAbnormally"),
        *CONNECTED,
    ]
    assert seen.log() == [("error", "websocketClosedAbnormally", "websocket_runtime")]
    await seen.plays_again(speech_clip(tmp_path, 0.6))


async def test_network_stall_of_one_second(tmp_path: Path, proxied) -> None:
    """A 1 s stall of the server-to-player bytes.

    Before the response's first frame: the jitter buffer waits it out (no motion timeout
    within 2 s), the response starts ~1 s late and plays with motion, nothing is logged.
    After its first ~9 frames: playback starts, the motion runs out, and 0.4 s later the
    response falls back to audio only (motionDataLate, fallbackMode) and plays to its end.
    """
    _, seen, proxy = proxied
    proxy.stall(1.0)
    speech_s = 1.2
    late_start = await seen.play(speech_clip(tmp_path, speech_s))
    assert late_start.conversation == PLAYED
    assert late_start.jaw_opened > SPOKEN
    assert speech_s + 1.0 <= late_start.seconds < speech_s + 1.5
    assert seen.log() == []

    proxy.stall(1.0, after_bytes=1200)  # ~9 frames: more than the 0.2 s jitter buffer
    starved = await seen.play(speech_clip(tmp_path, speech_s))
    assert starved.conversation == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.USER_ACTION),
        (S.PLAYING, R.FALLBACK_MODE),
        (S.IDLE, R.PLAYBACK_END),
    ]
    playing, fallback = starved.frames[1:3]
    assert 6 <= playing <= fallback <= 12, starved.frames
    assert speech_s <= starved.seconds < speech_s + 0.5, "the audio did not wait"
    assert seen.log() == [("error", "motionDataLate", "playback")]
    assert seen.connection_states() == CONNECTED
    await seen.plays_again(speech_clip(tmp_path, 0.6))


@pytest.mark.parametrize(
    ("fault", "code"),
    [("faultCorruptEvery", "motionDataInvalid"), ("faultTruncateEvery", "motionDataInvalid")],
)
async def test_invalid_frames_fall_back_to_audio(
    tmp_path: Path, player, fault: str, code: str
) -> None:
    """Every 2nd animation message carries NaN/inf (corrupt) or short (truncated) frames:
    motionDataInvalid, the response plays on as audio only (fallbackMode); the frames that
    decoded are kept (the first message's), the connection stays up."""
    session, seen = await player(fault_query={fault: "2"})
    assert await session.connect()
    played = await seen.play(speech_clip(tmp_path, 1.0))
    assert played.conversation == [
        (S.ACTIVE, R.USER_ACTION),
        (S.PLAYING, R.FALLBACK_MODE),
        (S.IDLE, R.PLAYBACK_END),
    ]
    assert 0 < played.frames[1] < 6, "the first message's frames were kept"
    assert played.jaw_opened == 0.0
    assert seen.log() == [("error", code, "websocket_runtime")]
    assert seen.connection_states() == CONNECTED
    await without_faults(session)
    await seen.plays_again(speech_clip(tmp_path, 0.6))


async def test_undecodable_message_is_a_protocol_error(tmp_path: Path, player) -> None:
    """One animation message cut in half (every 15th: one in the first response, none in the
    short next one): protocolError is logged, the frames of every other message play, the
    response keeps its motion and the connection stays up."""
    session, seen = await player(fault_query={"faultGarbleEvery": "15"})
    assert await session.connect()
    played = await seen.play(speech_clip(tmp_path, 2.0))  # ~20 messages
    assert played.conversation == PLAYED
    assert played.jaw_opened > SPOKEN
    assert 40 <= played.frames_held < 50, "all but the garbled message's frames"
    assert seen.log() == [("error", "protocolError", "websocket_runtime")]
    assert seen.connection_states() == CONNECTED
    await seen.plays_again(speech_clip(tmp_path, 0.6))


async def test_end_that_never_comes(tmp_path: Path, player) -> None:
    """The server never sends `end=true`: each response still ends (playbackEnd) once its
    audio has played, with its motion, and the next one plays on the same connection."""
    session, seen = await player(fault_query={"faultEndDelayMs": "-1"})
    assert await session.connect()
    speech_s = 1.0
    played = await seen.play(speech_clip(tmp_path, speech_s))
    assert played.conversation == PLAYED
    assert played.jaw_opened > SPOKEN
    assert played.seconds < speech_s + 0.5, "nothing waited for the end"
    assert seen.log() == []
    await seen.plays_again(speech_clip(tmp_path, 0.6))
    assert seen.connection_states() == CONNECTED


# --- the audio device --------------------------------------------------------------------------


async def test_audio_device_failing_to_open(
    tmp_path: Path, player, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configured output cannot be opened: the session falls back to the paced null
    sink, the error log says why (audioDeviceUnavailable, a warning), and it plays."""
    monkeypatch.setattr(sounddevice.default, "device", "no such device 1234")
    session, seen = await player(audio="device")
    assert isinstance(session.sink, PacedNullSink)
    [entry] = session.log.entries
    assert (entry.severity, entry.code) == ("warning", "audioDeviceUnavailable")
    assert "no such device 1234" in entry.message
    assert await session.connect()
    await seen.plays_again(speech_clip(tmp_path, 0.6))


def play_through_a_dying_card(fifo: str) -> dict[str, Any]:
    """Child process: a PlayerSession on a real PortAudio output that is aborted mid-response."""
    with FifoSoundCard(fifo, RATE):
        return asyncio.run(_dying_card_session(Path(fifo).parent))


async def _dying_card_session(tmp_path: Path) -> dict[str, Any]:
    session = PlayerSession(SessionOptions(audio="device", sample_rate=RATE))
    await session.open()
    seen = Observer(session)
    try:
        assert isinstance(session.sink, SoundDeviceSink), seen.log()
        assert await session.connect()

        async def unplug() -> None:
            await seen.until(lambda: session.playback.audio_time() > 0.3)
            session.sink._stream.abort()  # from outside, as when the device goes away

        played = await seen.play(speech_clip(tmp_path, 1.2), unplug)
        warnings = [e.message for e in session.log.entries]
        entries = len(session.log.entries)
        again = await seen.play(speech_clip(tmp_path, 0.6))
        return {
            "failed_over": session.sink.failed_over,
            "played": [played.conversation, played.jaw_opened, played.seconds],
            "again": [again.conversation, again.jaw_opened],
            "log": seen.log(),
            "warnings": warnings,
            "new_entries": len(session.log.entries) - entries,
            "connection": seen.connection_states(),
        }
    finally:
        await session.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ALSA only")
def test_audio_device_dying_mid_response(tmp_path: Path) -> None:
    """The PortAudio stream dies while a response plays: the sink fails over to a paced
    silent clock, the log says so (audioDeviceUnavailable, a warning), the response plays to
    its end with its motion, and the next one plays too."""
    env, fifo = card_environment(tmp_path)
    result = run_in_child(env, "test_faults", "play_through_a_dying_card", str(fifo))
    assert result["failed_over"]
    conversation, jaw_opened, seconds = result["played"]
    assert [tuple(change) for change in conversation] == PLAYED
    assert jaw_opened > SPOKEN
    assert seconds >= 1.2
    assert [tuple(entry) for entry in result["log"]] == [
        ("warning", "audioDeviceUnavailable", "playback")
    ]
    [warning] = result["warnings"]
    assert "failed (the stream stopped)" in warning
    conversation, jaw_opened = result["again"]
    assert [tuple(change) for change in conversation] == PLAYED
    assert jaw_opened > SPOKEN
    assert result["new_entries"] == 0
    assert [tuple(state) for state in result["connection"]] == CONNECTED
