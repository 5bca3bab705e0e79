"""PlayerSession headless: embedded server, paced null sink, clips, Host Mode, the log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import SHARED, eventually, speech

from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.player import ConnectionState, ConversationState, StateChangeReason


async def open_session(**options: object) -> PlayerSession:
    session = PlayerSession(SessionOptions(audio="null", sample_rate=16000, **options))
    await session.open()
    return session


async def test_embedded_session_plays_a_clip_to_the_end(tmp_path: Path) -> None:
    pcm, rate = speech("hello_16k")
    clip = tmp_path / "short.wav"
    sf.write(clip, pcm[: rate * 6 // 10], rate)  # 0.6 s
    session = await open_session()
    changes = []
    session.conversation_changed.connect(changes.append)
    try:
        assert await session.connect()
        assert session.controller.connection_state is ConnectionState.CONNECTED
        req_id = await session.play_clip(clip)
        assert req_id
        await eventually(
            lambda: bool(changes) and changes[-1].reason is StateChangeReason.PLAYBACK_END
        )
        assert [c.state for c in changes] == [
            ConversationState.ACTIVE,
            ConversationState.PLAYING,
            ConversationState.IDLE,
        ]
        assert session.log.entries == []
    finally:
        await session.close()
    assert session.server is None


async def test_a_bad_clip_is_logged_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "not-audio.wav"
    bad.write_text("hello")
    session = await open_session()
    try:
        await session.connect()
        assert await session.play_clip(bad) is None
        [entry] = session.log.entries
        assert entry.code.startswith("clip")
    finally:
        await session.close()


async def test_playing_without_a_connection_is_logged(tmp_path: Path) -> None:
    pcm, rate = speech("hello_16k")
    clip = tmp_path / "c.wav"
    sf.write(clip, pcm[:1600], rate)
    session = await open_session()
    try:
        assert await session.play_clip(clip) is None
        assert [e.code for e in session.log.entries] == ["websocketError"]
    finally:
        await session.close()


async def test_host_mode_recording_plays_without_a_connection() -> None:
    folder = SHARED / "data" / "flame-sample"
    if not folder.exists():
        return
    session = await open_session()
    try:
        assert session.play_recording(folder)
        assert session.playback.state is ConversationState.ACTIVE
        session.playback.tick()
        assert session.playback.state is ConversationState.PLAYING
        await session.interrupt()
        assert session.playback.state is ConversationState.IDLE
    finally:
        await session.close()


async def test_a_bad_recording_is_logged(tmp_path: Path) -> None:
    (tmp_path / "audio.pcm").write_bytes(np.zeros(100, dtype="<i2").tobytes())
    (tmp_path / "keyframes.json").write_text('{"keyframes": [{"jawPose": [1]}]}')
    session = await open_session()
    try:
        assert session.play_recording(tmp_path) is None
        assert session.log.entries[0].code == "recordingInvalid"
    finally:
        await session.close()


async def test_changing_the_rate_rebuilds_the_audio_output() -> None:
    session = await open_session()
    try:
        first_sink = session.sink
        await session.apply(SessionOptions(audio="null", sample_rate=48000))
        assert session.sink is not first_sink and session.sink.sample_rate == 48000
        assert await session.connect()
        assert session.controller.sample_rate == 48000
    finally:
        await session.close()
