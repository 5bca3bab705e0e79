"""Driving the real window from a script (the benchmarks, the screenshot tool, the window
tests): a QApplication on qasync's loop with throwaway settings and data, and a wait for a
condition that lets Qt and asyncio run meanwhile."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from avatar_player.ui.environment import request_gl_core_profile


def run_scripted(script: Callable[[QSettings], Awaitable[None]]) -> None:
    """Run `script(settings)`, which opens and closes its windows, with settings and data
    (XDG_DATA_HOME: recordings) in a temporary folder that is removed afterwards."""
    request_gl_core_profile()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    data_home = os.environ.get("XDG_DATA_HOME")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        try:
            settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
            with asyncio.Runner(loop_factory=QEventLoop) as runner:
                runner.run(script(settings))
        finally:
            if data_home is None:
                del os.environ["XDG_DATA_HOME"]
            else:
                os.environ["XDG_DATA_HOME"] = data_home


async def until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Let Qt and asyncio run until `condition()` holds; TimeoutError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not reached in {timeout_s:g} s")
        await asyncio.sleep(0.02)
