"""Screenshots of the player for review: idle, speaking, saying typed text (Piper), a slow
producer rebuffering, error log filtered by one code, and Custom Mode through a relay while
recording.

xvfb-run -a -s "-screen 0 1600x1000x24" python tools/take_screenshots.py OUT_DIR
"""

from __future__ import annotations

import sys

from avatar_player.ui.environment import configure_gl_environment

configure_gl_environment()

import asyncio  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6.QtCore import QSettings  # noqa: E402

from avatar_player.bundled import CLIPS_DIR  # noqa: E402
from avatar_player.models.player_session import SessionOptions  # noqa: E402
from avatar_player.protocol.motion import LAYOUT  # noqa: E402
from avatar_player.relay import Relay, RelayConfig  # noqa: E402
from avatar_player.ui.app import close_window, open_window  # noqa: E402
from avatar_player.ui.main_window import MainWindow  # noqa: E402
from avatar_player.ui.scripted import run_scripted, until  # noqa: E402

CLIP = CLIPS_DIR / "pangram_24k.wav"
WAIT_S = 30.0
"""How long a step may take (Piper's first sentence loads the voice)."""


def snap(window: MainWindow, path: Path) -> None:
    """Save the window as the screen shows it (the avatar view is a window of its own,
    which QWidget.grab does not see)."""
    window.screen().grabWindow(window.winId()).save(str(path))


async def wait_for(condition: Callable[[], bool]) -> None:
    await until(condition, WAIT_S)


async def shoot(out: Path, settings: QSettings) -> None:
    window: MainWindow = await open_window(SessionOptions(audio="null"), settings, tier=None)
    try:
        await wait_for(lambda: window.status.first_frame.state == "rendered")
        await window.session.connect()
        await asyncio.sleep(1.5)
        snap(window, out / "idle_window.png")
        window.playback.select_clip(str(CLIP))
        await window.play()
        jaw = LAYOUT["jaw_open"].start
        await wait_for(lambda: window.session.peek_pose()[jaw] > 0.6)
        snap(window, out / "speaking_window.png")
        window.view.save_png(out / "speaking_view.png")
        await wait_for(lambda: window.status.conversation.state == "idle")
        await shoot_live_speech(window, out)
        bad = out / "not-audio.wav"
        bad.write_text("not audio")
        await window.session.play_clip(bad)
        await window.session.disconnect()
        await window.session.play_clip(CLIP)
        window.errors.set_code_filter({"websocketError"})
        await asyncio.sleep(0.3)
        snap(window, out / "error_log_filtered.png")
        window.errors.set_code_filter(None)
        await shoot_relay(window, out)
    finally:
        await close_window(window)


async def shoot_live_speech(window: MainWindow, out: Path) -> None:
    """Typed text spoken mid-sentence; a clip produced at 0.8x real time, rebuffering."""
    jaw = LAYOUT["jaw_open"].start
    window.speech.text.setText("Hello! I am your avatar. Type a sentence and I will say it.")
    saying = window.say()
    await wait_for(lambda: window.session.peek_pose()[jaw] > 0.5)
    snap(window, out / "saying_window.png")
    await saying
    await wait_for(lambda: window.status.conversation.state == "idle")
    pacing = window.playback.pacing
    pacing.setCurrentIndex(pacing.findText("0.8x real time (producer too slow)"))
    playing = window.play()
    await wait_for(lambda: window.status.reason.text() == "rebuffering")
    snap(window, out / "rebuffering_window.png")
    await playing
    await wait_for(lambda: window.status.conversation.state == "idle")
    pacing.setCurrentIndex(0)


async def shoot_relay(window: MainWindow, out: Path) -> None:
    """Custom Mode: the embedded server behind a relay, recording while it speaks."""
    server = window.session.server
    assert server is not None
    async with Relay(RelayConfig(server.ws_url, server.console_url, port=0)) as relay:
        connection = window.connection
        connection.server.setCurrentIndex(connection.server.findData("relay"))
        connection.url.setText(relay.url)
        await window.connect_server()
        window.recording.record_button.click()
        await window.play()
        jaw = LAYOUT["jaw_open"].start
        await wait_for(lambda: window.session.peek_pose()[jaw] > 0.6)
        snap(window, out / "relay_recording_window.png")
        await wait_for(lambda: window.status.conversation.state == "idle")
        window.recording.record_button.click()


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    run_scripted(lambda settings: shoot(out, settings))
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
