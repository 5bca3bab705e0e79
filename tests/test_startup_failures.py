"""Start-up problems end `python main.py` (= `avatar-player`) with a message and their own
exit code, never a traceback; problems it recovers from let the window open.

Each test runs the real program as a child process on the test's Xvfb display (or with no
display at all), with its own settings and data folders.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from avatar_player.exit_codes import ExitCode
from avatar_player.ui.settings_store import open_settings

ROOT = Path(__file__).resolve().parents[1]
WINDOW_OPEN = "window open"
"""The INFO line the app logs once its window is shown and Ctrl+C/SIGTERM close it."""


class Program:
    """`python main.py ARGS` with its stderr collected as it comes."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--audio", "null", "--no-connect", *args],
            env=env,
            cwd=env["HOME"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr += line

    def wait_for(self, text: str, timeout_s: float = 90.0) -> None:
        """Until `text` is on stderr (fails if the program ends first)."""
        deadline = time.monotonic() + timeout_s
        while text not in self.stderr:
            assert self.process.poll() is None, f"ended with {self.process.returncode}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.stderr[-3000:]}"
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig` and return the exit code."""
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        return code

    def finish(self) -> int:
        code = self.process.wait(timeout=120)
        self._reader.join(timeout=10)
        return code


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The test's display, with settings, data and cache in `tmp_path`."""
    yield os.environ | {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def settings_file(env: dict[str, str]) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "AvatarPlayer" / "Avatar Player.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def dialog_titles() -> str:
    """The window names on the test's X display (for the failure dialog)."""
    return subprocess.run(
        ["xwininfo", "-root", "-tree"], capture_output=True, text=True, check=True
    ).stdout


def assert_failure_dialog(program: Program, title: str) -> None:
    """The message is on stderr; the dialog with `title` is shown until SIGTERM."""
    if shutil.which("xwininfo"):
        deadline = time.monotonic() + 20
        while f'"Avatar Player: {title}"' not in dialog_titles():
            assert time.monotonic() < deadline, dialog_titles()
            time.sleep(0.1)
    assert program.process.poll() is None  # the dialog waits for the user


def test_no_display_is_a_message_and_exit_code_3(env: dict[str, str]) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    program = Program(env)
    assert program.finish() == ExitCode.NO_DISPLAY == 3
    assert program.stderr.startswith("avatar-player: no display (xcb: DISPLAY is not set).")
    assert "xvfb-run -a avatar-player" in program.stderr
    assert "Traceback" not in program.stderr


def test_an_unreachable_x_server_is_no_display_either(env: dict[str, str]) -> None:
    program = Program(env | {"DISPLAY": ":4321"})
    assert program.finish() == ExitCode.NO_DISPLAY
    assert "X server :4321: cannot connect" in program.stderr


def test_no_opengl_3_3_is_a_dialog_and_exit_code_4(env: dict[str, str]) -> None:
    """Mesa capped at OpenGL 2.1: Qt cannot create the 3.3 core context the view needs."""
    program = Program(env | {"MESA_GL_VERSION_OVERRIDE": "2.1"})
    program.wait_for("avatar-player: OpenGL 3.3 is not available.")
    assert_failure_dialog(program, "OpenGL 3.3 is not available")
    assert program.stop() == ExitCode.NO_OPENGL == 4
    assert "(xcb) gives no context" in program.stderr
    assert "MESA_GL_VERSION_OVERRIDE=2.1 is set: unset it." in program.stderr
    assert "Traceback" not in program.stderr


def test_a_missing_avatar_is_a_dialog_naming_it_and_exit_code_5(env: dict[str, str]) -> None:
    program = Program(env, "--avatar", "no-such-avatar")
    program.wait_for("avatar-player: Avatar 'no-such-avatar' is missing.")
    assert_failure_dialog(program, "Avatar 'no-such-avatar' is missing")
    assert program.stop(signal.SIGINT) == ExitCode.AVATAR_MISSING == 5
    assert "is not installed (looked in " in program.stderr
    assert (
        "Installed: demo-avatar, demo-avatar-auburn, demo-avatar-grey, demo-avatar-ponytail."
        in program.stderr
    )
    assert "avatar-player --avatar demo-avatar" in program.stderr
    assert "Traceback" not in program.stderr


def test_a_corrupt_settings_file_is_set_aside_with_a_warning(env: dict[str, str]) -> None:
    path = settings_file(env)
    path.write_bytes(b"\x00\xff\xfe [[[ not settings\n=\n[connection\nsample_rate=abc\n")
    program = Program(env, "--log-level", "INFO")
    program.wait_for(WINDOW_OPEN)
    assert program.stop() == ExitCode.OK
    [kept] = path.parent.glob("Avatar Player.conf.*.bad")
    assert kept.read_bytes().startswith(b"\x00\xff\xfe")
    assert f"The settings file {path} cannot be parsed: it was moved to {kept}" in program.stderr
    saved = QSettings(str(path), QSettings.Format.IniFormat)
    assert saved.status() == QSettings.Status.NoError
    assert saved.value("connection/server") == "embedded"  # written again on close


def test_saved_values_of_the_wrong_type_are_reset_with_a_warning(env: dict[str, str]) -> None:
    path = settings_file(env)
    path.write_text(
        "[connection]\nsample_rate=abc\nserver=embedded\n"
        "[playback]\nvolume=loud\n[render]\ntier=ultra\n"
        "[window]\ngeometry=not-a-geometry\n"
    )
    program = Program(env, "--log-level", "INFO")
    program.wait_for(WINDOW_OPEN)
    assert program.stop(signal.SIGINT) == ExitCode.OK
    assert (
        "Saved settings reset to their defaults: connection/sample_rate (must be one of 8000, "
        in program.stderr
    )
    for key in ("render/tier", "playback/volume", "window/geometry"):
        assert key in program.stderr
    saved = QSettings(str(path), QSettings.Format.IniFormat)
    assert saved.value("connection/sample_rate") == "24000"
    assert saved.value("render/tier") == "auto"


def test_the_window_opens_while_the_default_server_ports_are_taken(env: dict[str, str]) -> None:
    """The embedded Motion Server listens on free ports of its own: another server on the
    default ports (8765, 8766) does not stop the window."""
    listeners = []
    for port in (8765, 8766):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
        except OSError:
            listener.close()  # already taken by someone else: just as good for this test
            continue
        listener.listen()
        listeners.append(listener)
    try:
        program = Program(env, "--log-level", "INFO")
        program.wait_for(WINDOW_OPEN)
        assert program.stop() == ExitCode.OK
    finally:
        for listener in listeners:
            listener.close()
    assert "Traceback" not in program.stderr


def test_a_settings_path_that_cannot_be_read_is_set_aside(tmp_path: Path) -> None:
    """A folder where the settings file should be: Qt cannot read it (AccessError)."""
    path = tmp_path / "Avatar Player.conf"
    (path / "inside").mkdir(parents=True)
    settings, [warning] = open_settings(QSettings(str(path), QSettings.Format.IniFormat))
    [kept] = tmp_path.glob("Avatar Player.conf.*.bad")
    assert (
        warning
        == f"The settings file {path} cannot be read: it was moved to {kept}; defaults used."
    )
    assert (kept / "inside").is_dir()
    settings.setValue("playback/volume", 70)
    settings.sync()
    assert settings.status() == QSettings.Status.NoError and path.is_file()
