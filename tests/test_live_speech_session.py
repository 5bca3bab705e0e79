"""Text to speech through the whole player (PlayerSession, embedded Motion Server, paced
null sink): what is synthesized is played, the jaw moves, and every problem is a code in
the log with the next utterance working."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import eventually, null_player, render_loop

from avatar_player.models.live_speech import LiveSpeech
from avatar_player.models.player_session import PlayerSession
from avatar_player.player import StateChangeReason
from avatar_player.protocol.motion import LAYOUT
from avatar_player.speech.voices import ESPEAK_ENV

JAW = LAYOUT["jaw_open"]
SENTENCES = "Hello there. It is a lovely day."


async def say_and_watch(session: PlayerSession, live: LiveSpeech, text: str) -> float:
    """Say `text`; the widest jaw opening shown while it played (0 when nothing played)."""
    ends = []
    session.conversation_changed.connect(
        lambda change: (
            ends.append(change) if change.reason is StateChangeReason.PLAYBACK_END else None
        )
    )
    async with render_loop(session) as shown:
        req_id = await live.say(text)
        if req_id is not None:
            await eventually(lambda: bool(ends), timeout_s=15)
    return max((float(pose[JAW][0]) for pose in shown), default=0.0)


def codes(session: PlayerSession) -> list[tuple[str, str, str]]:
    return [(e.severity, e.code, e.phase) for e in session.log.entries]


async def test_piper_speaks_every_sample_and_the_jaw_moves() -> None:
    async with null_player() as session:
        assert await session.connect()
        played: list[np.ndarray] = []
        spoken: list[np.ndarray] = []
        assert session.sink is not None and session.playback is not None
        session.sink.add_tap(played.append)
        session.playback.fed.connect(
            lambda item: spoken.append(item.pcm) if item.pcm is not None else None
        )
        live = LiveSpeech(session)
        opened = await say_and_watch(session, live, SENTENCES)
        assert opened > 0.3
        assert codes(session) == []
        np.testing.assert_array_equal(np.concatenate(played), np.concatenate(spoken))


async def test_with_piper_hidden_espeak_speaks_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    async with null_player() as session:
        assert await session.connect()
        opened = await say_and_watch(session, LiveSpeech(session), SENTENCES)
        assert opened > 0.3
        assert codes(session) == [("warning", "ttsFallbackEspeak", "speech")]


async def test_bad_input_is_a_code_in_the_log_and_the_next_utterance_works(
    tmp_path: Path,
) -> None:
    async with null_player() as session:
        assert await session.connect()
        live = LiveSpeech(session)
        assert await live.say("   ") is None
        live.voice = tmp_path / "nobody.onnx"
        assert await live.say("Hello.") is None
        (tmp_path / "broken.onnx").write_bytes(b"not a model")
        (tmp_path / "broken.onnx.json").write_text("{}")
        live.voice = tmp_path / "broken.onnx"
        assert await live.say("Hello.") is None
        assert codes(session) == [
            ("error", "speechTextEmpty", "speech"),
            ("error", "ttsVoiceUnavailable", "speech"),  # twice, grouped in one row
        ]
        assert session.log.entries[1].count == 2
        assert session.playback is not None and session.playback.current is None
        live.voice = None
        assert await say_and_watch(session, live, "Now it works.") > 0.3


async def test_tts_failing_mid_text_plays_what_was_said_then_recovers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    espeak = tmp_path / "espeak-ng"
    installed = shutil.which("espeak-ng")
    assert installed, "tools/install.sh installs espeak-ng"
    shutil.copy(installed, espeak)
    monkeypatch.setenv(ESPEAK_ENV, str(espeak))
    async with null_player() as session:
        assert await session.connect()
        playback = session.playback
        assert playback is not None
        playback.changed.connect(lambda change: espeak.unlink(missing_ok=True))
        ends = []
        playback.changed.connect(
            lambda c: ends.append(c) if c.reason is StateChangeReason.PLAYBACK_END else None
        )
        live = LiveSpeech(session)
        assert await live.say("One two three. " * 6) is None
        await eventually(lambda: bool(ends), timeout_s=15)
        assert ("error", "ttsFailed", "speech") in codes(session)
        monkeypatch.delenv(ESPEAK_ENV)
        assert await say_and_watch(session, live, "Back again.") > 0.3


async def test_a_microphone_that_does_not_exist_stops_hands_free_and_says_why() -> None:
    async with null_player() as session:
        assert await session.connect()
        live = LiveSpeech(session)
        stopped: list[None] = []
        live.hands_free_stopped.connect(stopped.append)
        live.device = "no such microphone"
        live.set_hands_free(True)
        await eventually(lambda: bool(stopped))
        assert not live.hands_free
        live.press_to_talk()
        await eventually(lambda: session.log.entries[0].count == 2)
        live.release_to_talk()
        assert codes(session) == [("error", "microphoneUnavailable", "speech")]
        assert "no such microphone" in session.log.entries[0].message
        await live.close()
        assert await say_and_watch(session, live, "Still here.") > 0.3
