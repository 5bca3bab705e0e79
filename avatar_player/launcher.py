"""`avatar-player` (and `python main.py`): the window, or one of the commands that run
instead of it (--version, --diagnose, --install-desktop-entry), which need no display.

Start-up problems end the program with a message and an `ExitCode`, never a traceback.
"""

from __future__ import annotations

import sys

from avatar_player.exit_codes import ExitCode
from avatar_player.identity import COMMAND
from avatar_player.window_options import parse_args

NO_DISPLAY_HELP = (
    "The window needs an X11 or Wayland display. Start it from a desktop session, or "
    "headless under Xvfb (xvfb-run -a avatar-player). Without a window, "
    "avatar-player-qa plays and checks a clip, and avatar-player --diagnose reports "
    "this machine."
)


def main(argv: list[str] | None = None) -> int:
    """Run what the options ask for; the exit code says how it ended (see ExitCode)."""
    args = parse_args(argv)
    if args.diagnose:
        from avatar_player.diagnostics import render  # noqa: PLC0415

        print(render(args.json), end="")
        return ExitCode.OK
    if args.install_desktop_entry:
        return install_desktop_entry()
    from avatar_player.ui.environment import configure_gl_environment  # noqa: PLC0415

    configure_gl_environment()  # before anything imports OpenGL
    from avatar_player.diagnostics.display import probe_display  # noqa: PLC0415

    display = probe_display()
    if not display.available:
        print(f"{COMMAND}: no display ({display.detail}).\n{NO_DISPLAY_HELP}", file=sys.stderr)
        return ExitCode.NO_DISPLAY
    from avatar_player.ui.app import main as run_window  # noqa: PLC0415

    return run_window(args)


def install_desktop_entry() -> int:
    """Write the desktop entry and icon for this user; say where, or why not."""
    from avatar_player.desktop import describe, install_desktop_entry  # noqa: PLC0415

    try:
        installed = install_desktop_entry()
    except OSError as error:
        print(f"{COMMAND}: cannot install the desktop entry: {error}", file=sys.stderr)
        return ExitCode.DESKTOP_ENTRY_FAILED
    print(describe(installed), end="")
    return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
