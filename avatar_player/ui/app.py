"""`python main.py`: the Avatar Player desktop application.

Starts the embedded Motion Server (unless a remote one is chosen), opens the audio
output (falling back to a silent paced clock when there is no sound card), shows the
window and connects. qasync runs asyncio on Qt's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qasync import QEventLoop

from avatar_player.avatar.library import load_avatar
from avatar_player.models.player_session import PlayerSession, SessionOptions
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.render.tiers import TIERS
from avatar_player.ui.environment import request_gl_core_profile
from avatar_player.ui.main_window import AUTO_TIER, MainWindow

ORGANIZATION = "AvatarPlayer"
APPLICATION = "Avatar Player"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; they override the saved settings."""
    parser = argparse.ArgumentParser(prog="python main.py", description=APPLICATION)
    parser.add_argument("--url", help="ingress URL of a remote Motion Server (Basic Mode)")
    parser.add_argument("--relay", help="URL of the app's relay (Custom Mode)")
    parser.add_argument("--console-url", help="token endpoint of the remote server")
    parser.add_argument("--app-id", help="app id (default: demo-app)")
    parser.add_argument("--api-key", help="API key for the token endpoint")
    parser.add_argument("--token", help="a session token (remote server without a console)")
    parser.add_argument("--avatar", help="avatar id (default: demo-avatar)")
    parser.add_argument("--rate", type=int, choices=SUPPORTED_SAMPLE_RATES, help="sample rate")
    parser.add_argument(
        "--audio",
        choices=("device", "null"),
        default="device",
        help="null: no sound card, a silent paced clock",
    )
    parser.add_argument("--tier", choices=(AUTO_TIER, *TIERS), help="render quality tier")
    parser.add_argument("--no-connect", action="store_true", help="do not connect at start")
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


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


async def open_window(
    options: SessionOptions,
    settings: QSettings,
    tier: str | None,
    avatar_cache_dir: Path | None = None,
) -> MainWindow:
    """A shown window on an open session (embedded server started, audio open)."""
    session = PlayerSession(options, avatar_cache_dir=avatar_cache_dir)
    await session.open()
    window = MainWindow(session, load_avatar(options.avatar_id), settings, tier=tier)
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


async def run(app: QApplication, args: argparse.Namespace, settings: QSettings) -> None:
    """Show the window until it is closed, then shut everything down cleanly."""
    tier = args.tier or str(settings.value("render/tier", AUTO_TIER))
    window = await open_window(
        options_from(args, settings), settings, None if tier == AUTO_TIER else tier
    )
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    voice = asyncio.create_task(window.live.warm_up())
    if not args.no_connect:
        await window.session.connect()
    await closed.wait()
    await voice
    await close_window(window)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    request_gl_core_profile()
    app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=QEventLoop) as runner:
        runner.run(run(app, args, QSettings()))
    return 0
