"""`python -m avatar_player.server` as a real process: serves, logs each session, stops."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

from conftest import collect_response
from server_process import start_server_process

from avatar_player.client import fetch_session_token, open_session
from avatar_player.exit_codes import ExitCode

CONFIG = """
[server]
host = "127.0.0.1"
ws_port = 0
http_port = 0

[[apps]]
app_id = "cli-app"
api_key = "cli-key"
balance_s = 60
max_concurrent_sessions = 2

[[avatars]]
id = "cli-avatar"
name = "CLI Avatar"
"""


async def one_session(ingress: str, console: str) -> tuple[str, int]:
    token = await fetch_session_token(console, "cli-key")
    session = await open_session(
        ingress, app_id="cli-app", token=token, avatar_id="cli-avatar", sample_rate=24000
    )
    await session.send_audio("cli-req", b"\0\0" * 24000, end=True)
    frames = await collect_response(session, "cli-req")
    await session.close()
    return session.connection_id, len(frames)


def test_cli_serves_logs_and_stops(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text(CONFIG)
    process, ingress, console = start_server_process(
        "--config", str(config), "--fault-latency-ms", "1", stderr=subprocess.PIPE
    )
    try:
        connection_id, frames = asyncio.run(one_session(ingress, console))
        assert frames == 25
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"session {connection_id} open app=cli-app" in stderr
    assert f"session {connection_id} configured rate=24000" in stderr
    assert "response cli-req done audio=1.00s frames=25" in stderr
    assert f"session {connection_id} closed (client closed) code=1000" in stderr
    assert "cli-key" not in stderr
    assert "Motion Server stopped" in stderr


def test_cli_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "avatar_player.server", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in ("--config", "--host", "--port", "--http-port", "--fault-drop-after-frames"):
        assert option in result.stdout


def test_a_port_in_use_is_a_message_and_exit_code_7() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "avatar_player.server", "--port", str(port), "--http-port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert process.returncode == ExitCode.PORT_UNAVAILABLE == 7
    assert f"cannot listen on 127.0.0.1 (ingress port {port}" in process.stderr
    assert "--port N --http-port M (0 picks free ones)" in process.stderr
    assert "Traceback" not in process.stderr


def test_a_config_it_cannot_use_is_a_message_and_exit_code_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[server\nhost = ")
    for path, reason in ((tmp_path / "missing.toml", "No such file"), (broken, "Expected")):
        process = subprocess.run(
            [sys.executable, "-m", "avatar_player.server", "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert process.returncode == ExitCode.USAGE == 2
        assert "avatar-player-server: cannot use the config:" in process.stderr
        assert reason in process.stderr and "Traceback" not in process.stderr
