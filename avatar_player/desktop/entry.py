"""A per-user freedesktop.org desktop entry and icon, so desktops list Avatar Player.

`avatar-player --install-desktop-entry` writes
`$XDG_DATA_HOME/applications/avatar-player.desktop` and the SVG icon under
`$XDG_DATA_HOME/icons/hicolor/scalable/apps/`.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from avatar_player.bundled import ICONS_DIR
from avatar_player.identity import APP_NAME, COMMAND, data_home

ICON_FILE = ICONS_DIR / f"{COMMAND}.svg"
"""The bundled application icon."""
DESKTOP_FILE = f"{COMMAND}.desktop"


@dataclass(frozen=True)
class InstalledEntry:
    """Where the entry and the icon were written."""

    desktop_file: Path
    icon_file: Path


def launch_command() -> list[str]:
    """How to start this installation: the `avatar-player` command next to this Python
    (or on PATH), else this Python running the launcher module."""
    beside = Path(sys.executable).with_name(COMMAND)
    found = str(beside) if beside.is_file() else shutil.which(COMMAND)
    return [found] if found else [sys.executable, "-m", "avatar_player.launcher"]


def exec_line(command: list[str]) -> str:
    """The Exec value as the Desktop Entry spec asks: an argument with a reserved character
    in double quotes (\\, ", ` and $ escaped inside), `%` doubled, then backslashes escaped
    once more by the key file's string rule."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    quoted = []
    for argument in command:
        if argument and not reserved & set(argument):
            quoted.append(argument)
            continue
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
        quoted.append(f'"{escaped}"')
    return " ".join(quoted).replace("%", "%%").replace("\\", "\\\\")


def desktop_entry(command: list[str], icon: Path) -> str:
    """The text of the .desktop file."""
    fields = {
        "Type": "Application",
        "Version": "1.4",
        "Name": APP_NAME,
        "GenericName": "Talking avatar player",
        "Comment": "Play and inspect talking avatars driven by a Motion Server",
        "Exec": exec_line(command),
        "TryExec": command[0],
        "Icon": str(icon),
        "Terminal": "false",
        "Categories": "AudioVideo;Video;Player;",
        "Keywords": "avatar;lip sync;speech;text to speech;",
        "StartupNotify": "true",
    }
    return "[Desktop Entry]\n" + "".join(f"{key}={value}\n" for key, value in fields.items())


def install_desktop_entry(home: Path | None = None) -> InstalledEntry:
    """Copy the icon and write the entry under `home` (default $XDG_DATA_HOME); OSError
    when a file cannot be written."""
    home = home or data_home()
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE.name
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON_FILE, icon)
    entry = home / "applications" / DESKTOP_FILE
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(launch_command(), icon), encoding="utf-8")
    return InstalledEntry(entry, icon)


def describe(installed: InstalledEntry) -> str:
    """What was written, and the shell-quoted command the entry runs."""
    return (
        f"desktop entry: {installed.desktop_file}\n"
        f"icon: {installed.icon_file}\n"
        f"runs: {shlex.join(launch_command())}\n"
    )
