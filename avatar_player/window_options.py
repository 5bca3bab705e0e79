"""The command line of `avatar-player` (and `python main.py`): one parser, without Qt."""

from __future__ import annotations

import argparse

from avatar_player import __version__
from avatar_player.identity import APP_NAME, COMMAND
from avatar_player.protocol.constants import SUPPORTED_SAMPLE_RATES
from avatar_player.render.tiers import TIERS

AUTO_TIER = "auto"
"""The quality tier chosen from the GPU (GL_RENDERER)."""


def build_parser() -> argparse.ArgumentParser:
    """Every option: the window's, and the commands that run instead of it."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=APP_NAME)
    parser.add_argument("--version", action="version", version=f"{COMMAND} {__version__}")
    instead = parser.add_argument_group("instead of opening the window")
    instead.add_argument(
        "--diagnose",
        action="store_true",
        help="print what a bug report needs about this machine (no secrets) and exit",
    )
    instead.add_argument("--json", action="store_true", help="with --diagnose: print JSON")
    instead.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Avatar Player to this user's desktop menu (.desktop file and icon)",
    )
    window = parser.add_argument_group("the window")
    window.add_argument("--url", help="ingress URL of a remote Motion Server (Basic Mode)")
    window.add_argument("--relay", help="URL of the app's relay (Custom Mode)")
    window.add_argument("--console-url", help="token endpoint of the remote server")
    window.add_argument("--app-id", help="app id (default: demo-app)")
    window.add_argument("--api-key", help="API key for the token endpoint")
    window.add_argument("--token", help="a session token (remote server without a console)")
    window.add_argument("--avatar", help="avatar id (default: demo-avatar)")
    window.add_argument("--rate", type=int, choices=SUPPORTED_SAMPLE_RATES, help="sample rate")
    window.add_argument(
        "--audio",
        choices=("device", "null"),
        default="device",
        help="null: no sound card, a silent paced clock",
    )
    window.add_argument("--tier", choices=(AUTO_TIER, *TIERS), help="render quality tier")
    window.add_argument("--no-connect", action="store_true", help="do not connect at start")
    window.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ...")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options of `argv` (default: the process's); command-line values override the
    saved settings."""
    return build_parser().parse_args(argv)
