"""The desktop window under Xvfb for tests: a qasync loop over the pytest-qt QApplication,
a window on an open embedded session, and helpers that wait on its widgets."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from avatar_player.models.player_session import SessionOptions
from avatar_player.protocol.motion import LAYOUT
from avatar_player.ui.app import close_window, open_window
from avatar_player.ui.environment import request_gl_core_profile
from avatar_player.ui.main_window import MainWindow
from avatar_player.ui.scripted import until

request_gl_core_profile()

Scenario = Callable[[MainWindow], Awaitable[None]]


@pytest.fixture
def run_window(qapp: QApplication, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Run `scenario(window)` with a window on an open embedded session."""
    qapp.setQuitOnLastWindowClosed(False)
    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    def run(scenario: Scenario, **options: object) -> None:
        async def main() -> None:
            settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
            session_options = SessionOptions(audio="null", sample_rate=16000, **options)
            window = await open_window(
                session_options, settings, tier="minimal", avatar_cache_dir=tmp_path / "cache"
            )
            try:
                await scenario(window)
            finally:
                await close_window(window)

        loop.run_until_complete(asyncio.wait_for(main(), 60))

    yield run
    loop.close()
    asyncio.set_event_loop(None)
    # Collect the test's garbage here, after its loop closed: a collection on another thread
    # (the server's, the audio's) would destroy qasync's timer object there, and Qt then
    # fires a timer of a deleted object ("Timers cannot be stopped from another thread").
    gc.collect()


async def jaw_while_playing(window: MainWindow) -> float:
    """Wait for the response to play; the widest jaw opening until it stops playing."""
    await until(lambda: badge(window, "conversation") == "playing")
    opened = 0.0
    while badge(window, "conversation") == "playing":
        opened = max(opened, float(window.session.peek_pose()[LAYOUT["jaw_open"]][0]))
        await asyncio.sleep(0.02)
    return opened


def badge(window: MainWindow, name: str) -> str:
    return getattr(window.status, name).state
