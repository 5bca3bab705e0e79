"""Live speech in the window under Xvfb: the Say box speaks with Piper, a paced clip
rebuffers visibly, and the panel shows what happened."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import speech_clip
from PySide6.QtCore import Qt
from window_harness import badge, jaw_while_playing, until

from avatar_player.client import AvatarError, Phase
from avatar_player.models.actions import Action, valid_actions
from avatar_player.player import ConnectionChange, ConnectionState, ConversationState
from avatar_player.protocol.errors import ErrorCode
from avatar_player.ui.main_window import MainWindow
from avatar_player.ui.status_panel import StatusPanel


def test_typed_text_is_spoken_by_piper_and_moves_the_jaw(run_window, qtbot) -> None:
    async def scenario(window: MainWindow) -> None:
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        assert window.speech.say_button.isEnabled()
        window.speech.text.setText("Hello there. Nice to meet you.")
        qtbot.keyClick(window.speech.text, Qt.Key.Key_Return)
        opened = await jaw_while_playing(window)
        await until(lambda: badge(window, "conversation") == "idle")
        assert opened > 0.3, "the lips moved with the synthesized speech"
        assert window.status.reason.text() == "playbackEnd"
        assert window.session.log.entries == [], "Piper spoke: no fallback, no error"

    run_window(scenario)


def test_a_slow_producer_shows_its_rebuffers(run_window, tmp_path: Path) -> None:
    # 3.5 s at 0.8x falls 0.9 s behind: more than the start buffers (the jitter buffer and
    # the wait for the Motion Server's phone lookahead).
    clip = speech_clip(tmp_path, 3.5)

    async def scenario(window: MainWindow) -> None:
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        window.playback.select_clip(clip)
        window.playback.pacing.setCurrentIndex(
            window.playback.pacing.findText("0.8", Qt.MatchFlag.MatchStartsWith)
        )
        window.playback.play_button.click()
        reasons: set[str] = set()
        await until(lambda: badge(window, "conversation") == "playing")
        while badge(window, "conversation") != "idle":
            reasons.add(window.status.reason.text())
            await asyncio.sleep(0.02)
        assert "rebuffering" in reasons or "bufferRefilled" in reasons
        assert not window.status.rebuffers.text().startswith("0"), window.status.rebuffers.text()
        assert window.status.underruns.text() == "0"

    run_window(scenario)


def test_speech_controls_follow_the_connection(run_window) -> None:
    async def scenario(window: MainWindow) -> None:
        assert Action.SAY not in window.valid_actions(), "not connected yet"
        assert not window.speech.talk_button.isEnabled()
        window.connection.connect_button.click()
        await until(lambda: badge(window, "connection") == "connected")
        assert window.speech.talk_button.isEnabled() and window.speech.hands_free.isEnabled()

    run_window(scenario)


def test_the_badge_shows_a_reconnect_on_demand(qapp) -> None:
    panel = StatusPanel()
    timeout = AvatarError(ErrorCode.SESSION_TIMEOUT, "idle", Phase.WEBSOCKET_RUNTIME)
    shown = []
    for change in (
        ConnectionChange(ConnectionState.CONNECTED),
        ConnectionChange(ConnectionState.FAILED, timeout),
        ConnectionChange(ConnectionState.CONNECTING),
        ConnectionChange(ConnectionState.CONNECTED),
    ):
        panel.show_connection(change)
        shown.append(panel.connection.text())
    assert shown == [
        "connected",
        "failed  sessionTimeout",
        "connecting  reconnecting after sessionTimeout",
        "connected  reconnected",
    ]


@pytest.mark.parametrize(
    ("can_reconnect", "expected"),
    [(True, {Action.PLAY, Action.SAY, Action.TALK}), (False, set())],
    ids=["transient failure", "auth failure"],
)
def test_speech_is_offered_on_a_failed_connection_only_when_it_can_reconnect(
    can_reconnect: bool, expected: set[Action]
) -> None:
    valid = valid_actions(
        ConnectionState.FAILED,
        ConversationState.IDLE,
        host_mode_clip=False,
        can_refresh_token=False,
        can_reconnect=can_reconnect,
    )
    assert valid & {Action.PLAY, Action.SAY, Action.TALK} == expected
