"""The Motion Server as the app's child process (avatar_player.server.process)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from avatar_player.client import fetch_session_token
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
