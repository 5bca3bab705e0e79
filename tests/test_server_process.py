"""The Motion Server as the app's child process (avatar_player.server.process)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import eventually, null_player, speech_clip

from avatar_player.client import fetch_session_token
from avatar_player.player import ConversationChange, StateChangeReason
from avatar_player.server import process as server_process
from avatar_player.server.process import ServerProcess


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


async def test_the_child_serves_tokens_and_logs_through_the_app(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="avatar_player.server")
    server = ServerProcess()
    server.start()
    try:
        assert server.ws_url.startswith("ws://127.0.0.1:") and server.ws_url.endswith("/websocket")
        assert await fetch_session_token(server.console_url, "demo-key")
        assert any("Motion Server ready" in r.getMessage() for r in caplog.records)
        pid = server.pid
        assert pid is not None and running(pid)
    finally:
        server.stop()
    assert server.pid is None and not running(pid)


def test_a_child_that_cannot_start_is_reported_with_its_error() -> None:
    with pytest.raises(RuntimeError, match=r"did not start: .*no-such\.toml"):
        ServerProcess(["--config", "/no-such.toml"]).start()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_child_ends_when_the_app_is_killed() -> None:
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from avatar_player.server.process import ServerProcess; "
            "s = ServerProcess(); s.start(); print(s.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert app.stdout is not None
    child = int(app.stdout.readline())
    assert running(child)
    app.send_signal(signal.SIGKILL)  # no clean-up runs in the app
    app.wait()
    deadline = time.monotonic() + 10.0
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(child)


async def test_a_child_that_dies_runs_again_on_the_same_ports() -> None:
    restarts: list[tuple[bool, str]] = []
    server = ServerProcess(on_restart=lambda running, why: restarts.append((running, why)))
    server.start()
    try:
        first, urls = server.pid, (server.ws_url, server.console_url)
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await eventually(lambda: bool(restarts), timeout_s=30.0)
        assert restarts == [
            (True, "the Motion Server process exited (code -9); it runs again on the same ports")
        ]
        assert (server.ws_url, server.console_url) == urls and server.pid not in (None, first)
        assert await fetch_session_token(server.console_url, "demo-key")
    finally:
        server.stop()


async def test_a_child_that_keeps_dying_stays_dead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_process, "MAX_RESTARTS", (1, 60.0))
    restarts: list[bool] = []
    server = ServerProcess(on_restart=lambda running, _why: restarts.append(running))
    server.start()
    try:
        for count in (1, 2):
            pid = server.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            await eventually(lambda: len(restarts) == count, timeout_s=30.0)  # noqa: B023
        assert restarts == [True, False]
    finally:
        server.stop()


async def test_the_player_speaks_again_after_its_server_was_killed(tmp_path: Path) -> None:
    async with null_player() as session:
        assert await session.connect() and session.server is not None
        pid = session.server.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await eventually(lambda: "serverRestarted" in session.log.codes(), timeout_s=30.0)
        changes: list[ConversationChange] = []
        session.conversation_changed.connect(changes.append)
        assert await session.play_clip(speech_clip(tmp_path, 0.5))
        end = StateChangeReason.PLAYBACK_END
        await eventually(lambda: bool(changes) and changes[-1].reason is end, timeout_s=20.0)
