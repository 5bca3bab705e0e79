"""`avatar-player --install-desktop-entry`, `--version`, `--help`, and the icon."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from avatar_player import __version__
from avatar_player.desktop import ICON_FILE
from avatar_player.desktop.entry import exec_line
from avatar_player.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[1]


def run_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` from outside the checkout, without a display."""
    env = {k: v for k, v in (env or os.environ).items() if k != "DISPLAY"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_install_desktop_entry_writes_a_valid_entry_and_the_icon(tmp_path: Path) -> None:
    done = run_main("--install-desktop-entry", env=os.environ | {"XDG_DATA_HOME": str(tmp_path)})
    assert done.returncode == ExitCode.OK, done.stderr
    entry = tmp_path / "applications" / "avatar-player.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "avatar-player.svg"
    assert done.stdout.startswith(f"desktop entry: {entry}\nicon: {icon}\nruns: ")
    assert icon.read_bytes() == ICON_FILE.read_bytes()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(entry, encoding="utf-8")
    fields = parser["Desktop Entry"]
    assert fields["Type"] == "Application"
    assert fields["Name"] == "Avatar Player"
    assert fields["Icon"] == str(icon)
    assert fields["Categories"] == "AudioVideo;Video;Player;"
    assert fields["Terminal"] == "false"
    command = fields["Exec"].split()
    assert Path(command[0]).is_file() and os.access(command[0], os.X_OK)
    assert command[1:] in ([], ["-m", "avatar_player.launcher"])
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout


def test_an_unwritable_data_home_is_a_message_and_exit_code_6(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    done = run_main("--install-desktop-entry", env=os.environ | {"XDG_DATA_HOME": str(blocker)})
    assert done.returncode == ExitCode.DESKTOP_ENTRY_FAILED == 6
    assert done.stderr.startswith("avatar-player: cannot install the desktop entry: ")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (["/usr/bin/avatar-player"], "/usr/bin/avatar-player"),
        (
            ["/opt/My Apps/python3", "-m", "avatar_player.launcher"],
            '"/opt/My Apps/python3" -m avatar_player.launcher',
        ),
        (["/home/a$b/100%/py"], '"/home/a\\\\$b/100%%/py"'),
    ],
)
def test_exec_lines_are_quoted_as_the_desktop_entry_spec_asks(
    command: list[str], line: str
) -> None:
    assert exec_line(command) == line


def test_version_and_help_need_no_display() -> None:
    version = run_main("--version")
    assert (version.returncode, version.stdout) == (0, f"avatar-player {__version__}\n")
    shown = run_main("--help")
    assert shown.returncode == 0
    for option in ("--diagnose", "--json", "--install-desktop-entry", "--url", "--relay",
                   "--avatar", "--audio", "--tier", "--no-connect"):  # fmt: skip
        assert option in shown.stdout


def test_the_icon_renders() -> None:
    image = QImage(str(ICON_FILE))
    assert (image.width(), image.height()) == (256, 256)
    centre, corner = image.pixelColor(128, 100), image.pixelColor(0, 0)
    assert corner.alpha() == 0 and centre.alpha() == 255  # a rounded tile with the face on it
