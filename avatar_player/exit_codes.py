"""The exit codes of `avatar-player` (and `python main.py`) and of `avatar-player-server`,
all in one place.

A start-up problem the user can fix ends the program with its own code and a message that
says what to do (a dialog when there is a display, always on stderr), never a traceback.
Problems the program recovers from (server ports in use, a corrupt settings file) do not
end it: they are logged as warnings.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Why the program ended."""

    OK = 0
    """The window was closed (or --version, --diagnose, --install-desktop-entry done)."""
    FAILED = 1
    """An unexpected error; its traceback is on stderr."""
    USAGE = 2
    """Bad command-line options (argparse's own code)."""
    NO_DISPLAY = 3
    """No X11 or Wayland display to open the window on."""
    NO_OPENGL = 4
    """No OpenGL 3.3 core context can be created on this display."""
    AVATAR_MISSING = 5
    """The avatar to show is not installed."""
    DESKTOP_ENTRY_FAILED = 6
    """--install-desktop-entry could not write its files."""
    PORT_UNAVAILABLE = 7
    """`avatar-player-server` cannot listen on its port (in use, or not allowed)."""


class StartupFailure(Exception):
    """A start-up problem: `code` to exit with, a short `title`, and a `message` saying what
    is wrong and what to do."""

    def __init__(self, code: ExitCode, title: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.title = title
        self.message = message
