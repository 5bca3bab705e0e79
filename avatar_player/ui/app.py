"""The Avatar Player window (`avatar-player`, `python main.py`; the launcher calls `main`).

Checks OpenGL 3.3 and the saved settings, starts the embedded Motion Server (unless a
remote one is chosen), opens the audio output (falling back to a silent paced clock when
there is no sound card), shows the window and connects. qasync runs asyncio on Qt's event
loop. A start-up problem ends it with a dialog and its exit code (see ExitCode).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from zipfile import BadZipFile

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from avatar_player.avatar.library import avatar_ids, load_avatar
from avatar_player.avatar.model import Avatar
from avatar_player.bundled import AVATARS_DIR
from avatar_player.exit_codes import ExitCode, StartupFailure
from avatar_player.identity import APP_NAME, COMMAND, ORGANIZATION
from avatar_player.models.error_log import Severity
from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.ui.app_icon import app_icon
from avatar_player.ui.environment import request_gl_core_profile
from avatar_player.ui.interrupts import on_interrupt
from avatar_player.ui.main_window import MainWindow
from avatar_player.ui.settings_store import SETTINGS_RESET, open_settings
from avatar_player.ui.startup_checks import report_failure, require_opengl
from avatar_player.window_options import AUTO_TIER

log = logging.getLogger(__name__)
STARTUP_PHASE = "startup"
"""The error log's phase for start-up warnings (settings reset)."""


def options_from(args: argparse.Namespace, settings: QSettings) -> SessionOptions:
    """Saved settings, overridden by the command line."""
    defaults = SessionOptions()

    def pick(arg: object, key: str, default: object) -> object:
        return arg if arg is not None else settings.value(key, default)

    saved = str(settings.value("connection/server", defaults.server))
    server = "relay" if args.relay else "remote" if args.url else saved
    return SessionOptions(
        server=server if server in ("remote", "relay") else "embedded",
        url=str(pick(args.relay or args.url, "connection/url", "")),
        console_url=str(pick(args.console_url, "connection/console_url", "")),
        app_id=str(pick(args.app_id, "connection/app_id", defaults.app_id)),
        api_key=args.api_key if args.api_key is not None else defaults.api_key,
        token=args.token or "",
        avatar_id=str(pick(args.avatar, "connection/avatar_id", defaults.avatar_id)),
        sample_rate=int(pick(args.rate, "connection/sample_rate", defaults.sample_rate)),
        audio=args.audio,
    )


def bundled_avatar(avatar_id: str) -> Avatar:
    """The installed avatar `avatar_id`, or StartupFailure(AVATAR_MISSING) naming it and
    saying what to do."""
    installed = avatar_ids(AVATARS_DIR)
    if avatar_id not in installed:
        if installed:
            advice = (
                f"Installed: {', '.join(installed)}. Start with "
                f"`{COMMAND} --avatar {installed[0]}` (the choice is saved on exit)."
            )
        else:
            advice = (
                "No avatar is installed at all: the installation is incomplete. Reinstall "
                "Avatar Player (pipx reinstall avatar-player, or pip install "
                "--force-reinstall avatar-player)."
            )
        raise StartupFailure(
            ExitCode.AVATAR_MISSING,
            f"Avatar {avatar_id!r} is missing",
            f"The avatar {avatar_id!r} is not installed (looked in {AVATARS_DIR}). {advice}",
        )
    try:
        return load_avatar(avatar_id, AVATARS_DIR)
    except (OSError, ValueError, KeyError, BadZipFile) as error:
        raise StartupFailure(
            ExitCode.AVATAR_MISSING,
            f"Avatar {avatar_id!r} is damaged",
            f"The avatar {avatar_id!r} in {AVATARS_DIR} cannot be read ({error}). Reinstall "
            f"Avatar Player, or start with another avatar: {COMMAND} --avatar ID.",
        ) from error


async def open_window(
    options: SessionOptions,
    settings: QSettings,
    tier: str | None,
    avatar_cache_dir: Path | None = None,
) -> MainWindow:
    """A shown window on an open session (embedded server started, audio open); raises
    StartupFailure before opening anything when the avatar is missing."""
    avatar = bundled_avatar(options.avatar_id)
    session = PlayerSession(options, avatar_cache_dir=avatar_cache_dir)
    await session.open()
    window = MainWindow(session, avatar, settings, tier=tier)
    window.show()
    await window.refresh_avatar_list()
    return window


async def close_window(window: MainWindow) -> None:
    """Close the window, then the connection, the audio stream and the server; then delete
    the widgets here, on the GUI thread, not whenever a garbage collection on some other
    thread (the server's, the audio's) gets to them: Qt objects must die on their thread."""
    window.close()
    await window.live.close()
    await window.session.close()
    destroyed = asyncio.Event()
    window.destroyed.connect(destroyed.set)
    window.deleteLater()
    await destroyed.wait()


async def run(
    app: QApplication, args: argparse.Namespace, settings: QSettings, warnings: list[str]
) -> None:
    """Show the window until it is closed (or SIGINT/SIGTERM), then shut down cleanly."""
    tier = args.tier or str(settings.value("render/tier", AUTO_TIER))
    window = await open_window(
        options_from(args, settings), settings, None if tier == AUTO_TIER else tier
    )
    for warning in warnings:
        window.session.log.add_message(Severity.WARNING, SETTINGS_RESET, STARTUP_PHASE, warning)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    with on_interrupt(window.close):
        log.info("window open")
        voice = asyncio.create_task(window.live.warm_up())
        if not args.no_connect:
            await window.session.connect()
        await closed.wait()
        await voice
    await close_window(window)


def main(args: argparse.Namespace) -> int:
    """Run the window for the parsed command line; the exit code says how it ended."""
    logging.basicConfig(level=args.log_level.upper())
    request_gl_core_profile()
    app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    try:
        require_opengl()
        settings, warnings = open_settings()
        with asyncio.Runner(loop_factory=QEventLoop) as runner:
            runner.run(run(app, args, settings, warnings))
    except StartupFailure as failure:
        return report_failure(failure)
    return ExitCode.OK
