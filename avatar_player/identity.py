"""The application's names and where it keeps its per-user files (computed without Qt)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Avatar Player"
"""The window title and Qt's application name."""
ORGANIZATION = "AvatarPlayer"
"""Qt's organization name (the settings folder)."""
COMMAND = "avatar-player"
"""The console command, the desktop entry's id and the icon's name."""


def settings_location() -> str:
    """Where QSettings keeps the window's settings (native format, per user).

    On Linux, `$XDG_CONFIG_HOME/AvatarPlayer/Avatar Player.conf`, as Qt computes it;
    elsewhere Qt's native store (registry, plist), named by organization and application.
    """
    if not sys.platform.startswith("linux"):
        return f"native settings of organization {ORGANIZATION!r}, application {APP_NAME!r}"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return str(Path(config) / ORGANIZATION / f"{APP_NAME}.conf")


def data_home() -> Path:
    """`$XDG_DATA_HOME` (default `~/.local/share`): where desktop entries and icons go."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
